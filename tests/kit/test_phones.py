from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klientura.kit.phones import InvalidPhone, _slow, normalize_phone

SAME_PERSON = ["8 (912) 345-67-89", "+7 912 345 67 89", "9123456789", "7-912-345-6789", "+7(912)3456789"]


@pytest.mark.parametrize("raw", SAME_PERSON)
def test_spellings_of_one_number_agree(raw: str) -> None:
    assert normalize_phone(raw, region="RU") == "+79123456789"


@pytest.mark.parametrize("raw", ["", "12345", "+7 000 000 00 00", "abc", "8 (912) 345-67-8"])
def test_invalid_phones_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(raw, region="RU")


def test_foreign_numbers_and_other_regions() -> None:
    assert normalize_phone("+44 20 7946 0958", region="RU") == "+442079460958"
    assert normalize_phone("(202) 555-0143", region="US") == "+12025550143"


_digits = st.text(alphabet="0123456789", min_size=9, max_size=12)
_noise = st.sampled_from(["", " ", "-", "(", ")", "."])


@settings(max_examples=400, deadline=None)
@given(digits=_digits, lead=st.sampled_from(["", "+", "8", "7", "+7"]), sep=_noise)
def test_fast_path_agrees_with_phonenumbers(digits: str, lead: str, sep: str) -> None:
    raw = lead + sep.join([digits[:3], digits[3:6], digits[6:]])
    try:
        expected: str | None = _slow(raw, "RU")
    except InvalidPhone:
        expected = None
    try:
        got: str | None = normalize_phone(raw, region="RU")
    except InvalidPhone:
        got = None
    assert got == expected


@settings(max_examples=200, deadline=None)
@given(national=st.from_regex(r"9[0-9]{9}", fullmatch=True))
def test_every_rendering_of_a_mobile_number_normalises_the_same(national: str) -> None:
    num = phonenumbers.parse("+7" + national)
    if not phonenumbers.is_valid_number(num):
        return
    e164 = "+7" + national
    forms = [
        phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL),
        "8" + national,
        national,
        "7" + national,
    ]
    assert {normalize_phone(f, region="RU") for f in forms} == {e164}
    assert normalize_phone(normalize_phone(forms[0], region="RU"), region="RU") == e164  # idempotent
