"""The demo's wholesale department: three pipelines, fifteen managers in three teams under their heads, ~3,000
client companies with valid INNs (check digits computed, as the tax service issues them) and ~6,000 contact people
(customer cards of their own), then the deals of eighteen months (see :mod:`wholesale_deals`). Seeded: the same
seed builds the same department."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, text

from klientura.audit import SYSTEM
from klientura.auth import create_team, create_user, set_team
from klientura.catalog import SalesChannel
from klientura.customers import Customer, Identity
from klientura.db import Session, bulk_insert
from klientura.demo.names import FEMALE, MALE, SURNAMES_M, female_surname, patronymic
from klientura.sales import Company, CompanyContact, PipelineIn, create_pipeline, read_pipeline, set_lost_reasons

SPAN_DAYS = 548  # eighteen months of deals
HEADS = [
    ("head@klientura.local", "Ольга Руководитель", "Опт Москва"),
    ("head.regions@klientura.local", "Игорь Регионов", "Опт Регионы"),
    ("head.service@klientura.local", "Сергей Монтажов", "Монтаж"),
]
TEAM_SIZES = (6, 5, 4)  # the first team's first manager is the demo's manager@klientura.local
PIPELINES = {
    "Опт": [("Новый запрос", 10), ("Квалификация", 20), ("Переговоры", 40), ("КП отправлено", 60), ("Счёт", 80)],
    "Монтаж и сервис": [("Заявка", 10), ("Выезд замерщика", 30), ("Смета", 50), ("Договор", 80)],
    "Тендеры": [("Заявка на участие", 10), ("Подача", 30), ("Рассмотрение", 50)],
}
LOST_REASONS = [
    "Дорого",
    "Выбрали конкурента",
    "Нет бюджета",
    "Не вышли на связь",
    "Сроки не устроили",
    "Нет потребности",
    "Другое",
]
FORMS = (("ООО", 0.72), ("АО", 0.08), ("ИП", 0.2))
WORDS = [
    "Альфа",
    "Вектор",
    "Гранит",
    "Дельта",
    "Зенит",
    "Импульс",
    "Кварц",
    "Лидер",
    "Меридиан",
    "Норд",
    "Омега",
    "Прогресс",
    "Ресурс",
    "Сфера",
    "Техно",
    "Транзит",
    "Урал",
    "Феникс",
    "Эталон",
    "Ярус",
    "Волга",
    "Север",
    "Старт",
    "Союз",
    "Оптима",
    "Профи",
    "Маркет",
    "Строй",
    "Торг",
    "Снаб",
    "Логистик",
    "Инвест",
    "Сервис",
]
INDUSTRIES = ("Розничная торговля", "HoReCa", "Строительство", "Производство", "Логистика", "Госзаказчик", "IT")
CITIES = ("Москва", "Санкт-Петербург", "Казань", "Екатеринбург", "Новосибирск", "Нижний Новгород", "Самара", "Тула")
POSITIONS = (("Закупщик", "buyer"), ("Директор", "decision maker"), ("Бухгалтер", "accountant"), ("Инженер", "user"))


def _check(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def company_inn(rng: random.Random) -> str:
    """A 10-digit INN with its check digit (an organisation's)."""
    head = f"{rng.choice((77, 78, 16, 66, 54, 52, 63, 71)):02d}" + "".join(rng.choices("0123456789", k=7))
    return head + str(_check(head, (2, 4, 10, 3, 5, 9, 4, 6, 8)))


def person_inn(rng: random.Random) -> str:
    """A 12-digit INN with both check digits (an individual entrepreneur's)."""
    head = f"{rng.choice((77, 50, 16, 66)):02d}" + "".join(rng.choices("0123456789", k=8))
    head += str(_check(head, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))
    return head + str(_check(head, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))


def ogrn(rng: random.Random, individual: bool) -> str:
    body = ("3" if individual else "1") + "".join(rng.choices("0123456789", k=13 if individual else 11))
    return body + str(int(body) % (13 if individual else 11) % 10)


@dataclass
class Department:
    teams: dict[str, list[int]]  # pipeline name -> its managers
    heads: list[int]
    pipelines: dict[str, dict[str, int]]  # pipeline -> stage name -> id ("won"/"lost" too) and "id"
    probabilities: dict[int, int]
    companies: list[tuple[int, int, list[int]]]  # company id, owner, its contacts' card ids
    channel_id: int
    suspicious: dict[str, int] = field(default_factory=dict)  # pattern -> manager


def _next_id(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def build_department(
    session: Session,
    rng: random.Random,
    *,
    end: date,
    password: str,
    manager_id: int,
    companies: int = 3000,
    contacts: int = 6000,
) -> Department:
    """Users, teams, pipelines, lost reasons, companies and their contacts."""
    heads = [create_user(session, SYSTEM, email, name, "head", password).id for email, name, _team in HEADS]
    names = iter(rng.sample([(m, s) for m in MALE[:40] for s in SURNAMES_M[:60]], 40))
    members: list[list[int]] = []
    n = 1
    for size in TEAM_SIZES:
        team: list[int] = []
        for _ in range(size):
            if not members and not team:
                team.append(manager_id)
                continue
            first, last = next(names)
            team.append(
                create_user(session, SYSTEM, f"sales{n}@klientura.local", f"{first} {last}", "manager", password).id
            )
            n += 1
        members.append(team)
    for (_email, _name, title), head, team in zip(HEADS, heads, members, strict=True):
        unit = create_team(session, SYSTEM, title, head)
        set_team(session, SYSTEM, unit.id, head_id=head, members=team)
    pipelines: dict[str, dict[str, int]] = {}
    probabilities: dict[int, int] = {}
    for position, (name, stages) in enumerate(PIPELINES.items()):
        steps: list[dict[str, Any]] = [{"name": s, "probability": p} for s, p in stages]
        steps += [{"name": "Выиграна", "kind": "won"}, {"name": "Проиграна", "kind": "lost"}]
        body: dict[str, Any] = {"name": name, "stages": steps}
        if name == "Тендеры":
            body["close_roles"] = ["head"]  # a tender's outcome is the head's to record
        pipeline = create_pipeline(session, SYSTEM, PipelineIn.model_validate(body))
        pipeline.position = position
        read = read_pipeline(session, pipeline)
        pipelines[name] = {"id": pipeline.id} | {s.name: s.id for s in read.stages}
        pipelines[name] |= {"won": pipelines[name]["Выиграна"], "lost": pipelines[name]["Проиграна"]}
        probabilities |= {s.id: s.probability for s in read.stages}
    set_lost_reasons(session, SYSTEM, LOST_REASONS)
    channel = SalesChannel(code="b2b", name="Оптовый отдел")
    session.add(channel)
    session.flush()
    teams = {"Опт": members[0] + members[1], "Монтаж и сервис": members[2], "Тендеры": members[0][:3]}
    made = _companies(session, rng, end, [m for team in members for m in team], companies, contacts)
    suspicious = {"unpaid": members[0][2], "reopens": members[1][1], "optimist": members[1][3], "dumps": members[2][1]}
    return Department(teams, heads, pipelines, probabilities, made, channel.id, suspicious)


def _companies(
    session: Session, rng: random.Random, end: date, managers: list[int], count: int, people: int
) -> list[tuple[int, int, list[int]]]:
    start = end - timedelta(days=SPAN_DAYS + 60)
    company_id, card_id = _next_id(session, Company), _next_id(session, Customer)
    inns: set[str] = set()
    phones: set[str] = set()
    crows: list[dict[str, Any]] = []
    prows: list[dict[str, Any]] = []
    irows: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    out: list[tuple[int, int, list[int]]] = []
    for i in range(count):
        form = rng.choices([f for f, _w in FORMS], [w for _f, w in FORMS])[0]
        inn = ""
        while not inn or inn in inns:
            inn = person_inn(rng) if form == "ИП" else company_inn(rng)
        inns.add(inn)
        owner = rng.choice(managers)
        city = rng.choice(CITIES)
        created = datetime.combine(start + timedelta(days=rng.randrange(SPAN_DAYS)), time(9), tzinfo=UTC)
        if form == "ИП":
            last, first = rng.choice(SURNAMES_M), rng.choice(MALE)
            name = f"ИП {last} {first[0]}. {rng.choice(MALE)[0]}."
        else:
            name = f"{form} «{rng.choice(WORDS)}{rng.choice(WORDS).lower()}»"
        crows.append(
            {
                "id": company_id + i,
                "name": name,
                "inn": inn,
                "kpp": None if form == "ИП" else inn[:4] + "01001",
                "ogrn": ogrn(rng, form == "ИП"),
                "industry": rng.choice(INDUSTRIES),
                "size": rng.choice(("1-10", "11-50", "51-200", "201-1000")),
                "city": city,
                "address": f"{city}, ул. {rng.choice(WORDS)}ская, {rng.randint(1, 120)}",
                "owner_id": owner,
                "created_at": created,
                "updated_at": created,
            }
        )
        cards = []
        for _ in range(2 if i < people - count else 1):  # two people at most companies
            female = rng.random() < 0.55
            first = rng.choice(FEMALE if female else MALE)
            last = rng.choice(SURNAMES_M)
            phone = ""
            while not phone or phone in phones:
                phone = "+7495" + "".join(rng.choices("0123456789", k=7))  # office lines: no clash with the shoppers'
            phones.add(phone)
            cid = card_id + len(prows)
            prows.append(
                {
                    "id": cid,
                    "last_name": female_surname(last) if female else last,
                    "first_name": first,
                    "middle_name": patronymic(rng.choice(MALE), female),
                    "gender": "f" if female else "m",
                    "city": city,
                    "timezone": "Europe/Moscow",
                    "preferred_channel": "email",
                    "acquisition_source": "b2b",
                    "owner_id": owner,
                    "attributes": {},
                    "created_at": created,
                    "updated_at": created,
                }
            )
            irows.append(
                {
                    "customer_id": cid,
                    "kind": "phone",
                    "value": phone,
                    "raw": phone,
                    "source": "demo",
                    "is_primary": True,
                    "created_at": created,
                }
            )
            irows.append(
                {
                    "customer_id": cid,
                    "kind": "email",
                    "value": f"client{cid}@b2b.example.ru",
                    "raw": f"client{cid}@b2b.example.ru",
                    "source": "demo",
                    "is_primary": True,
                    "created_at": created,
                }
            )
            position, role = rng.choice(POSITIONS)
            links.append(
                {
                    "company_id": company_id + i,
                    "customer_id": cid,
                    "position": position,
                    "role": role,
                    "created_at": created,
                }
            )
            cards.append(cid)
        out.append((company_id + i, owner, cards))
    for model, rows in ((Company, crows), (Customer, prows), (Identity, irows), (CompanyContact, links)):
        for lo in range(0, len(rows), 5000):
            bulk_insert(session, model, rows[lo : lo + 5000])
    return out


def fix_sequences(session: Session) -> None:
    """Rows were written with explicit ids; PostgreSQL's sequences must move past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("companies", "customers", "deals", "deal_history", "tasks", "leads", "orders"):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))")
        )
