"""The model of this base, stored and used (issue 21): the scan learns it from the cards in the store (the
generality base: Latin names, no contacts, typos), keeps it with its date, pairs and weights, suggests the pairs over
the threshold chosen for the wanted precision — and what it expected is what the truth gives; it learns again only
when the base has changed enough; a person's threshold is kept and rescanned with; a small base takes the built-in
weights."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bench.dedup_general import generate, true_pairs
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from klientura import dedup
from klientura.audit import SYSTEM
from klientura.customers import Customer
from klientura.db import utcnow
from klientura.dedup import DuplicateSuggestion
from klientura.dedup.explained import from_json, to_json
from klientura.kit.errors import ValidationFailed


def _store(session: Session, people: int, seed: int = 5) -> tuple[list[int], set[tuple[int, int]]]:
    """The generality base's records as cards; their ids and the true pairs (by id)."""
    records, owner = generate(people, seed)
    rows = [
        {"last_name": p.last_name, "first_name": p.first_name, "birth_date": p.birth_date, "city": p.city,
         "postcode": p.postcode, "address": p.address}
        for p in records
    ]  # fmt: skip
    ids = list(session.scalars(insert(Customer).returning(Customer.id, sort_by_parameter_order=True), rows))
    truth = {(ids[i], ids[j]) for i, j in true_pairs(owner)}
    return ids, {(min(a, b), max(a, b)) for a, b in truth}


def _suggested(session: Session) -> dict[tuple[int, int], DuplicateSuggestion]:
    return {(s.low_id, s.high_id): s for s in session.scalars(select(DuplicateSuggestion))}


def test_the_scan_learns_stores_and_finds_what_it_expected(session: Session) -> None:
    _ids, truth = _store(session, 1500)
    now = utcnow()
    found = dedup.scan(session, SYSTEM, now, precision=0.98)
    row = dedup.current_model(session)
    assert row is not None and row.learned and row.cards == len(_ids) and row.pairs_seen > len(truth)
    assert row.trained_by == SYSTEM.name and row.threshold_by is None and row.precision_wanted == 0.98
    # the default threshold: the loosest whose expected precision reaches the wanted one
    q = {x["threshold"]: x for x in row.quality}
    assert q[row.threshold]["precision"] >= 0.98
    assert all(
        x["precision"] < 0.98 for t, x in q.items() if t < row.threshold and x["pairs"] > q[row.threshold]["pairs"]
    )
    assert [x["pairs"] for x in row.quality] == sorted((x["pairs"] for x in row.quality), reverse=True)
    suggested = _suggested(session)
    assert found == len(suggested) == q[row.threshold]["pairs"]
    hits = len(set(suggested) & truth)
    precision, recall = hits / len(suggested), hits / len(truth)
    assert precision >= 0.96 and recall >= 0.8, (precision, recall)
    assert abs(precision - q[row.threshold]["precision"]) < 0.03  # what it expected is what the truth gives
    assert abs(recall - q[row.threshold]["recall"]) < 0.1
    # each suggestion says why: its levels and their weights, the strongest first
    s = next(iter(suggested.values()))
    bits = [r["params"]["bits"] for r in s.reasons]
    assert (
        bits
        and sorted(bits, key=abs, reverse=True) == bits
        and all(r["code"].startswith("dedup.level.") for r in s.reasons)
    )
    model = from_json(row.comparisons, row.prior)
    assert model is not None and to_json(model) == row.comparisons
    # explaining a suggested pair gives the weights the scan stored
    pair = max(suggested.values(), key=lambda x: x.probability)
    said = dedup.explain_pair(session, SYSTEM, pair.low_id, pair.high_id)
    assert said.probability >= row.threshold
    assert {r["code"] for r in said.reasons if "names_frequency" not in r["code"]} == {
        r["code"] for r in pair.reasons if "names_frequency" not in r["code"]
    }


