"""Words for kinds, statuses, channels and history entries: the one table every channel reads.

Marked with ``N_`` here and translated where shown, so the catalogues hold
them. A status has two words: a title (the admin's column, a report's heading,
"Received") and the word inside a sentence (a USSD screen or an SMS,
"Status: received"). Open311 speaks English on the wire and names its services
with the same catalogue words; what it adds (a service's description, a
status's note) is English API text, kept here beside the words it explains.
"""

from __future__ import annotations

from core.events import EventKind
from core.i18n import N_
from core.status import Channel, Kind, MessageStatus, Status


def _by_value(table: dict[str, str]) -> dict[str, str]:
    """Keyed by the stored string itself, so a lookup, a menu's order or a JSON key
    never carries an enum member into a session, a log line or an API answer."""
    return {str(key): words for key, words in table.items()}

KINDS: dict[str, str] = _by_value({
    Kind.COMPLAINT: N_("Complaint"), Kind.SUGGESTION: N_("Suggestion"),
    Kind.INQUIRY: N_("Inquiry"), Kind.COMPLIMENT: N_("Compliment"), Kind.OPINION: N_("Opinion"),
})
KIND_ORDER = tuple(KINDS)  # the order a menu lists them in

STATUSES: dict[str, str] = _by_value({  # titles
    Status.RECEIVED: N_("Received"), Status.IN_PROGRESS: N_("In progress"),
    Status.ANSWERED: N_("Answered"), Status.APPEALED: N_("Appealed"),
    Status.CLOSED: N_("Closed"), Status.REJECTED: N_("Rejected"),
})
STATUS_WORDS: dict[str, str] = _by_value({  # inside a sentence: USSD screens and SMS
    Status.RECEIVED: N_("received"), Status.IN_PROGRESS: N_("in progress"),
    Status.ANSWERED: N_("answered"), Status.APPEALED: N_("appealed"),
    Status.CLOSED: N_("closed"), Status.REJECTED: N_("rejected"),
})
CHANNELS: dict[str, str] = _by_value({
    Channel.USSD: N_("USSD"), Channel.SMS: N_("SMS"), Channel.WEB: N_("Web"),
    Channel.WALK_IN: N_("Walk-in"), Channel.PARTNER: N_("Partner"),
})
# A history entry's title; a kind without one (answered, closed...) shows its status's.
EVENTS: dict[str, str] = _by_value({
    EventKind.CREATED: N_("Created"), EventKind.VIEWED: N_("Viewed"),
    EventKind.STATUS_CHANGED: N_("Status changed"), EventKind.TRANSFERRED: N_("Transferred"),
    EventKind.RATED: N_("Rated"), EventKind.ESCALATED: N_("Escalated"),
    "reminded": N_("Reminder sent"),  # written by an earlier release; old histories hold it
    EventKind.SMS_QUEUED: N_("SMS queued"), EventKind.SMS_SENT: N_("SMS sent"),
    EventKind.SMS_DELIVERED: N_("SMS delivered"), EventKind.SMS_FAILED: N_("SMS failed"),
    EventKind.PERSONAL_DATA_PURGED: N_("Personal data removed"),
    EventKind.ADDED: N_("Text added by the citizen"),
    EventKind.DIRECTIVE_ISSUED: N_("Directive given"),
    EventKind.DIRECTIVE_REPORTED: N_("Directive: action reported"),
    EventKind.DIRECTIVE_ACCEPTED: N_("Directive accepted"),
    EventKind.DIRECTIVE_RETURNED: N_("Directive sent back"),
})
MESSAGE_STATUSES: dict[str, str] = _by_value({
    MessageStatus.QUEUED: N_("Queued"), MessageStatus.SENT: N_("Sent"),
    MessageStatus.DELIVERED: N_("Delivered"), MessageStatus.FAILED: N_("Failed"),
})
DIRECTIVE_STATUSES: dict[str, str] = {  # core.directives.DirectiveStatus
    "issued": N_("Issued"), "reported": N_("Action reported"), "returned": N_("Sent back"),
    "done": N_("Done"),
}

# Open311 (GeoReport v2), in English: what each service is, and what each status means.
SERVICE_ABOUT: dict[str, str] = _by_value({
    Kind.COMPLAINT: "Something a public institution did or failed to do",
    Kind.SUGGESTION: "An idea to improve a public service",
    Kind.INQUIRY: "A question to a public institution",
    Kind.COMPLIMENT: "Praise for a public service or officer",
    Kind.OPINION: "A view on a public service or policy",
})
STATUS_NOTES: dict[str, str] = _by_value({
    Status.RECEIVED: "received, not yet taken in hand",
    Status.IN_PROGRESS: "in progress",
    Status.APPEALED: "answered, then appealed; the appeal awaits an answer",
    Status.ANSWERED: "answered; the citizen may still appeal",
    Status.CLOSED: "closed",
})

# Every title by its stored value, for the admin, reports and exports. A status's title
# wins over an event of the same name ("answered", "closed"...), as it always has.
LABELS: dict[str, str] = {
    **EVENTS, **MESSAGE_STATUSES, **DIRECTIVE_STATUSES, **CHANNELS, **KINDS, **STATUSES,
    "anonymous": N_("anonymous"),
}


def label(value: str) -> str:
    """The msgid for ``value``, or the value itself when it has none (shown untranslated)."""
    return LABELS.get(value, value)
