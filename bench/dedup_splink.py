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
                "address", "phone", "email"]  # fmt: skip


def export_demo(db: str, out: str) -> None:
    """The demo chain's cards with the truth the bench kept beside them (each card's person: its cluster)."""
    from itertools import chain

    from klientura import dedup
    from klientura.db import make_session_factory, session_scope

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
                        p.address or "", next(chain(p.phones, [""])), next(chain(p.emails, [""]))])  # fmt: skip


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
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    rows = _read(path)
    demo = "phone" in rows[0]  # the demo's cards: patronymic, gender, phone and e-mail besides
    con = duckdb.connect()
    extra = (", nullif(lower(patronymic), '') AS patronymic, nullif(gender, '') AS gender, "
             "nullif(phone, '') AS phone, nullif(lower(email), '') AS email") if demo else ""  # fmt: skip
    table = con.execute(
        "SELECT CAST(id AS BIGINT) AS unique_id, nullif(lower(surname), '') AS surname, "
        "nullif(lower(given_name), '') AS given_name, TRY_CAST(nullif(birth_date, '') AS DATE) AS birth_date, "
        "nullif(lower(city), '') AS city, nullif(postcode, '') AS postcode, nullif(lower(address), '') AS address"
        f"{extra} FROM read_csv('{path}', all_varchar = true)"
    ).df()
    db = DuckDBAPI(connection=con)
    comparisons = [
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("birth_date", input_is_string=False),
        cl.ExactMatch("city"),
        cl.ExactMatch("postcode"),  # not a UK postcode: its sector and district levels mean nothing here
        cl.LevenshteinAtThresholds("address", [2, 5]),
    ]
    rules = [
        block_on("birth_date"),
        block_on("surname", "substr(given_name, 1, 1)"),
        block_on("given_name", "substr(surname, 1, 1)"),
        block_on("postcode", "substr(given_name, 1, 1)"),
        block_on("address"),
    ]
    if demo:
        comparisons += [cl.NameComparison("patronymic"), cl.ExactMatch("gender"),
                        cl.LevenshteinAtThresholds("phone", [1]), cl.EmailComparison("email")]  # fmt: skip
        rules += [block_on("substr(phone, 1, 8)"), block_on("substr(phone, 6, 7)"), block_on("email")]
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
    )
    started = time.perf_counter()
    linker = Linker(db.register(table), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("surname", "given_name", "birth_date")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    training = (block_on("birth_date"), block_on("surname"), block_on("given_name" if demo else "postcode"))
    for rule in training:  # the demo has no postcodes
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predicted = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    seconds = time.perf_counter() - started
    pairs = [(int(a), int(b), float(p)) for a, b, p in
             zip(predicted["unique_id_l"], predicted["unique_id_r"], predicted["match_probability"], strict=True)]  # fmt: skip
    print(json.dumps({"engine": "splink", "records": len(rows), **_score(pairs, _truth(rows)),
                      "seconds": round(seconds, 1), "peak_mb": _peak_mb()}))  # fmt: skip


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
