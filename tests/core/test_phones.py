from __future__ import annotations

import phonenumbers
import pytest

from core.errors import InvalidPhone
from core.phones import mask_phone, normalise_phone


@pytest.mark.parametrize("raw", [
    "0712345678", "712345678", "255712345678", "+255712345678", "+255 712 345 678",
    "0712 345 678", "0712-345-678", " 0712345678 ", "(0712) 345678",
])
def test_every_tanzanian_form_becomes_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+255712345678"


@pytest.mark.parametrize("raw,expected", [
    ("0754123456", "+255754123456"), ("0686123456", "+255686123456"),
    ("+254712345678", "+254712345678"),
])
def test_other_networks_and_countries(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "abc", "12", "07123", "0712345678901234",
                                 "+255 000 000 000", "x" * 40, "2557123"])
def test_garbage_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_phone(raw)


def test_mask_keeps_number_out_of_logs() -> None:
    assert mask_phone("+255712345678") == "+255712***678"
    assert mask_phone(None) == "-"


@pytest.mark.parametrize("raw", ["+255712345678", "+255754123456", "+255686123456",
                                 "+255222123456", "+255000000000", "+255123456789",
                                 "+255712345678 ", "+2557123456789", "+25571234567"])
def test_the_aggregators_own_form_is_judged_as_phonenumbers_judges_it(raw: str) -> None:
    """The shortcut for +255 and nine digits keeps phonenumbers' verdict, valid or not."""
    try:
        parsed = phonenumbers.parse(raw.strip(), "TZ")
        expected = (phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
                    if phonenumbers.is_valid_number(parsed) else None)
    except phonenumbers.NumberParseException:
        expected = None
    if expected is None:
        with pytest.raises(InvalidPhone):
            normalise_phone(raw)
    else:
        assert normalise_phone(raw) == expected
