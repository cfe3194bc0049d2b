"""Sales plans (issue 20): a head of sales sets targets for their team and its people (not another team's), an
administrator for anyone; the same month, scope and measure replaced, not doubled; a month starts on the 1st, a
quarter in January, April, July or October; what is planned for must exist."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from klientura import auth, sales
from klientura.audit import SYSTEM
from klientura.kit.errors import Forbidden, ValidationFailed


def _plan(**over: object) -> sales.PlanIn:
    values: dict[str, object] = {"period_start": date(2026, 3, 1), "months": 1, "scope": "all", "scope_id": 0,
                                 "measure": "revenue", "target": Decimal("1000000")}  # fmt: skip
    return sales.PlanIn.model_validate({**values, **over})


def test_heads_plan_for_their_own(session: Session) -> None:
    head = auth.create_user(session, SYSTEM, "head@t.example", "Head", "head", "password123")
    seller = auth.create_user(session, SYSTEM, "seller@t.example", "Seller", "manager", "password123")
    other = auth.create_user(session, SYSTEM, "other@t.example", "Other", "manager", "password123")
    team = auth.create_team(session, SYSTEM, "Опт", head.id)
    auth.set_team(session, SYSTEM, team.id, head_id=head.id, members=[seller.id])
    as_head = auth.actor_for_user(head)
    first = sales.set_plan(session, as_head, _plan(scope="manager", scope_id=seller.id))
    again = sales.set_plan(session, as_head, _plan(scope="manager", scope_id=seller.id, target=Decimal("1200000")))
    assert again.id == first.id and again.target == Decimal("1200000")
    sales.set_plan(session, as_head, _plan(scope="team", scope_id=team.id, measure="deals", target=Decimal(40)))
    with pytest.raises(Forbidden):
        sales.set_plan(session, as_head, _plan(scope="manager", scope_id=other.id))
    with pytest.raises(Forbidden):
        sales.set_plan(session, auth.actor_for_user(seller), _plan(scope="manager", scope_id=seller.id))
    sales.set_plan(session, SYSTEM, _plan())  # the department's, by an administrator
    seen = sales.list_plans(session, as_head, date_from=date(2026, 1, 1), date_to=date(2026, 12, 1))
    assert {(p.scope, p.measure) for p in seen} == {("manager", "revenue"), ("team", "deals"), ("all", "revenue")}
    with pytest.raises(ValidationFailed) as e:
        sales.set_plan(session, SYSTEM, _plan(period_start=date(2026, 3, 2)))
    assert e.value.code is not None and e.value.code.key == "plan.period"
    with pytest.raises(ValidationFailed) as e:
        sales.set_plan(session, SYSTEM, _plan(period_start=date(2026, 2, 1), months=3))
    assert e.value.code is not None and e.value.code.key == "plan.period"
    with pytest.raises(ValidationFailed) as e:
        sales.set_plan(session, SYSTEM, _plan(scope="team", scope_id=team.id + 100))
    assert e.value.code is not None and e.value.code.key == "plan.scope"


def test_the_api_sets_and_removes_a_plan(api: TestClient) -> None:
    body = {"period_start": "2026-04-01", "months": 3, "scope": "all", "scope_id": 0, "measure": "deals",
            "target": "120"}  # fmt: skip
    made = api.put("/api/v1/sales/plans", json=body)
    assert made.status_code == 200, made.text
    bad = api.put("/api/v1/sales/plans", json={**body, "period_start": "2026-05-01"})
    assert bad.status_code == 422 and bad.json()["code"] == "plan.period"
    assert api.delete(f"/api/v1/sales/plans/{made.json()['id']}").status_code == 204
    assert api.delete(f"/api/v1/sales/plans/{made.json()['id']}").status_code == 404
