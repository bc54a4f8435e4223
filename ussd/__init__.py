"""ussd."""