def test_it_learns_again_only_when_the_base_has_changed_enough(session: Session) -> None:
    _store(session, 800)
    dedup.scan(session, SYSTEM, utcnow(), precision=0.98)
    first = dedup.current_model(session)
    assert first is not None
    dedup.scan(session, SYSTEM, utcnow(), precision=0.98)  # nothing changed: the stored model scores
    assert dedup.current_model(session) is first
    ids = list(session.scalars(select(Customer.id).order_by(Customer.id).limit(int(first.cards * 0.05))))
    session.execute(update(Customer).where(Customer.id.in_(ids)).values(updated_at=utcnow() + timedelta(seconds=1)))
    dedup.scan(session, SYSTEM, utcnow(), precision=0.98)  # a twentieth changed: still the same
    assert dedup.current_model(session) is first
    _store(session, 100, seed=9)  # and more than a tenth new: learned again
    dedup.scan(session, SYSTEM, utcnow() + timedelta(seconds=2), precision=0.98)
    second = dedup.current_model(session)
    assert second is not None and second.id != first.id and second.cards > first.cards
    dedup.scan(session, SYSTEM, utcnow(), precision=0.98, learn=True)  # asked for
    third = dedup.current_model(session)
    assert third is not None and third.id != second.id
    # a model of another version's comparisons is not used: learned again
    third.comparisons = [{**c, "levels": c["levels"][:-1]} if c["name"] == "place" else c for c in third.comparisons]
    session.flush()
    dedup.scan(session, SYSTEM, utcnow(), precision=0.98)
    fourth = dedup.current_model(session)
    assert fourth is not None and fourth.id != third.id and dedup.describe(fourth.comparisons)


def test_a_chosen_threshold_is_kept_and_scanned_with(session: Session) -> None:
    with pytest.raises(ValidationFailed) as refused:
        dedup.choose_threshold(session, SYSTEM, 0.9)
    assert refused.value.code is dedup.NO_MODEL
    with pytest.raises(ValidationFailed):
        dedup.scan(session, SYSTEM, utcnow(), precision=0.98, learn=False)
    _store(session, 900)
    dedup.scan(session, SYSTEM, utcnow(), precision=0.98)
    row = dedup.current_model(session)
    assert row is not None
    default = row.threshold
    strict = dedup.choose_threshold(session, SYSTEM, 0.999)
    assert (strict.threshold, strict.threshold_by) == (0.999, SYSTEM.name)
    n = dedup.scan(session, SYSTEM, utcnow(), precision=0.98, learn=False)
    assert n == {x["threshold"]: x["pairs"] for x in row.quality}[0.999]
    assert all(s.probability >= 0.999 for s in _suggested(session).values())
    dedup.scan(session, SYSTEM, utcnow(), precision=0.98, learn=True)  # learned again: the person's choice stays
    again = dedup.current_model(session)
    assert again is not None and again.id != row.id and (again.threshold, again.threshold_by) == (0.999, SYSTEM.name)
    back = dedup.choose_threshold(session, SYSTEM, None)
    assert back.threshold_by is None and back.threshold == pytest.approx(default, abs=0.05)
    for bad in (0.2, 1.0):
        with pytest.raises(ValidationFailed):
            dedup.choose_threshold(session, SYSTEM, bad)


def test_a_small_base_takes_the_built_in_weights(session: Session) -> None:
    ids, truth = _store(session, 200)
    assert len(ids) < dedup.MIN_CARDS
    dedup.scan(session, SYSTEM, utcnow(), precision=0.98)
    row = dedup.current_model(session)
    assert row is not None and not row.learned and row.cards == len(ids)
    suggested = _suggested(session)
    hits = len(set(suggested) & truth)
    assert hits / max(len(suggested), 1) >= 0.9 and hits / len(truth) >= 0.6, (len(suggested), hits, len(truth))
    assert all("names_frequency" not in r["code"] for s in suggested.values() for r in s.reasons)


def test_a_card_with_its_name_words_swapped_does_not_make_a_common_name_rare(session: Session) -> None:
    rows = [{"last_name": f"Фамилия{k}", "first_name": "Даниил"} for k in range(300)]
    rows += [{"last_name": "Панов", "first_name": f"Имя{k}"} for k in range(300)]
    rows += [{"last_name": f"Другая{k}", "first_name": f"Иной{k}"} for k in range(500)]
    rows += [{"last_name": "Даниил", "first_name": "Панов"}, {"last_name": "Панов", "first_name": "Даниил"}]
    ids = list(session.scalars(insert(Customer).returning(Customer.id, sort_by_parameter_order=True), rows))
    said = dedup.explain_pair(session, SYSTEM, ids[-2], ids[-1])  # the built-in weights: no model learned yet
    frequency = [r for r in said.reasons if "names_frequency" in r["code"]]
    assert frequency and all(r["code"].endswith("common") for r in frequency), said.reasons
