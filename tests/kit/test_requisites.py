"""INN, KPP and OGRN checked by their check digits, against published numbers and a brute count."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klientura.kit.errors import ValidationFailed
from klientura.kit.requisites import normalize_inn, normalize_kpp, normalize_ogrn


@pytest.mark.parametrize(
    ("raw", "inn"),
    [
        ("7707083893", "7707083893"),  # Sberbank
        ("ИНН 7736207543", "7736207543"),  # Yandex
        ("500 100 732 259", "500100732259"),  # a person's 12 digits
        ("7710140679", "7710140679"),
    ],
)
def test_published_inns_pass(raw: str, inn: str) -> None:
    assert normalize_inn(raw) == inn


@pytest.mark.parametrize(
    "raw", ["7707083894", "500100732258", "770708389", "77070838930", "abcdefghij", "", "0" * 12 + "1"]
)
def test_typos_and_shapes_fail(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        normalize_inn(raw)


@given(st.from_regex(r"\d{9}", fullmatch=True))
def test_exactly_one_check_digit_completes_ten(prefix: str) -> None:
    good = [d for d in "0123456789" if _ok(prefix + d)]
    assert len(good) == 1


def _ok(inn: str) -> bool:
    try:
        normalize_inn(inn)
        return True
    except ValidationFailed:
        return False


def test_kpp_and_ogrn() -> None:
    assert normalize_kpp("7736 01 001") == "773601001" and normalize_kpp("7707AB001") == "7707AB001"
    assert normalize_ogrn("1027700132195") == "1027700132195"  # Sberbank
    assert normalize_ogrn("ОГРНИП 304500116000157") == "304500116000157"
    for bad in ("1027700132196", "12345"):
        with pytest.raises(ValidationFailed):
            normalize_ogrn(bad)
    with pytest.raises(ValidationFailed):
        normalize_kpp("77360100")
