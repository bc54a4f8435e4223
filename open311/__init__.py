"""The Open311 GeoReport v2 channel: public reads, partners' posts, and its wire formats.

A sibling of ``ussd/`` and ``sms/``: it parses requests, calls core and answers. ``views``
holds the blueprint and the reads, ``post`` adds partners' submissions, ``wire`` renders the
same documents as JSON or XML.
"""
