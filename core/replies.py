"""Reply templates as SMS: a msgid rendered in the subscriber's language, folded to fit.

Why in core: every channel's reply and the sender obey one rule of what an SMS
may be (GSM-7 only, at most two segments, an over-long text losing its tail to
"..."), so it lives once here; a channel keeps only its own msgids.
"""

from __future__ import annotations

from core import gsm
from core.i18n import translator

MAX_SEGMENTS = 2
ELLIPSIS = "..."


def render(lang: str, msgid: str, **params: object) -> str:
    """The template ``msgid`` in ``lang`` with ``params``, as an SMS :func:`fit` allows."""
    return fit(translator(lang)._(msgid, **params))


def fit(text: str, segments: int = MAX_SEGMENTS) -> str:
    """GSM-7 only, at most ``segments`` SMS; an over-long text loses its tail to '...'."""
    text = gsm.to_gsm7(" ".join(text.split()))
    if gsm.segments(text) <= segments:
        return text
    budget = gsm.SINGLE if segments == 1 else segments * gsm.CONCATENATED
    while gsm.septets(text) + len(ELLIPSIS) > budget:
        text = text[:budget - len(ELLIPSIS) - (gsm.septets(text) - len(text))]
    return text.rstrip() + ELLIPSIS
