"""Every SMS the channel itself writes, rendered in the subscriber's language.

Each reply is a msgid with named placeholders; :func:`core.replies.render` folds
the result to GSM-7 and keeps it within two segments (one wherever the catalogue
text allows: tests/sms/test_replies.py renders every template with worst-case values).
"""

from __future__ import annotations

from core import labels
from core.i18n import N_, translator
from core.replies import fit as fit  # the one rule of what an SMS may be, and
from core.replies import render as render  # its renderer, named where the msgids are

KINDS, STATUSES = labels.KINDS, labels.STATUS_WORDS  # core's one table (core.labels)

# One SMS (160 GSM-7) in both languages, naming every kind and Sema na Kiongozi's keyword.
HELP = N_("Mrejesho: send COMPLAINT, SUGGESTION, INQUIRY, COMPLIMENT, OPINION or LEADER, the "
          "institution, ':', your message. E.g. COMPLAINT TANESCO: no power. STATUS <ref>")
KEPT = N_("Message received. To send it as a complaint to the central desk reply YES within "
          "1 hour. Or send HELP to see how to write it.")
NOTHING_TO_CONFIRM = N_("There is no message to confirm. Send HELP to see how to write one.")
EMPTY = N_("Your SMS was empty. Send HELP to see how to write one.")
SUBMIT_USAGE = N_("Write your message after the keyword, e.g. COMPLAINT TANESCO: no power "
                  "since yesterday")
STATUS_USAGE = N_("To track, send STATUS and the 10-digit reference number.")
APPEAL_USAGE = N_("To appeal, send APPEAL, the 10-digit reference number and your reason.")
LANGUAGE_USAGE = N_("To change the language send LANGUAGE EN or LANGUAGE SW.")
LANGUAGE_SET = N_("Language set to English. Send HELP for the keywords.")
STOPPED = N_("You will get no more news SMS from Mrejesho; replies and answers to your own "
             "feedback still come. To get news again send START.")
STARTED = N_("You will get SMS from Mrejesho again. Send HELP for the keywords.")
RATE_NONE = N_("There is no answer waiting for your rating.")
RATE_WHICH = N_("Several answers await a rating: send the reference and 1-5, e.g. %(ref)s 4")
RATE_USAGE = N_("To rate an answer send its 10-digit reference and a number from 1 to 5.")
RATED = N_("Thank you for rating ref %(ref)s.")
RATED_LOW = N_("Thank you for rating ref %(ref)s. Not satisfied? Send APPEAL %(ref)s and "
               "your reason.")
APPEALED = N_("Appeal of ref %(ref)s received. It goes to %(inst)s.")
STATUS = N_("%(ref)s: %(kind)s to %(inst)s, sent %(date)s. Status: %(status)s.")
STATUS_ESCALATED = N_("%(ref)s: %(kind)s to %(inst)s, %(date)s: %(status)s; escalated to "
                      "%(up)s (late).")
OVERSIGHT = N_("oversight")
# The citizen's own tracking names a leader's directive (core.directives.citizen_notice).
STATUS_DIRECTIVE = N_("%(ref)s: %(kind)s to %(inst)s, sent %(date)s. Status: %(status)s. "
                      "%(directive)s")
STATUS_ESCALATED_DIRECTIVE = N_("%(ref)s: %(kind)s to %(inst)s, %(date)s: %(status)s; escalated "
                                "to %(up)s (late). %(directive)s")
GREETING = N_("Hello, and thank you. To send feedback write e.g. COMPLAINT TANESCO: no power. "
              "Send HELP for more.")
TO_CENTRAL = N_("It went to the central desk, which sends it on to the right institution. Next "
                "time name it before ':', e.g. COMPLAINT TANESCO: no power")
ADDED = N_("Added to ref %(ref)s. It now has %(n)s letters.")
ADD_TOO_LONG = N_("Not added: ref %(ref)s would pass 2000 letters. Send less.")
ADD_REFUSED = N_("Only the number that sent ref %(ref)s may add to it, and only while it is "
                 "open.")
LEADER_USAGE = N_("Write your message after the keyword, e.g. LEADER DC Ilala: no water since "
                  "May")
LEADER_TO_CENTRAL = N_("It went to the central desk, which sends it on to the leader's office. "
                       "Next time name the office before ':', e.g. LEADER DC Ilala: no water")
ADD_USAGE = N_("To add to your feedback send ADD, the 10-digit reference and the words to add.")

ERRORS = {
    "rate_limited": N_("You have sent too many. Please try again later."),
    "invalid_reference": N_("Wrong number: check all 10 digits."),
    "unknown_feedback": N_("No feedback has that number."),
    "not_allowed": N_("Only the number that sent the feedback may do this, after its answer."),
    "illegal_transition": N_("This feedback cannot be appealed now."),
    "invalid_feedback": N_("Too short: write at least 3 letters."),
}
GENERIC_ERROR = N_("Sorry, your request could not be completed. Please try again.")


def kind_name(lang: str, kind: str) -> str:
    return translator(lang)._(KINDS.get(kind, kind))


def status_name(lang: str, status: str) -> str:
    return translator(lang)._(STATUSES.get(status, status))
