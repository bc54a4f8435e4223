"""Words for statuses, kinds, channels and history entries: the admin, reports and exports.

Marked with ``N_`` here and translated where shown, so the catalogues hold them.
"""

from __future__ import annotations

from core.i18n import N_

LABELS = {
    "received": N_("Received"), "in_progress": N_("In progress"), "answered": N_("Answered"),
    "appealed": N_("Appealed"), "closed": N_("Closed"), "rejected": N_("Rejected"),
    "complaint": N_("Complaint"), "suggestion": N_("Suggestion"), "inquiry": N_("Inquiry"),
    "compliment": N_("Compliment"), "opinion": N_("Opinion"),
    "ussd": N_("USSD"), "sms": N_("SMS"), "web": N_("Web"), "walk-in": N_("Walk-in"),
    "partner": N_("Partner"),
    "created": N_("Created"), "viewed": N_("Viewed"), "status_changed": N_("Status changed"),
    "transferred": N_("Transferred"), "rated": N_("Rated"), "escalated": N_("Escalated"),
    "reminded": N_("Reminder sent"), "sms_queued": N_("SMS queued"), "sms_sent": N_("SMS sent"),
    "sms_delivered": N_("SMS delivered"), "sms_failed": N_("SMS failed"),
    "personal_data_purged": N_("Personal data removed"), "anonymous": N_("anonymous"),
    "queued": N_("Queued"), "sent": N_("Sent"), "delivered": N_("Delivered"),
    "failed": N_("Failed"),
    "added": N_("Text added by the citizen"),
    "issued": N_("Issued"), "reported": N_("Action reported"), "returned": N_("Sent back"),
    "done": N_("Done"), "directive_issued": N_("Directive given"),
    "directive_reported": N_("Directive: action reported"),
    "directive_accepted": N_("Directive accepted"), "directive_returned": N_("Directive sent back"),
}


def label(value: str) -> str:
    """The msgid for ``value``, or the value itself when it has none (shown untranslated)."""
    return LABELS.get(value, value)
