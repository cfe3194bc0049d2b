"""Control groups drawn by hash (deterministic, the share kept, independent between seeds, stable as the base
grows) and the channel chosen per recipient with consent and fallback."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klientura.campaigns.audience import Choice, choose_channel, in_share


def test_a_holdout_is_the_same_every_time_and_keeps_its_share() -> None:
    ids = range(1, 100_001)
    drawn = [i for i in ids if in_share("campaign-17", i, 0.1)]
    assert drawn == [i for i in ids if in_share("campaign-17", i, 0.1)]  # recorded seed, same group
    # a binomial share: within 4 standard deviations of 10%
    assert abs(len(drawn) - 10_000) < 4 * math.sqrt(100_000 * 0.1 * 0.9)
    other = {i for i in ids if in_share("campaign-18", i, 0.1)}
    overlap = len(other & set(drawn))  # independent draws overlap by share²
    assert abs(overlap - 1_000) < 4 * math.sqrt(100_000 * 0.01 * 0.99)


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=20), st.floats(0, 1), st.floats(0, 1))
def test_a_bigger_share_contains_the_smaller(seed: str, a: float, b: float) -> None:
    small, big = sorted((a, b))
    assert all(in_share(seed, i, big) for i in range(1, 300) if in_share(seed, i, small))


def test_shares_outside_zero_to_one_are_refused() -> None:
    with pytest.raises(ValueError):
        in_share("s", 1, 1.5)


ADDRESSES = {"email": "anna@example.com", "sms": "+79161234567", "telegram": None}


@pytest.mark.parametrize(
    ("consents", "preferred", "channel", "expected"),
    [
        ({"email": True, "sms": True}, "sms", None, Choice("sms", "+79161234567")),
        ({"email": True, "sms": False}, "sms", None, Choice("email", "anna@example.com")),  # refused: fall back
        ({"email": True}, "telegram", None, Choice("email", "anna@example.com")),  # no chat: fall back
        ({"sms": True}, None, None, Choice("sms", "+79161234567")),  # e-mail never consented
        ({"email": True, "sms": True}, "sms", "email", Choice("email", "anna@example.com")),  # the campaign's channel
        (
            {"email": False, "sms": True},
            None,
            "email",
            Choice(None, reason="no consent to email"),
        ),  # fixed: no fallback
        ({}, "email", None, Choice(None, reason="no consent to email; no consent to sms; no telegram address")),
    ],
)
def test_the_channel_needs_an_address_and_consent(
    consents: dict[str, bool], preferred: str | None, channel: str | None, expected: Choice
) -> None:
    assert choose_channel(ADDRESSES, consents, preferred, channel) == expected


def test_the_numpy_draw_is_the_same_number_as_the_scalar_one() -> None:
    import numpy as np

    from klientura.campaigns.audience import _uniform, uniforms

    ids = np.array([1, 2, 3, 10**6, 2**40, 7_654_321, *range(1000, 2000)], dtype=np.int64)
    for seed in ("campaign-17", "g-2026Q4:variant", "Ёлка"):
        assert uniforms(seed, ids).tolist() == [_uniform(seed, int(i)) for i in ids]
