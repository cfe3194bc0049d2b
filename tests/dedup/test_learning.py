"""The comparisons put a pair on the level a person would, and the model learned from a base unlike the demo (Latin
names, no contacts, typos in birth dates, several records per person: bench/dedup_general.py) finds its duplicates —
its prior and its expected precision as the truth has them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from klientura.dedup import keys
from klientura.dedup.cards import Cards
from klientura.dedup.comparisons import COMPARISONS, levels
from klientura.dedup.fs_model import NULL, threshold_for
from klientura.dedup.keys import MAX_BLOCK, WINDOW
from klientura.dedup.learning import learn_people
from klientura.dedup.scoring import Person


def _p(last: str | None, first: str | None, born: date | None = None, **kw: object) -> Person:
    return Person(1, last, first, kw.pop("middle", None), born, kw.pop("gender", None), kw.pop("city", None),  # type: ignore[arg-type]
                  list(kw.pop("phones", [])), list(kw.pop("emails", [])), postcode=kw.pop("postcode", None),
                  address=kw.pop("address", None))  # type: ignore[arg-type]  # fmt: skip


def _level(a: Person, b: Person, name: str) -> str | None:
    j = [c.name for c in COMPARISONS].index(name)
    found = levels(a, b)[j]
    return None if found == NULL else COMPARISONS[j].levels[found]


@pytest.mark.parametrize(
    ("a", "b", "comparison", "expected"),
    [
        (_p("Иванова", "Анна"), _p("иванова", "анна"), "surname", "exact"),
        (_p("Иванова", "Анна"), _p("Ivanova", "Anna"), "surname", "same key"),
        (_p("Иванова", "Анна"), _p("Иваонва", "Анна"), "surname", "near"),
        (_p("Smith", "John"), _p("Smyth", "J"), "given name", "initial"),
        (_p("Smith", "John"), _p("John", "Smith"), "surname", "exact"),  # the words swapped: compared swapped
        (_p("Smith", "John"), _p("Jonh", "Smith"), "given name", "near"),
        (_p("Smith", "John"), _p("Brown", "Mary"), "given name", "else"),
        (_p("Smith", "Ruth"), _p("Smith", "Runh"), "given name", "near"),  # a typo Jaro–Winkler puts at 0.83
        (_p("Smith", "Bob"), _p("Smith", "Rob"), "given name", "else"),  # three letters: one apart is another name
        (_p("Smith", None), _p("Smith", "John"), "given name", None),  # a missing field is no evidence
        (_p("A", "B", date(1980, 3, 7)), _p("A", "B", date(1980, 7, 3)), "birth date", "day and month swapped"),
        (_p("A", "B", date(1980, 3, 7)), _p("A", "B", date(1986, 3, 7)), "birth date", "one digit off"),
        (_p("A", "B", date(1980, 3, 7)), _p("A", "B", date(1980, 11, 28)), "birth date", "same year"),
        (_p("A", "B", postcode="12345"), _p("A", "B", postcode="12399"), "place", "postcode's first three digits"),
        (_p("A", "B", address="ул. Ленина, 5"), _p("A", "B", address="ул Ленина 5"), "place", "same address"),
        (_p("A", "B", address="12 Oak Street"), _p("A", "B", address="12 Oak Stret"), "place", "near address"),
        (
            _p("A", "B", address="12 Oak St", postcode="1"),
            _p("A", "B", address="3 Elm St", postcode="1"),
            "place",
            "same postcode",
        ),
        (_p("A", "B", city="Тверь"), _p("A", "B", city="тверь"), "place", "same city"),
        (_p("A", "B", postcode="12345", city="X"), _p("A", "B", postcode="54321", city="X"), "place", "same city"),
        (_p("A", "B", phones=["+79161112233"]), _p("A", "B", phones=["+79161112234"]), "phone", "one digit off"),
        (_p("A", "B", emails=["anna@x.ru"]), _p("A", "B", emails=["anna@y.ru"]), "e-mail", "same mailbox name"),
        (_p("A", "B", emails=["anna@x.ru"]), _p("A", "B", emails=["anan@x.ru"]), "e-mail", "one character off"),
        # two people's mailboxes made of their own surnames are not one person's typo
        (
            _p("Фёдорова", "Инна", emails=["ifedorova90@mail.ru"]),
            _p("Федотова", "Инна", emails=["ifedotova90@mail.ru"]),
            "e-mail",
            "else",
        ),
        (
            _p("Фёдорова", "Инна", emails=["ifedorova90@mail.ru"]),
            _p("Федорова", "Инна", emails=["ifedorvoa90@mail.ru"]),
            "e-mail",
            "one character off",
        ),
        # sisters' mailboxes made of their own initials: vmorozova91 is Варвара's, nmorozova91 Наталья's
        (
            _p("Морозова", "Варвара", emails=["vmorozova91@inbox.ru"]),
            _p("Морозова", "Наталья", emails=["nmorozova91@inbox.ru"]),
            "e-mail",
            "else",
        ),
        # digits apart are another birth year or another counter the mail service added: two people
        (
            _p("A", "B", emails=["petrov.ivan12@mail.ru"]),
            _p("A", "B", emails=["petrov.ivan122@mail.ru"]),
            "e-mail",
            "else",
        ),
        # two different common names are two names, however few letters apart
        (_p("Смирнова", "Анна"), _p("Смирнова", "Инна"), "given name", "else"),
        (_p("Федотова", "Анна"), _p("Федорова", "Анна"), "surname", "else"),
        (_p("A", "B", emails=["anna1990@mail.ru"]), _p("A", "B", emails=["anna1991@mail.ru"]), "e-mail", "else"),
    ],
)
def test_a_pair_lands_on_the_level_a_person_would_say(a: Person, b: Person, comparison: str, expected: str) -> None:
    assert _level(a, b, comparison) == expected


def test_learned_from_a_base_unlike_the_demo() -> None:
    from bench.dedup_general import generate, true_pairs

    records, owner = generate(3000)
    truth = true_pairs(owner)
    _cards, got = learn_people(records)
    n = len(records)
    assert got.model.prior == pytest.approx(len(truth) / (n * (n - 1) / 2), rel=0.25)  # learned, not told
    quality = got.quality([x / 100 for x in range(50, 100)])
    chosen = threshold_for(quality, 0.98)
    said = {pair for pair, p in zip(got.pairs(), got.probabilities, strict=True) if p >= chosen.threshold}
    precision, recall = len(said & truth) / len(said), len(said & truth) / len(truth)
    assert precision >= 0.975 and recall >= 0.85, (precision, recall, chosen)
    assert chosen.precision == pytest.approx(precision, abs=0.015)  # the page's expected precision is what happens
    weights = {c.name: w for c, w in zip(got.model.comparisons, got.model.weights(), strict=True)}
    assert weights["birth date"][0] > 8 and weights["birth date"][-1] < -3  # learned: a date agreeing is strong


def test_a_name_is_as_common_as_it_is_in_either_field_and_a_rare_one_adds_little() -> None:
    from klientura.dedup.comparisons import RARE_CAP, Frequencies

    base = [_p("Кириллов", "Павел") for _ in range(3)] + [_p("Смирнов", "Павел") for _ in range(400)]
    base += [_p(f"Фамилия{k}", "Иван") for k in range(600)]
    names = Frequencies(base)
    u = [np.full(5, 0.01), np.full(5, 0.01)]
    swapped = _p("Павел", "Кириллов")  # the words typed into each other's fields
    # "Павел" as a surname is rare only by mistake: counted as the given name it is
    assert names.adjustment(swapped, base[0], u, (0, 0)) == names.adjustment(base[0], base[1], u, (0, 0)) < 0
    assert names.adjustment(base[0], base[1], u, (0, NULL)) == pytest.approx(np.log2(0.01 / (3 / 1003)))
    u = [np.full(5, 0.1), np.full(5, 0.1)]  # agreeing surnames are common here: Кириллов's 3 in 1,003 is rare
    assert names.adjustment(base[0], base[1], u, (0, NULL)) == RARE_CAP  # log2(0.1 / 0.003) = 5.1, capped


def test_the_names_adjustment_of_many_pairs_is_each_pair_s() -> None:
    from bench.dedup_general import generate

    from klientura.dedup.batch import patterns
    from klientura.dedup.comparisons import Frequencies
    from klientura.dedup.learning import NameShares, candidates

    records, _owner = generate(400, seed=3)
    cards = Cards.of(records)
    found = candidates(cards)
    levels_ = patterns(cards, found)
    u = [np.linspace(0.001, 0.5, len(c.levels)) for c in COMPARISONS]
    many = NameShares(cards).adjustments(found >> 32, levels_, u, (1.0, 1.0))
    names = Frequencies(records)
    one = [
        names.adjustment(records[x >> 32], records[x & 0xFFFFFFFF], u, levels_[k]) for k, x in enumerate(found.tolist())
    ]
    assert len(one) > 100 and np.allclose(many, one)


def _pairs(packed: np.ndarray) -> set[tuple[int, int]]:
    return {(int(x) >> 32, int(x) & 0xFFFFFFFF) for x in packed}


def test_a_crowded_key_meets_its_sorted_neighbours_only() -> None:
    from datetime import timedelta

    crowd = [_p("Smith", "John", date(1950, 1, 1) + timedelta(days=400 * k)) for k in range(3 * MAX_BLOCK)]
    people = [*crowd, _p("Smith", "John", crowd[7].birth_date)]  # one person twice, among namesakes
    cards = Cards.of(people)
    made = keys.word_and_initial(cards, keys.Columns(cards))
    assert len(keys.pairs(made)) == 0  # without an order, a crowded key says nothing
    rank = np.array([2 * k for k in range(len(crowd))] + [15])  # by name and birth date: the twin beside #7
    found = _pairs(keys.pairs(made, rank=rank))
    assert (7, len(crowd)) in found and (0, len(crowd) - 1) not in found
    per_card = np.bincount(np.array(sorted(found)).ravel(), minlength=len(people))
    assert per_card.max() <= 2 * WINDOW and len(found) <= WINDOW * len(people)


def test_m_is_learned_from_pairs_sharing_a_birth_date_or_a_name_not_from_the_candidates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The training pairs share the birth date (everything else trained on them) or both name words (the date,
    the contacts and the place trained); a crowded date or name gives a sample, at most TRAINING_PAIRS a rule."""
    from datetime import timedelta

    from klientura.dedup import learning

    day = date(1980, 5, 17)
    letters = "бвгдклмнпрст"
    surnames = [f"{a.upper()}а{b}о{c}ин" for a in letters for b in letters for c in letters][:300]
    people = [_p(surnames[k], "Иван", day if k % 2 else day + timedelta(days=k)) for k in range(300)]
    people += [_p("Петрова", "Анна", day + timedelta(days=3 * k)) for k in range(40)]
    monkeypatch.setattr(learning, "TRAINING_PAIRS", 500)
    rules = learning.training(Cards.of(people))
    by_date, by_name = rules
    assert by_date.blocked_on == (3,) and by_name.blocked_on == (0, 1, 4)
    assert 0 < by_date.counts.sum() <= 500 and 0 < by_name.counts.sum() <= 500
    birth = [c.name for c in COMPARISONS].index("birth date")
    assert set(by_date.patterns[:, birth].tolist()) == {0}  # every date pair was born the same day
    assert set(by_name.patterns[:, 0].tolist()) == {0}  # every name pair: the same surname


