"""Every msgid a USSD screen shows, marked with ``N_`` where it is named.

Screens translate them at render time with the session's locale; keeping the
names here lets the screen walker and the catalogue test see all of them.
"""

from __future__ import annotations

from core import labels
from core.i18n import N_

# Core's one table of words (core.labels), under the names the screens use.
KINDS = labels.KINDS
KIND_ORDER = labels.KIND_ORDER
STATUSES = labels.STATUS_WORDS

# One-line reasons shown above a re-shown screen; each fits in MAX_REASON characters.
INVALID_CHOICE = N_("Invalid choice, try again.")
TOO_SHORT = N_("Too short: write at least 3 letters.")
TOO_LONG = N_("Too long: write less.")
DESC_FULL = N_("The description is at its limit.")
DESC_TOO_LONG = N_("Too long for the room left: write less.")
BAD_REFERENCE = N_("Wrong number: check all 10 digits.")
UNKNOWN_REFERENCE = N_("No feedback has that number.")
NO_MATCH = N_("No institution starts so.")
LANGUAGE_SET = N_("Language changed.")
NO_MORE = N_("There is no next page.")
REASONS = (INVALID_CHOICE, TOO_SHORT, TOO_LONG, DESC_FULL, BAD_REFERENCE, UNKNOWN_REFERENCE,
           NO_MATCH, LANGUAGE_SET, NO_MORE, DESC_TOO_LONG)
MAX_REASON = 40

# End screens for a failed effect, by the domain error's code.
ERRORS = {
    "rate_limited": N_("You have sent too many. Please try again later."),
    "not_allowed": N_("Only the number that sent it may appeal, after it is answered."),
    "illegal_transition": N_("This feedback cannot be appealed now."),
    "unknown_feedback": N_("No feedback has that number."),
}
GENERIC_ERROR = N_("Sorry, your request could not be completed. Please try again.")
APOLOGY = N_("Sorry, the service is not available now. Please try again later.")
EXPIRED = N_("Your session has ended. Please dial again.")
