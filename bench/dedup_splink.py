"""Splink beside our learned duplicate model, on the same base and the same fields (issue 21).

Two steps, two virtualenvs — Splink is no dependency of ours:

    python -m bench.dedup_splink export --people 10000 --out bench/out/general-10000.csv   # ours: the base, the truth
    /path/to/splink-venv/bin/python bench/dedup_splink.py splink bench/out/general-10000.csv   # Splink 5 on DuckDB
    python -m bench.dedup_splink ours bench/out/general-10000.csv                            # ours on the same file
    python -m bench.dedup_splink export-demo --db bench/out/dedup-20000.db --out bench/out/demo-20000.csv
    # the demo chain's cards (built by bench.dedup_bench): patronymic, gender, phone and e-mail besides

Each prints one JSON line: precision and recall at the threshold whose expected precision is 0.97 by the model's
own probabilities (the same rule for both; the app's default, KLIENTURA_DEDUP_PRECISION), the best recall any threshold gives at a true precision of 0.98 (the
ranking alone, told by the truth), the pairs suggested, seconds and peak memory. The fields: surname, given
name, birth date, city, postcode, street address — no phones or e-mails in this base.
"""

from __future__ import annotations

import csv
import json
import resource
import sys
import time
from itertools import combinations
from pathlib import Path
from typing import Any

THRESHOLDS = [x / 100 for x in range(50, 100)]
WANTED = 0.97  # the expected precision the threshold is chosen for: the app's default (Splink's venv cannot import it)


def _truth(rows: list[dict[str, str]]) -> set[tuple[int, int]]:
    by: dict[str, list[int]] = {}
    for r in rows:
        by.setdefault(r["person"], []).append(int(r["id"]))
    return {tuple(sorted(p)) for members in by.values() for p in combinations(members, 2)}  # type: ignore[misc]


def _score(pairs: list[tuple[int, int, float]], truth: set[tuple[int, int]]) -> dict[str, Any]:
    """Precision and recall at the threshold whose expected precision (the mean probability above it) is WANTED."""
    ranked = sorted(pairs, key=lambda x: -x[2])
    best = None
    for t in THRESHOLDS:
        above = [p for p in ranked if p[2] >= t]
        if above and sum(p[2] for p in above) / len(above) >= WANTED:
            best = (t, above)
            break
    if best is None:
        best = (THRESHOLDS[-1], [p for p in ranked if p[2] >= THRESHOLDS[-1]])
    said = {(min(a, b), max(a, b)) for a, b, _p in best[1]}
    hits = len(said & truth)
    # and, told by the truth, the best recall any threshold gives at a precision of 0.98 (the model's ranking alone)
    best_recall = 0.0
    for t in THRESHOLDS:
        chosen = {(min(a, b), max(a, b)) for a, b, p in ranked if p >= t}
        right = len(chosen & truth)
        if chosen and right / len(chosen) >= 0.98:
            best_recall = max(best_recall, right / len(truth))
    return {"threshold": best[0], "suggested": len(said), "precision": round(hits / max(len(said), 1), 4),
            "recall": round(hits / max(len(truth), 1), 4), "recall_at_true_precision_98": round(best_recall, 4),
            "true_pairs": len(truth)}  # fmt: skip


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def export(people: int, out: str) -> None:
    from bench.dedup_general import generate

    records, owner = generate(people)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "person", "surname", "given_name", "birth_date", "city", "postcode", "address"])
        for r, o in zip(records, owner, strict=True):
            w.writerow([r.id, o, r.last_name or "", r.first_name or "", r.birth_date.isoformat() if r.birth_date else "",
                        r.city or "", r.postcode or "", r.address or ""])  # fmt: skip


DEMO_COLUMNS = ["id", "person", "surname", "given_name", "patronymic", "gender", "birth_date", "city", "postcode",
                "address", "phone", "email", "surname_latin", "given_name_latin", "patronymic_latin"]  # fmt: skip


