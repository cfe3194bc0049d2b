"""A base unlike the demo, for checking that the duplicate model learns from what it is given (issue 21): Latin
names (namesakes common: surnames and given names drawn by a Zipf law), no phones or e-mails, birth dates with typos
and swapped day and month, towns with their postcodes and street addresses, one to five records per person, each duplicate mistyped in its
own way (a letter dropped, doubled, swapped or replaced; an initial; the name's words swapped; a field left empty; a
person moved to another town).

    python -m bench.dedup_general [--people 20000]    # prints precision and recall of the learned model

Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import time
from datetime import date, timedelta
from itertools import combinations

from klientura.dedup.scoring import Person


def _words(text: str) -> list[str]:
    return text.split()


GIVEN = _words(
    "james mary john patricia robert jennifer michael linda william elizabeth david barbara richard susan joseph "
    "jessica thomas sarah charles karen christopher nancy daniel lisa matthew betty anthony margaret mark sandra "
    "donald ashley steven kimberly paul emily andrew donna joshua michelle kenneth dorothy kevin carol brian amanda "
    "george melissa timothy deborah ronald stephanie edward rebecca jason sharon jeffrey laura ryan cynthia jacob "
    "kathleen gary amy nicholas angela eric shirley jonathan anna stephen brenda larry pamela justin emma scott "
    "nicole brandon helen benjamin samantha samuel katherine gregory christine alexander debra frank rachel patrick "
    "carolyn raymond janet jack catherine dennis maria jerry heather tyler diane aaron ruth jose julie adam olivia "
    "nathan joyce henry virginia douglas victoria zachary kelly peter lauren kyle christina ethan joan walter evelyn "
    "noah judith jeremy megan christian andrea keith cheryl roger hannah terry jacqueline gerald martha harold gloria "
    "sean teresa austin ann carl sara arthur madison lawrence frances dylan kathryn jesse janice jordan jean bryan "
    "abigail billy alice joe judy bruce sophia gabriel grace logan denise albert amber willie doris alan marilyn"
)
SURNAME_PARTS = _words(
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson "
    "anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson "
    "walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell "
    "mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris "
    "morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward "
    "richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders "
    "patel myers long ross foster jimenez powell jenkins perry russell sullivan bell coleman butler henderson barnes "
    "gonzales fisher vasquez simmons romero jordan patterson alexander hamilton graham reynolds griffin wallace "
    "moreno west cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray ford castro marshall owens"
)
STREETS = _words(
    "oak maple high church station park mill school main bridge king queen victoria green hill forest "
    "lake river spring garden north south west east"
)
KINDS = ("street", "road", "lane", "avenue", "close", "drive")
TOWNS = [f"{a}{b}" for a in ("north", "south", "east", "west", "new", "old", "great", "little") for b in
         ("field", "bridge", "ton", "ham", "ford", "bury", "wick", "port", "mouth", "stead", "worth", "ley")]  # fmt: skip


def _zipf(rng: random.Random, items: list[str], s: float = 1.05) -> str:
    weights = [1 / (i + 1) ** s for i in range(len(items))]
    return rng.choices(items, weights)[0]


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.3:
        return word[:i] + word[i + 1 :]  # dropped
    if kind < 0.5:
        return word[:i] + word[i] + word[i:]  # doubled
    if kind < 0.75:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :] if i + 1 < len(word) else word  # swapped
    return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1 :]  # replaced


def _date_typo(rng: random.Random, d: date) -> date:
    if rng.random() < 0.35 and d.day <= 12 and d.day != d.month:
        return date(d.year, d.day, d.month)
    text = d.strftime("%Y%m%d")
    for _ in range(10):
        i = rng.randrange(len(text))
        changed = text[:i] + str(rng.randrange(10)) + text[i + 1 :]
        try:
            got = date(int(changed[:4]), int(changed[4:6]), int(changed[6:]))
        except ValueError:
            continue
        if got != d:
            return got
    return d


def generate(people: int, seed: int = 5) -> tuple[list[Person], list[int]]:
    """The records and, for each, the person it belongs to."""
    rng = random.Random(seed)
    surnames = SURNAME_PARTS + [a + b for a, b in zip(SURNAME_PARTS, SURNAME_PARTS[7:], strict=False)]
    postcodes = {t: [f"{10000 + 37 * k + 1000 * j:05d}" for j in range(3)] for k, t in enumerate(TOWNS)}
    out: list[Person] = []
    owner: list[int] = []
    for who in range(people):
        last, first = _zipf(rng, surnames), _zipf(rng, GIVEN)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(65 * 365))
        town = _zipf(rng, TOWNS, 0.6)
        code = rng.choice(postcodes[town])
        home = f"{rng.randint(1, 120)} {rng.choice(STREETS)} {rng.choice(KINDS)}"
        copies = min(1 + int(rng.expovariate(1.1)), 5)
        for k in range(copies):
            surname, given, day, city, post, street = last, first, born, town, code, home
            if k:  # a duplicate, mistyped in its own way
                if rng.random() < 0.35:
                    surname = _typo(rng, surname)
                r = rng.random()
                if r < 0.2:
                    given = _typo(rng, given)
                elif r < 0.26:
                    given = given[0]
                elif r < 0.31:
                    surname, given = given, surname
                if rng.random() < 0.2:
                    day = _date_typo(rng, day)
                if rng.random() < 0.06:  # moved
                    city = rng.choice(TOWNS)
                    post = rng.choice(postcodes[city])
                    street = f"{rng.randint(1, 120)} {rng.choice(STREETS)} {rng.choice(KINDS)}"
                elif rng.random() < 0.15:
                    number, rest = street.split(" ", 1)
                    street = f"{number} {_typo(rng, rest)}" if rng.random() < 0.7 else f"{int(number) + 1} {rest}"
                if rng.random() < 0.08 and post:
                    post = post[:4] + str(rng.randrange(10))
            out.append(
                Person(
                    len(out) + 1,
                    surname.title(),
                    given.title(),
                    None,
                    None if rng.random() < 0.08 else day,
                    None,
                    None if rng.random() < 0.15 else city.title(),
                    postcode=None if rng.random() < 0.25 else post,
                    address=None if rng.random() < 0.3 else street.title(),
                )
            )
            owner.append(who)
    return out, owner


def true_pairs(owner: list[int]) -> set[tuple[int, int]]:
    by: dict[int, list[int]] = {}
    for i, o in enumerate(owner):
        by.setdefault(o, []).append(i)
    return {pair for members in by.values() for pair in combinations(members, 2)}


def main() -> None:
    from klientura.config import Settings
    from klientura.dedup.fs_model import threshold_for
    from klientura.dedup.learning import learn_people

    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=20_000)
    args = ap.parse_args()
    records, owner = generate(args.people)
    truth = true_pairs(owner)
    started = time.perf_counter()
    _cards, got = learn_people(records)
    seconds = time.perf_counter() - started
    wanted = Settings.model_fields["dedup_precision"].default  # the app's default
    chosen = threshold_for(got.quality([x / 100 for x in range(50, 100)]), wanted)
    said = {pair for pair, p in zip(got.pairs(), got.probabilities, strict=True) if p >= chosen.threshold}
    hits = len(said & truth)
    print(json.dumps({"records": len(records), "true_pairs": len(truth), "candidates": got.pairs_seen,
                      "threshold": chosen.threshold, "expected_precision": round(chosen.precision, 4),
                      "expected_recall": round(chosen.recall, 4), "precision": round(hits / max(len(said), 1), 4),
                      "recall": round(hits / max(len(truth), 1), 4), "seconds": round(seconds, 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
