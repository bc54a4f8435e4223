"""Phone numbers: every way a Tanzanian writes one becomes E.164.

``0712 345 678``, ``712345678``, ``255712345678`` and ``+255 712 345 678`` are
the same subscriber; the aggregator sends ``+255712345678``. ``phonenumbers``
does the parsing and validity check; we only add the bare ``255...`` form.
"""

from __future__ import annotations

import re

import phonenumbers

from core.errors import InvalidPhone

REGION = "TZ"
# The aggregator's own form, +255 and the nine digits of the national number: every hop and
# submission carries it, and phonenumbers' parse of it cost more than the validity check.
CANONICAL = re.compile(r"\+255([1-9]\d{8})")


def normalise_phone(raw: str, region: str = REGION) -> str:
    """Return ``raw`` as E.164 (``+255712345678``) or raise :class:`InvalidPhone`."""
    text = (raw or "").strip()
    canonical = CANONICAL.fullmatch(text)
    if canonical is not None:  # already E.164: only the validity check is left to do
        number = phonenumbers.PhoneNumber(country_code=255,
                                          national_number=int(canonical.group(1)))
        if not phonenumbers.is_valid_number(number):
            raise InvalidPhone(f"not a valid phone number: {raw!r}")
        return text
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits or len(text) > 32:
        raise InvalidPhone(f"not a phone number: {raw!r}")
    if not text.startswith("+") and digits.startswith("255") and len(digits) == 12:
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str | None) -> str:
    """A number fit for a log line: ``+255712***678``."""
    if not phone:
        return "-"
    if len(phone) <= 6:
        return "***"
    return phone[:-6] + "***" + phone[-3:]
