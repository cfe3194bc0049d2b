"""A small sales history written straight into a store, every time chosen, every figure of it counted by hand (the
counts are in tests/analytics/test_sales_reports.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session

from klientura.audit import AuditEntry
from klientura.auth import Team, User
from klientura.conversations import Conversation
from klientura.customers import Customer
from klientura.sales import AdCost, Company, Deal, DealHistory, DealOrder, Lead, Pipeline, Stage, Task
from tests import factories


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Base:
    users: dict[str, int] = field(default_factory=dict)
    teams: dict[str, int] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    deals: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    pipeline: int = 0
    company: int = 0


def build(s: Session) -> Base:
    b = Base()
    for name in ("T1", "T2"):
        team = Team(name=name)
        s.add(team)
        s.flush()
        b.teams[name] = team.id
    for name, team in (("m1", "T1"), ("m2", "T1"), ("m3", "T2")):
        user = User(email=f"{name}@t.example", name=name, role="manager", password_hash="x", team_id=b.teams[team])
        s.add(user)
        s.flush()
        b.users[name] = user.id
    p = Pipeline(name="P")
    s.add(p)
    s.flush()
    b.pipeline = p.id
    for pos, (name, kind) in enumerate((("A", "open"), ("B", "open"), ("C", "open"), ("Won", "won"), ("Lost", "lost"))):
        st = Stage(pipeline_id=p.id, name=name, kind=kind, probability=10 * pos, position=pos)
        s.add(st)
        s.flush()
        b.stages[name] = st.id
    for name in ("c1", "c2", "c3", "c4"):
        b.customers[name] = factories.customer(s)
    firm = Company(name="Фирма", owner_id=b.users["m1"])
    s.add(firm)
    s.flush()
    b.company = firm.id
    u = b.users
    # (deal, customer, company, [(time, from, to, owner, amount, kind, reason)])
    script = {
        "d1": ("c1", True, [(at(3, 2), None, "A", "m1", 1000, "create", None), (at(3, 5), "A", "B", "m1", 1000, "move", None),
                            (at(3, 10), "B", "C", "m1", 1000, "move", None), (at(3, 12), "C", "Won", "m1", 1000, "move", None)]),
        "d2": ("c4", False, [(at(3, 3), None, "A", "m1", 700, "create", None), (at(3, 4), "A", "C", "m1", 700, "move", None),
                             (at(3, 20), "C", "Lost", "m1", 700, "move", "Дорого")]),
        "d3": ("c4", False, [(at(3, 3), None, "A", "m2", 500, "create", None), (at(3, 6), "A", "A", "m1", 500, "reassign", None),
                             (at(3, 8), "A", "Won", "m1", 500, "move", None)]),
        "d4": ("c4", False, [(at(2, 20), None, "A", "m2", 900, "create", None), (at(3, 1), "A", "B", "m2", 900, "move", None),
                             (at(3, 2), "B", "A", "m2", 900, "move", None), (at(3, 25), "A", "Lost", "m2", 900, "move", "Нет бюджета")]),
        "d5": ("c4", False, [(at(3, 10), None, "A", "m3", 100, "create", None)]),
        "d6": ("c2", False, [(at(3, 11), None, "A", "m2", 200, "create", None), (at(3, 12), "A", "Won", "m2", 200, "move", None),
                             (at(3, 14), "Won", "B", "m2", 200, "move", None), (at(3, 18), "B", "Won", "m2", 300, "move", None)]),
    }  # fmt: skip
    for key, (cust, with_firm, moves) in script.items():
        last = moves[-1]
        kind = {"Won": "won", "Lost": "lost"}.get(last[2], "open")
        deal = Deal(pipeline_id=p.id, stage_id=b.stages[last[2]], status=kind, title=key, customer_id=b.customers[cust],
                    company_id=firm.id if with_firm else None, amount=Decimal(last[4]), owner_id=u[last[3]],
                    lost_reason=last[6], created_at=moves[0][0],
                    utm_source="Yandex" if key == "d1" else None, utm_campaign="A" if key == "d1" else None)  # fmt: skip
        s.add(deal)
        s.flush()
        b.deals[key] = deal.id
        for when, src, dst, owner, amount, how, reason in moves:
            s.add(DealHistory(deal_id=deal.id, at=when, actor_id=u[owner], actor_name=owner,
                              from_stage_id=b.stages[src] if src else None, to_stage_id=b.stages[dst],
                              owner_id=u[owner], amount=Decimal(amount), probability=0, reason=reason, kind=how))  # fmt: skip
        s.flush()
    # another pipeline: d7, m3's, lost five minutes after it was made, for "other" reasons
    q = Pipeline(name="Q")
    s.add(q)
    s.flush()
    q_new = Stage(pipeline_id=q.id, name="Q new", kind="open", probability=10, position=0)
    q_lost = Stage(pipeline_id=q.id, name="Q lost", kind="lost", probability=0, position=1)
    s.add_all([q_new, q_lost])
    s.flush()
    d7 = Deal(pipeline_id=q.id, stage_id=q_lost.id, status="lost", title="d7", customer_id=b.customers["c3"],
              amount=Decimal(50), owner_id=u["m3"], lost_reason="Другое", created_at=at(3, 15, 10))  # fmt: skip
    s.add(d7)
    s.flush()
    b.deals["d7"] = d7.id
    for when, src, dst, how, reason in ((at(3, 15, 10), None, q_new, "create", None),
                                        (at(3, 15, 10, 5), q_new, q_lost, "move", "Другое")):  # fmt: skip
        s.add(DealHistory(deal_id=d7.id, at=when, actor_id=u["m3"], actor_name="m3", from_stage_id=src.id if src else None,
                          to_stage_id=dst.id, owner_id=u["m3"], amount=Decimal(50), probability=0, reason=reason,
                          kind=how))  # fmt: skip
    s.flush()
    orders = {
        "o1": ("c1", "1000.00", at(3, 15), "d1"),
        "o2": ("c2", "300.00", at(3, 20), "d6"),
        "o3": ("c2", "100.00", at(4, 2), "d6"),
        "o4": ("c3", "50.00", at(3, 10), None),
        "o5": ("c3", "60.00", at(3, 12), None),
    }
    for cust, amount, when, deal_key in orders.values():
        oid = factories.order(s, b.customers[cust], amount=amount, at=when)
        if deal_key:
            s.add(DealOrder(order_id=oid, deal_id=b.deals[deal_key], linked_by="test"))
    # owners: c3 always m1's; c2 m3's until 25 March, then m2's (audited)
    s.execute(update(Customer).where(Customer.id == b.customers["c3"]).values(owner_id=u["m1"]))
    s.execute(update(Customer).where(Customer.id == b.customers["c2"]).values(owner_id=u["m2"]))
    s.add(AuditEntry(at=at(3, 25), actor_type="user", actor_id=u["m3"], actor_name="m3", action="customer.update",
                     entity="customer", entity_id=str(b.customers["c2"]), before={"owner_id": u["m3"], "city": None},
                     after={"owner_id": u["m2"], "city": None}))  # fmt: skip
    # requests: L1 came to m2 and went to m1 the next day; L2 m1's, answered in 30 minutes; L3 joined L2
    l1 = Lead(customer_id=b.customers["c4"], channel="form", owner_id=u["m1"], created_at=at(3, 5),
              utm_source="yandex", utm_campaign="a")  # fmt: skip
    l2 = Lead(customer_id=b.customers["c3"], channel="message", owner_id=u["m1"], created_at=at(3, 7))
    l4 = Lead(customer_id=b.customers["c2"], channel="message", owner_id=u["m2"], created_at=at(3, 10), utm_source="vk")
    s.add_all([l1, l2, l4])
    s.flush()
    s.add(Lead(customer_id=b.customers["c3"], channel="message", owner_id=u["m1"], created_at=at(3, 7, 10),
               outcome="joined", status="attached", parent_id=l2.id))  # fmt: skip
    s.add(AuditEntry(at=at(3, 6), actor_type="user", actor_id=u["m2"], actor_name="m2", action="lead.assign",
                     entity="lead", entity_id=str(l1.id), before={"owner_id": u["m2"]}, after={"owner_id": u["m1"]}))  # fmt: skip
    s.add(Conversation(channel="telegram", peer="42", customer_id=b.customers["c3"], lead_id=l2.id, assignee_id=u["m1"],
                       last_at=at(3, 7, 9, 30), created_at=at(3, 7), first_reply_at=at(3, 7, 9, 30)))  # fmt: skip
    # advertising spend: Yandex's campaign "a" in March, VK's in March, Google's in February only
    for day, source, campaign, cost in ((at(3, 1), "yandex", "a", "300"), (at(3, 2), "yandex", "a", "200"),
                                        (at(3, 3), "vk", "", "100"), (at(2, 1), "google", "", "50")):  # fmt: skip
        s.add(AdCost(day=day.date(), source=source, campaign=campaign, cost=Decimal(cost), clicks=10, origin="test",
                     changed_by="test"))  # fmt: skip
    # tasks: m1's first done a day late, the second on time; m3's not done by now (5 April)
    s.add_all(
        [
            Task(
                kind="call", title="t1", assignee_id=u["m1"], due_at=at(3, 10), done_at=at(3, 11), created_at=at(3, 1)
            ),
            Task(
                kind="call", title="t2", assignee_id=u["m1"], due_at=at(3, 12), done_at=at(3, 11), created_at=at(3, 1)
            ),
            Task(kind="call", title="t3", assignee_id=u["m3"], due_at=at(3, 20), created_at=at(3, 1)),
        ]
    )
    s.flush()
    return b
