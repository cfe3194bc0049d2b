"""Companies and deals from CSV or XLSX, the Russian headers of Bitrix24's and amoCRM's exports recognised: a row
report, a dry run, and a re-import that changes nothing (companies are found by INN or their exact name, deals by
the file's ID or, without one, by what the row says). Every rule of the API holds for every row: an INN's check
digits, a lost deal's reason from the list, one card per person. An imported deal's history is one entry stamped
with the server's time that carries the time the source system recorded (``occurred_at``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from klientura import auth, customers, imports
from klientura.audit import Actor
from klientura.auth import require
from klientura.db import Session, utcnow
from klientura.kit.dates import parse_datetime
from klientura.kit.errors import KlienturaError, ValidationFailed, invalid, located
from klientura.kit.money import parse_money
from klientura.kit.shop import Shop
from klientura.sales.companies import create_company, get_company
from klientura.sales.deals import append_history
from klientura.sales.errors import (
    DEAL_NEEDS_PARTY,
    IMPORT_OWNER_UNKNOWN,
    IMPORT_PIPELINE_UNKNOWN,
    IMPORT_STAGE_UNKNOWN,
    LOST_REASON_NEEDED,
    NO_PIPELINE,
)
from klientura.sales.models import Company, Deal, Pipeline, Stage
from klientura.sales.reasons import checked_reason
from klientura.sales.schemas import CompanyIn

COMPANY_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("название компании", "компания", "название", "наименование", "company", "company name", "name"),
    "inn": ("инн", "inn", "tax id"),
    "kpp": ("кпп", "kpp"),
    "ogrn": ("огрн", "огрнип", "ogrn"),
    "industry": ("сфера деятельности", "отрасль", "тип компании", "industry"),
    "size": ("кол во сотрудников", "количество сотрудников", "сотрудников", "employees", "size"),
    "address": ("адрес", "фактический адрес", "юридический адрес", "address"),
    "city": ("город", "city"),
    "phone": ("телефон", "рабочий телефон", "phone"),
    "site": ("сайт", "корпоративный сайт", "web", "website", "site"),
    "owner": ("ответственный", "ответственный пользователь", "owner", "responsible"),
}
DEAL_FIELDS: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "ид", "id сделки", "deal id", "external id"),
    "title": ("название сделки", "сделка", "название", "deal", "deal name", "title"),
    "pipeline": ("воронка", "направление", "pipeline", "funnel"),
    "stage": ("стадия сделки", "этап сделки", "стадия", "этап", "статус", "stage", "status"),
    "amount": ("бюджет", "сумма", "сумма сделки", "amount", "budget"),
    "owner": ("ответственный", "ответственный пользователь", "owner", "responsible"),
    "company": ("компания", "название компании", "company"),
    "inn": ("инн", "inn"),
    "contact": ("контакт", "основной контакт", "контактное лицо", "contact", "contact name"),
    "phone": ("телефон", "рабочий телефон", "мобильный телефон", "телефон контакта", "phone"),
    "email": ("e mail", "email", "рабочий e mail", "почта", "e mail контакта"),
    "lost_reason": ("причина отказа", "причина проигрыша", "причина закрытия", "lost reason"),
    "created_at": ("дата создания", "создана", "created", "created at"),
    "closed_at": ("дата закрытия", "закрыта", "closed", "closed at"),
    "expected_close": ("предполагаемая дата закрытия", "дата завершения", "expected close"),
    "source": ("источник", "source"),
    "utm_source": ("utm source",),
    "utm_medium": ("utm medium",),
    "utm_campaign": ("utm campaign",),
}
# how the exports word a closed deal when its stage is not one of the pipeline's own
WON_WORDS = ("успешн", "выигр", "реализовано", "won", "сделка заключена")
LOST_WORDS = ("провал", "проигр", "не реализовано", "отказ", "lost", "закрыто и не")


def _cells(row: list[Any], mapping: dict[str, int]) -> dict[str, str]:
    out = {}
    for name, idx in mapping.items():
        if (text := imports.text_of(row, idx)) is not None:
            out[name] = text
    return out


class _Owners:
    """The file's "responsible" column read as a user: by e-mail or by name (as Bitrix24 and amoCRM write it)."""

    def __init__(self, session: Session) -> None:
        self.by: dict[str, int] = {}
        for user in auth.list_users(session):
            if user.is_active:
                self.by[user.email.lower()] = user.id
                self.by[" ".join(user.name.lower().split())] = user.id

    def __call__(self, text: str | None) -> int | None:
        if text is None:
            return None
        found = self.by.get(" ".join(text.lower().split()))
        if found is None:
            raise ValidationFailed(IMPORT_OWNER_UNKNOWN, field="owner", value=text)
        return found


