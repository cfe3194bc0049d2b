"""The duplicate model's built-in weights (``src/klientura/dedup/builtin.json``), used while a base has fewer cards
than it takes to learn from (``dedup.trained.MIN_CARDS``): learned from the demo chain's 20,000 cards (Russian
names, phones, e-mails, cities — built by ``python -m bench.dedup_bench --customers 20000`` first) and the generality
bench's 10,000 people (Latin names, no contacts, postcodes and street addresses) together, so every comparison has
weights from a base that holds it.

    python -m bench.dedup_bench --customers 20000             # builds bench/out/dedup-20000.db once
    python -m bench.dedup_builtin
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.dedup_general import generate
from klientura import dedup
from klientura.config import Settings
from klientura.db import make_session_factory, session_scope
from klientura.dedup.explained import to_json
from klientura.dedup.fs_model import threshold_for
from klientura.dedup.learning import learn_people
from klientura.dedup.trained import THRESHOLDS

OUT = Path("src/klientura/dedup/builtin.json")


def main() -> None:
    demo = Path("bench/out/dedup-20000.db")
    if not demo.exists():
        raise SystemExit(f"{demo} is missing: python -m bench.dedup_bench --customers 20000 --learned")
    with session_scope(make_session_factory(f"sqlite:///{demo}")) as s:
        people = list(dedup.iter_people(s))
    general, _owner = generate(10_000)
    _cards, got = learn_people(people + general)
    # a small base's candidates are too few to choose a threshold by: the one chosen here is its default
    chosen = threshold_for(got.quality(THRESHOLDS), Settings.model_fields["dedup_precision"].default)
    made = {
        "made_by": "python -m bench.dedup_builtin (the demo chain's 20,000 cards and the generality bench's 10,000 people)",
        "cards": len(people) + len(general),
        "pairs_seen": got.pairs_seen,
        "prior": got.model.prior,
        "threshold": chosen.threshold,
        "comparisons": to_json(got.model),
    }
    OUT.write_text(json.dumps(made, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"{OUT}: {made['cards']:,} cards, {got.pairs_seen:,} candidate pairs, prior {got.model.prior:.3g}, threshold {chosen.threshold}"
    )


if __name__ == "__main__":
    main()