def export_demo(db: str, out: str) -> None:
    """The demo chain's cards with the truth the bench kept beside them (each card's person: its cluster)."""
    from itertools import chain

    from klientura import dedup
    from klientura.db import make_session_factory, session_scope
    from klientura.kit.translit import transliterate

    pairs = json.loads(Path(db.replace(".db", ".truth.json")).read_text())
    person = {dup: orig for orig, dup in pairs}  # the demo copies originals only: one person, one original
    with session_scope(make_session_factory(f"sqlite:///{db}")) as s:
        people = dedup.load_people(s)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(DEMO_COLUMNS)
        for p in people:
            w.writerow([p.id, person.get(p.id, p.id), p.last_name or "", p.first_name or "", p.middle_name or "",
                        p.gender or "", p.birth_date.isoformat() if p.birth_date else "", p.city or "", p.postcode or "",
                        p.address or "", next(chain(p.phones, [""])), next(chain(p.emails, [""])),
                        *(transliterate(x or "") for x in (p.last_name, p.first_name, p.middle_name))])  # fmt: skip


def _read(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def ours(path: str) -> None:
    from datetime import date

    from klientura.dedup.learning import learn_people
    from klientura.dedup.scoring import Person

    rows = _read(path)
    people = [Person(int(r["id"]), r["surname"] or None, r["given_name"] or None, r.get("patronymic") or None,
                     date.fromisoformat(r["birth_date"]) if r["birth_date"] else None, r.get("gender") or None,
                     r["city"] or None, [r["phone"]] if r.get("phone") else [], [r["email"]] if r.get("email") else [],
                     postcode=r["postcode"] or None, address=r["address"] or None) for r in rows]  # fmt: skip
    started = time.perf_counter()
    _cards, got = learn_people(people)
    seconds = time.perf_counter() - started
    pairs = [(people[i].id, people[j].id, float(p)) for (i, j), p in zip(got.pairs(), got.probabilities, strict=True)]
    print(json.dumps({"engine": "klientura", "records": len(rows), **_score(pairs, _truth(rows)),
                      "seconds": round(seconds, 1), "peak_mb": _peak_mb()}))  # fmt: skip


def splink(path: str) -> None:  # pragma: no cover - runs in Splink's own virtualenv
    import duckdb
    from splink import DuckDBAPI, Linker

    rows = _read(path)
    demo = "phone" in rows[0]  # the demo's cards: patronymic, gender, phone and e-mail besides
    con = duckdb.connect()
    extra = (", nullif(surname_latin, '') AS surname_latin, nullif(given_name_latin, '') AS given_name_latin, "
             "nullif(patronymic_latin, '') AS patronymic_latin, nullif(gender, '') AS gender, "
             "nullif(regexp_replace(phone, '[^0-9]', '', 'g'), '') AS phone, nullif(lower(email), '') AS email"
             ) if demo else ""  # fmt: skip
    table = con.execute(
        "SELECT CAST(id AS BIGINT) AS unique_id, nullif(lower(surname), '') AS surname, "
        "nullif(lower(given_name), '') AS given_name, TRY_CAST(nullif(birth_date, '') AS DATE) AS birth_date, "
        "nullif(lower(city), '') AS city, nullif(postcode, '') AS postcode, nullif(lower(address), '') AS address"
        f"{extra} FROM read_csv('{path}', all_varchar = true)"
    ).df()
    db = DuckDBAPI(connection=con)
    con.execute("SET memory_limit = '12GB'")  # the machine has 23 GB; DuckDB would take 80 % of it
    con.execute("SET temp_directory = 'bench/out/duckdb-tmp'")  # what it spills (GBs at a million): not in .tmp/
    settings, prior_rules, training = _demo_settings(len(rows)) if demo else _general_settings()
    started = time.perf_counter()
    linker = Linker(db.register(table), settings)
    linker.training.estimate_probability_two_random_records_match(prior_rules, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7 if demo else 2e6)
    for rule in training:  # a sample of each rule's pairs: at a million demo cards one surname is 7,600 cards
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=5e6)
    predicted = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    seconds = time.perf_counter() - started
    pairs = [(int(a), int(b), float(p)) for a, b, p in
             zip(predicted["unique_id_l"], predicted["unique_id_r"], predicted["match_probability"], strict=True)]  # fmt: skip
    print(json.dumps({"engine": "splink", "records": len(rows), **_score(pairs, _truth(rows)),
                      "seconds": round(seconds, 1), "peak_mb": _peak_mb()}))  # fmt: skip