def _run(
    session: Session,
    path: Path,
    kind: str,
    fields: dict[str, tuple[str, ...]],
    overrides: dict[str, str] | None,
    dry_run: bool,
    write: Callable[[dict[str, str]], str],
    progress: imports.Progress | None,
) -> imports.Report:
    """Each row in its own savepoint: one refused row is reported and the rest go in."""
    table = imports.open_table(path)
    mapping = imports.apply_overrides(table.headers, imports.detect(table.headers, fields), overrides or {}, fields)
    report = imports.Report(kind=kind, mapping={f: table.headers[i] for f, i in mapping.items()}, dry_run=dry_run)
    for row_no, row in enumerate(table.rows, start=2):
        report.total += 1
        try:
            with session.begin_nested():
                outcome = write(_cells(row, mapping))
            setattr(report, outcome, getattr(report, outcome) + 1)
        except KlienturaError as exc:
            report.reject_because(row_no, exc, imports.raw_of(table.headers, row))
        if progress is not None and report.total % 200 == 0:
            progress(200)
    return report


def import_companies(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    shop: Shop,
    overrides: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: imports.Progress | None = None,
    display_name: str | None = None,
) -> imports.Report:
    """Companies: a new one per INN (or, without an INN, per exact name); one there already keeps what it has and
    gains what it lacked."""
    require(actor, "import:write")
    require(actor, "sales:write")
    owners = _Owners(session)

    def write(cells: dict[str, str]) -> str:
        values: dict[str, Any] = {k: v for k, v in cells.items() if k in CompanyIn.model_fields and k != "owner_id"}
        values["name"] = cells.get("name") or cells.get("inn") or ""
        data = CompanyIn.model_validate({**values, "owner_id": owners(cells.get("owner"))})
        if data.inn is None and (same := _named(session, data.name)) is not None:
            return _fill(same, data)
        company, created = create_company(session, actor, data, shop)
        return "created" if created else _fill(company, data)

    report = _run(session, path, "companies", COMPANY_FIELDS, overrides, dry_run, _validated(write), progress)
    if not dry_run:
        imports.record_run(session, actor, report, path, display_name)
    return report


def _validated(write: Callable[[dict[str, str]], str]) -> Callable[[dict[str, str]], str]:
    """A pydantic refusal as the domain's error naming the field."""

    def run(cells: dict[str, str]) -> str:
        try:
            return write(cells)
        except ValidationError as exc:
            raise invalid(exc) from None

    return run


def _named(session: Session, name: str) -> Company | None:
    wanted = " ".join(name.split()).lower()
    return session.scalars(
        select(Company).where(func.lower(Company.name) == wanted, Company.inn.is_(None), Company.deleted_at.is_(None))
    ).first()


def _fill(company: Company, data: CompanyIn) -> str:
    """Fill what the company lacks from the row; never overwrite."""
    changed = False
    for name in ("kpp", "ogrn", "industry", "size", "address", "city", "site"):
        if getattr(company, name) is None and getattr(data, name):
            setattr(company, name, getattr(data, name))
            changed = True
    return "updated" if changed else "unchanged"


class _Stages:
    def __init__(self, session: Session, default_pipeline: int | None) -> None:
        self.pipelines = {
            " ".join(p.name.lower().split()): p.id
            for p in session.scalars(select(Pipeline).where(Pipeline.archived.is_(False)).order_by(Pipeline.position))
        }
        if default_pipeline is None and self.pipelines:
            default_pipeline = next(iter(self.pipelines.values()))
        self.default = default_pipeline
        self.stages: dict[int, list[Stage]] = {}
        for stage in session.scalars(select(Stage).where(Stage.archived.is_(False)).order_by(Stage.position)):
            self.stages.setdefault(stage.pipeline_id, []).append(stage)

    def pipeline(self, text: str | None) -> int:
        if text is None:
            if self.default is None:
                raise ValidationFailed(NO_PIPELINE)
            return self.default
        found = self.pipelines.get(" ".join(text.lower().split()))
        if found is None:
            raise ValidationFailed(IMPORT_PIPELINE_UNKNOWN, field="pipeline", value=text)
        return found

    def stage(self, pipeline_id: int, text: str | None) -> Stage:
        stages = self.stages.get(pipeline_id, [])
        if text is None:
            return next(s for s in stages if s.kind == "open")
        wanted = " ".join(text.lower().split())
        for s in stages:
            if s.name.lower() == wanted:
                return s
        kind = "lost" if any(w in wanted for w in LOST_WORDS) else "won" if any(w in wanted for w in WON_WORDS) else ""
        for s in stages:
            if s.kind == kind:
                return s
        names = ", ".join(s.name for s in stages)
        raise ValidationFailed(IMPORT_STAGE_UNKNOWN, field="stage", value=text, allowed=names)