def test_phones_one_digit_apart_meet_and_others_do_not() -> None:
    people = [
        _p("Иванова", "Анна", phones=["+79161112233"]),
        _p("Ивнова", "Анна", phones=["+79161115233"]),  # the same phone, one digit mistyped
        _p("Петров", "Олег", phones=["+79161112299"]),  # two digits apart
        _p("Сидоров", "Иван", phones=["+74951112233"]),  # another operator
        _p("Орлов", "Пётр"),  # no phone
    ]
    cards = Cards.of(people)
    assert _pairs(keys.pairs(keys.phones(cards, keys.Columns(cards)))) == {(0, 1)}


def test_mailboxes_a_letter_apart_meet() -> None:
    people = [
        _p("Малышев", "Михаил", emails=["malyshev.mikhail841@mail.ru"]),
        _p("Малышев", "Михал", emails=["mlyshev.mikhail841@mail.ru"]),  # a letter dropped
        _p("Малышев", "Михаил", emails=["malyshev.mikhail841@gmail.com"]),  # another domain
        _p("Орлов", "Пётр", emails=["orlov.petr@mail.ru"]),
        _p("Орлов", "Пётр", emails=["orlov@mail.ru"]),  # too short to be looked at a letter short
    ]
    cards = Cards.of(people)
    assert _pairs(keys.pairs(keys.mailbox(cards, keys.Columns(cards)))) == {(0, 1), (0, 2), (1, 2)}
