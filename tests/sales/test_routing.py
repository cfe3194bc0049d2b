"""Routing (issue 19): a new person's request goes to a manager on duty — in turn or to the least loaded — among
the rule's team; on duty means active, taking requests, within their own hours (else the shop's), not on a day off
or the shop's holiday; nobody on duty leaves it unassigned; a source's own rule wins over the one for all; the card
becomes the routed manager's; an owner of the card or of an open deal keeps their person. Hand-counted turns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from klientura import sales
from klientura.audit import SYSTEM, Actor
from klientura.auth import SCOPES, create_team, create_user, set_team
from klientura.customers import owner_of
from klientura.kit.clock import fixed_clock
from klientura.kit.errors import KlienturaError
from klientura.kit.shop import Shop
from klientura.kit.worktime import WorkCalendar
from klientura.sales import LeadIn, Roster, submit_request

KEY = Actor(type="api_key", id=7, name="api-key:site", role="integration", scopes=frozenset(SCOPES))
ROSTER = Roster(WorkCalendar.parse("mon-fri 09:00-18:00", "Europe/Moscow", [date(2026, 12, 31)]))
TUESDAY_10 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
TUESDAY_13 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
HOLIDAY = datetime(2026, 12, 31, 10, 0, tzinfo=UTC)


@pytest.fixture
def staff(session: Session) -> dict[str, int]:
    ids = {n: create_user(session, SYSTEM, f"{n}@t.local", n, role, "password123").id
           for n, role in (("m1", "manager"), ("m2", "manager"), ("m3", "manager"), ("other", "manager"),
                           ("head", "head"))}  # fmt: skip
    team = create_team(session, SYSTEM, "Розница", ids["head"])
    set_team(session, SYSTEM, team.id, head_id=ids["head"], members=[ids["m1"], ids["m2"], ids["m3"], ids["head"]])
    ids["team"] = team.id
    sales.set_duty(session, SYSTEM, ROSTER, ids["m2"], hours="mon-fri 12:00-20:00", takes_requests=True)
    sales.set_days_off(session, SYSTEM, ids["m3"], [date(2026, 12, 1)], off=True)
    session.flush()
    return ids


n = iter(range(10_000))


def _owner(session: Session, at: datetime, source: str = "form", **customer: Any) -> int | None:
    shop = Shop("RU", "Europe/Moscow", "RUB", fixed_clock(at))
    channel = "form" if source == "form" else "message"
    data = LeadIn.model_validate({"customer": customer or {"phone": f"+7916555{next(n):04d}"}, "channel": channel,
                                  "source": source})  # fmt: skip
    return submit_request(session, KEY, data, shop, repeat_days=180, roster=ROSTER).owner_id


def test_round_robin_among_those_on_duty(session: Session, staff: dict[str, int]) -> None:
    sales.set_rule(session, SYSTEM, "*", "round_robin", staff["team"])
    m1, m2 = staff["m1"], staff["m2"]
    # 10:00: m2 starts at 12, m3 is off today, the head does not take requests, "other" is not in the team
    assert [_owner(session, TUESDAY_10) for _ in range(3)] == [m1, m1, m1]
    assert [_owner(session, TUESDAY_13) for _ in range(4)] == [m2, m1, m2, m1]
    assert _owner(session, SATURDAY) is None and _owner(session, HOLIDAY) is None  # nobody on duty: unassigned
    duty = {p.name: (p.on_duty, p.days_off) for p in sales.roster(session, ROSTER, TUESDAY_13, staff["team"])}
    assert duty == {"m1": (True, ()), "m2": (True, ()), "m3": (False, (date(2026, 12, 1),)), "head": (False, ())}


def test_the_card_becomes_the_routed_managers_and_owners_keep_their_people(
    session: Session, staff: dict[str, int]
) -> None:
    sales.set_rule(session, SYSTEM, "*", "round_robin", staff["team"])
    first = _owner(session, TUESDAY_10, phone="+79160000001")
    assert first == staff["m1"]
    shop = Shop("RU", "Europe/Moscow", "RUB", fixed_clock(TUESDAY_13))
    again = submit_request(session, KEY, LeadIn.model_validate({"customer": {"phone": "+79160000001"},
                           "channel": "form"}), shop, repeat_days=180, roster=ROSTER)  # fmt: skip
    assert again.outcome == "joined" and again.owner_id == staff["m1"]  # their open request's manager, not a turn
    assert owner_of(session, again.customer_id) == staff["m1"]


def test_least_loaded_and_a_sources_own_rule(session: Session, staff: dict[str, int]) -> None:
    m1, m2 = staff["m1"], staff["m2"]
    sales.set_rule(session, SYSTEM, "*", "round_robin", staff["team"])
    assert [_owner(session, TUESDAY_10) for _ in range(2)] == [m1, m1]  # m1 has two open requests
    sales.set_rule(session, SYSTEM, "*", "least_loaded", staff["team"])
    assert [_owner(session, TUESDAY_13) for _ in range(4)] == [m2, m2, m1, m2]  # 0-2, 1-2, 2-2 then m1 (turn), m2
    sales.set_rule(session, SYSTEM, "telegram", "off", None)
    assert _owner(session, TUESDAY_13, source="telegram") is None
    sales.set_rule(session, SYSTEM, "telegram", "round_robin", None)  # every team's sellers: "other" too
    owners = {_owner(session, TUESDAY_13, source="telegram") for _ in range(3)}
    assert owners == {m1, m2, staff["other"]}
    sales.remove_rule(session, SYSTEM, "*")
    assert _owner(session, TUESDAY_13) is None  # no rule: the heads hand it out


def test_who_may_set_duty_and_days_off(session: Session, staff: dict[str, int]) -> None:
    manager = Actor(type="user", id=staff["m1"], name="m1", role="manager", scopes=frozenset(SCOPES))
    sales.set_days_off(session, manager, staff["m1"], [date(2026, 12, 28), date(2026, 12, 29)], off=True)
    with pytest.raises(KlienturaError) as refused:
        sales.set_days_off(session, manager, staff["m2"], [date(2026, 12, 28)], off=True)
    assert refused.value.code.key == "duty.forbidden"
    with pytest.raises(KlienturaError) as bad:
        sales.set_duty(session, SYSTEM, ROSTER, staff["m1"], hours="пн-пт 9-18", takes_requests=True)
    assert bad.value.code.key == "duty.hours"
    with pytest.raises(KlienturaError):
        sales.set_rule(session, manager, "*", "round_robin", None)  # rules are an admin's
    assert sales.set_days_off(session, manager, staff["m1"], [date(2026, 12, 28)], off=False) == 1


def test_a_conversation_is_assigned_to_the_routed_manager(session: Session, staff: dict[str, int]) -> None:
    from klientura.conversations import Inbound, Sla, receive

    sales.set_rule(session, SYSTEM, "*", "round_robin", staff["team"])
    shop = Shop("RU", "Europe/Moscow", "RUB", fixed_clock(TUESDAY_13))
    sla = Sla(ROSTER.calendar, {"telegram": 15}, locale="ru", away=False)
    got = [
        receive(
            session,
            shop,
            Inbound(
                channel="telegram",
                peer=str(chat),
                provider_id=str(chat),
                text="Здравствуйте",
                identities={"telegram": str(chat)},
                lead_channel="message",
            ),
            repeat_days=180,
            sla=sla,
        )[0].assignee_id
        for chat in (501, 502, 501)
    ]
    assert got == [staff["m1"], staff["m2"], staff["m1"]]  # the third message joins the first's conversation


def test_the_fast_request_leaves_a_new_person_to_routing(request: pytest.FixtureRequest, tmp_path: Any) -> None:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("the fast request is PostgreSQL's")
    from klientura.db import make_session_factory
    from klientura.sales import Fallback
    from tests.conftest import fresh_store
    from tests.sales.test_fast_lead import _fast, _request

    with fresh_store("postgresql", tmp_path) as url:
        factory = make_session_factory(url)
        assert _fast(url, _request("+79161230001")).owner_id is None  # no rule: the fast path takes it
        with factory() as s:
            sales.set_rule(s, SYSTEM, "*", "off", None)
            s.commit()
        assert _fast(url, _request("+79161230002")).owner_id is None  # a rule that is off routes nothing
        with factory() as s:
            sales.set_rule(s, SYSTEM, "*", "round_robin", None)
            s.commit()
        with pytest.raises(Fallback):
            _fast(url, _request("+79161230003"))
        factory.kw["bind"].dispose()