def import_deals(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    shop: Shop,
    pipeline_id: int | None = None,
    overrides: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: imports.Progress | None = None,
    display_name: str | None = None,
) -> imports.Report:
    """Deals with their customer (one card per person) and company (one per INN), in the pipeline and stage the row
    names (the pipeline's own stage names, or an export's words for won and lost); a lost one needs its reason."""
    require(actor, "import:write")
    require(actor, "sales:write")
    owners, stages = _Owners(session), _Stages(session, pipeline_id)
    now = utcnow()

    def moment(cells: dict[str, str], name: str) -> datetime | None:
        try:
            return parse_datetime(cells[name], shop.timezone) if name in cells else None
        except ValidationFailed as exc:
            raise located(exc, name) from exc

    def write(cells: dict[str, str]) -> str:
        pipeline = stages.pipeline(cells.get("pipeline"))
        title = " ".join((cells.get("title") or "").split())[:300]
        key = _key(cells, pipeline, title)
        if session.scalar(select(Deal.id).where(Deal.external_id == key)) is not None:
            return "unchanged"
        stage = stages.stage(pipeline, cells.get("stage"))
        reason = cells.get("lost_reason")
        if stage.kind == "lost":
            if not reason:
                raise ValidationFailed(LOST_REASON_NEEDED, field="lost_reason")
            reason = checked_reason(session, reason)
        owner = owners(cells.get("owner"))
        company_id = _company(session, actor, shop, cells, owner)
        customer_id = None
        if cells.get("phone") or cells.get("email"):
            person = customers.CustomerIn(
                full_name=cells.get("contact"), phone=cells.get("phone"), email=cells.get("email"), owner_id=owner
            )
            customer_id = customers.resolve(
                session, actor, customers.prepare(person, shop=shop), source="import"
            ).customer_id
        if customer_id is None and company_id is None:
            raise ValidationFailed(DEAL_NEEDS_PARTY, field="contact")
        created = moment(cells, "created_at") or now
        closed = moment(cells, "closed_at") if stage.kind != "open" else None
        amount = parse_money(cells["amount"]) if cells.get("amount") else parse_money(0)
        deal = Deal(
            pipeline_id=pipeline,
            stage_id=stage.id,
            status=stage.kind,
            title=title or f"#{key[-8:]}",
            customer_id=customer_id,
            company_id=company_id,
            amount=amount,
            owner_id=owner,
            source=(cells.get("source") or "")[:64] or None,
            utm_source=cells.get("utm_source", "")[:100] or None,
            utm_medium=cells.get("utm_medium", "")[:100] or None,
            utm_campaign=cells.get("utm_campaign", "")[:100] or None,
            lost_reason=reason if stage.kind == "lost" else None,
            external_id=key,
            created_at=created,
            closed_at=(closed or now) if stage.kind != "open" else None,
        )
        session.add(deal)
        session.flush()
        append_history(session, actor, deal, None, stage, deal.lost_reason, "import", occurred_at=closed or created)
        return "created"

    report = _run(session, path, "deals", DEAL_FIELDS, overrides, dry_run, _validated(write), progress)
    if not dry_run:
        imports.record_run(session, actor, report, path, display_name)
    return report


def _company(session: Session, actor: Actor, shop: Shop, cells: dict[str, str], owner: int | None) -> int | None:
    """The row's company: by INN (made when new), or by its exact name among those without one."""
    if not (cells.get("inn") or cells.get("company")):
        return None
    data = CompanyIn(name=cells.get("company") or cells.get("inn") or "", inn=cells.get("inn"), owner_id=owner)
    if data.inn is None and (same := _named(session, data.name)) is not None:
        return get_company(session, actor, same.id).id
    return create_company(session, actor, data, shop)[0].id


def _key(cells: dict[str, str], pipeline: int, title: str) -> str:
    """The deal's import key: the file's ID, or a digest of what the row says about it."""
    if cells.get("external_id"):
        return f"import:{cells['external_id'][:140]}"
    said = "|".join([str(pipeline), title, *(cells.get(n, "") for n in ("created_at", "inn", "company", "phone"))])
    return "row:" + hashlib.sha256(said.encode()).hexdigest()[:40]
