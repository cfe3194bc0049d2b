"""A scan of a base too large to scan within a page's request is handed to the worker (issue 21): asked for once
however often the button is pressed (learning if any press asked to learn), run on the worker's next round, then no
longer waiting; a small base is scanned at once."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from klientura import dedup
from klientura.audit import SYSTEM
from klientura.db import utcnow
from klientura.dedup import requested
from tests.dedup.test_trained import _store, _suggested


def test_a_large_base_is_scanned_by_the_worker(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    ids, truth = _store(session, 700)
    assert dedup.inline(session)  # 1,000-odd cards: scanned within the request
    monkeypatch.setattr(requested, "INLINE_CARDS", 500)
    assert not dedup.inline(session)
    assert dedup.waiting(session) is None and dedup.run_asked(session, SYSTEM, utcnow(), precision=0.97) is None
    first = dedup.ask(session, SYSTEM, utcnow(), learn=False)
    again = dedup.ask(session, SYSTEM, utcnow(), learn=True)  # pressed again, on the model page
    assert again.id == first.id and again.learn and again.cards == len(ids)
    assert dedup.waiting(session) is first and _suggested(session) == {}  # nothing scanned yet
    done = dedup.run_asked(session, SYSTEM, utcnow(), precision=0.97)  # the worker's round
    assert done is first and done.done_at is not None and done.found == len(_suggested(session)) > 0
    assert dedup.waiting(session) is None
    model = dedup.current_model(session)
    assert model is not None and model.learned and model.cards == len(ids)
    assert len(set(_suggested(session)) & truth) / len(truth) >= 0.8
