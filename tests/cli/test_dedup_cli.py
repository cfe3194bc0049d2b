"""A base of person records in the shape public record-linkage benchmarks use (rec_id, given_name, surname,
street_number, address_1, address_2, suburb, postcode, state, date_of_birth as YYYYMMDD; one record id each, no
phones or e-mails) imported as it is and its duplicates found from the command line: the columns are recognised,
every record lands on its own card, `dedup train` learns the model from them and the suggestions are the true pairs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from bench.dedup_general import generate, true_pairs
from sqlalchemy import select
from typer.testing import CliRunner

from klientura.cli import app
from klientura.customers import Identity
from klientura.db import make_session_factory, session_scope
from klientura.dedup import DuplicateSuggestion


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KLIENTURA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def test_a_record_linkage_file_imported_as_it_is_and_its_duplicates_found(env: Path) -> None:
    records, owner = generate(900, seed=11)
    path = env / "records.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["rec_id", "given_name", "surname", "street_number", "address_1", "address_2", "suburb",
                      "postcode", "state", "date_of_birth"])  # fmt: skip
        for i, p in enumerate(records):
            number, _, street = (p.address or "").partition(" ")
            born = f"{p.birth_date.year:04d}{p.birth_date:%m%d}" if p.birth_date else ""
            out.writerow([f"rec-{i}", p.first_name, p.last_name, number, street, "", p.city or "", p.postcode or "",
                          "nsw", born])  # fmt: skip
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    done = runner.invoke(app, ["import", "customers", str(path)])
    assert done.exit_code == 0, done.output
    # a birth year typed 7003 is left out of its card, and the report names the row
    implausible = [i for i, p in enumerate(records) if p.birth_date and not 1900 <= p.birth_date.year <= 2026]
    assert implausible and "rows imported without a value" in done.output, done.output
    assert f"row {implausible[0] + 2}: imported without it — birth_date: implausible birth date" in done.output
    trained = runner.invoke(app, ["dedup", "train"])
    assert trained.exit_code == 0, trained.output
    kept = len(records)
    assert f"learned from {kept:,} cards" in trained.output and "surname" in trained.output
    again = runner.invoke(app, ["dedup", "scan"])  # nothing changed: the stored model, the same suggestions
    assert again.exit_code == 0 and "duplicate suggestions at the threshold" in again.output
    with session_scope(make_session_factory(str(env / "cli.db").join(("sqlite:///", "")))) as s:
        card = {v.rsplit("rec-", 1)[1]: c for c, v in s.execute(select(Identity.customer_id, Identity.value))}
        assert len(card) == kept  # every record its own card: no two share an identity
        by_record = {int(k): c for k, c in card.items()}
        truth = {
            tuple(sorted((by_record[i], by_record[j])))
            for i, j in true_pairs(owner)
            if i in by_record and j in by_record
        }
        said = {(x.low_id, x.high_id) for x in s.scalars(select(DuplicateSuggestion))}
    hits = len(said & truth)
    assert hits / len(said) >= 0.97 and hits / len(truth) >= 0.8, (len(said), hits, len(truth))