def _general_settings() -> tuple[Any, list[Any], list[Any]]:  # pragma: no cover - Splink's virtualenv
    """The generality base: Latin names, birth date, town, postcode, street address."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.ExactMatch("city"),
            cl.ExactMatch("postcode"),  # not a UK postcode: its sector and district levels mean nothing here
            cl.LevenshteinAtThresholds("address", [2, 5]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("birth_date"),
            block_on("surname", "substr(given_name, 1, 1)"),
            block_on("given_name", "substr(surname, 1, 1)"),
            block_on("postcode", "substr(given_name, 1, 1)"),
            block_on("address"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    prior = [block_on("surname", "given_name", "birth_date")]
    return settings, prior, [block_on("birth_date"), block_on("surname"), block_on("postcode")]


def _demo_settings(records: int) -> tuple[Any, list[Any], list[Any]]:  # pragma: no cover - Splink's virtualenv
    """The demo's cards as a Splink user would set them up: the names compared in Latin (the export transliterates
    them — Splink has no transliteration of its own), surname and given name as one comparison that sees them
    swapped, the phone's digits one edit apart, the e-mail's user name the same or near; no postcode or
    address (the demo has none); blocked and trained on the birth date, the name and the phone's halves. Over 100,000
    cards a name with an initial is no block (the demo's 131 surnames: 125M pairs at a million, more than the machine's
    memory holds) — the whole name instead."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import ColumnExpression, SettingsCreator, block_on

    user = ColumnExpression("email").regex_extract("^[^@]+")
    # the demo's store merges cards that share a phone or an e-mail, so their duplicates never do: levels for exact
    # matches would stay untrained (EM fails on a level never seen), hence the phone and e-mail levels below
    phone = cl.CustomComparison(output_column_name="phone", comparison_levels=[
        cll.NullLevel("phone"), cll.LevenshteinLevel("phone", 1), cll.ElseLevel()])  # fmt: skip
    email = cl.CustomComparison(output_column_name="email", comparison_levels=[
        cll.NullLevel("email"), cll.ExactMatchLevel(user), cll.JaroWinklerLevel(user, 0.88),
        cll.JaroWinklerLevel("email", 0.88), cll.ElseLevel()])  # fmt: skip
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ForenameSurnameComparison("given_name_latin", "surname_latin").configure(
                term_frequency_adjustments=True
            ),
            cl.NameComparison("patronymic_latin"),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.ExactMatch("gender"),
            cl.ExactMatch("city"),
            phone,
            email,
        ],
        blocking_rules_to_generate_predictions=[
            block_on("birth_date"),
            *(
                [
                    block_on("surname_latin", "substr(given_name_latin, 1, 1)"),
                    block_on("given_name_latin", "substr(surname_latin, 1, 1)"),
                ]
                if records <= 100_000
                else []
            ),
            block_on("given_name_latin", "surname_latin"),
            block_on("substr(phone, 1, 7)"),
            block_on("substr(phone, 7, 5)"),
            block_on("email"),
            block_on("split_part(email, '@', 1)"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    prior = [block_on("surname_latin", "given_name_latin", "birth_date")]
    training = [block_on("birth_date"), block_on("surname_latin"), block_on("substr(phone, 1, 7)")]
    if records <= 100_000:  # EM on the e-mail's user name trains the levels best (best recall at a true precision of
        # 0.98: 0.970 with it on 20,000 cards, 0 without) but fails at a million (an m of 1e-301 on a birth-date level)
        training.append(block_on("split_part(email, '@', 1)"))
    return settings, prior, training


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "export":
        export(int(sys.argv[sys.argv.index("--people") + 1]), sys.argv[sys.argv.index("--out") + 1])
    elif command == "export-demo":
        export_demo(sys.argv[sys.argv.index("--db") + 1], sys.argv[sys.argv.index("--out") + 1])
    elif command == "ours":
        ours(sys.argv[2])
    else:
        splink(sys.argv[2])
