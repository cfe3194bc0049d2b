"""Advertising spend: entered by hand or imported from the ad systems' exports — Yandex Direct's report wizard
("День", "Кампания", "Показы", "Клики", "Расход (руб.)") and VK Ads' statistics ("Дата", "Кампания", "Показы",
"Клики", "Потрачено"), or any file with a date, a source, a campaign and a cost. A title above the header and a
totals row below the data are recognised and left alone.

A file is read whole before anything is written: rows of the same day, source and campaign (a report broken down by
ad group) are summed, then each day's figures replace what was there — importing the same export twice changes
nothing, a corrected one replaces the figures. A refused row is reported with its reason; the rest go in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select

from klientura import imports
from klientura.audit import Actor, record
from klientura.auth import require
from klientura.db import Session
from klientura.kit.dates import parse_date
from klientura.kit.errors import KlienturaError, NotFound, ValidationFailed, invalid
from klientura.kit.money import parse_money
from klientura.sales.errors import AD_COST_COLUMNS, AD_COST_NOT_A_NUMBER, AD_COST_NOT_FOUND, AD_COST_SOURCE_NEEDED
from klientura.sales.spend_models import AdCost
from klientura.sales.spend_schemas import AdCostIn

FIELDS: dict[str, tuple[str, ...]] = {
    "day": ("дата", "день", "date", "day", "период", "дата показа"),
    "source": ("источник", "source", "utm source", "площадка", "рекламная система"),
    "campaign": ("кампания", "название кампании", "campaign", "campaign name", "utm campaign", "рекламная кампания"),
    "campaign_id": ("№ кампании", "id кампании", "номер кампании", "campaign id"),
    "cost": (
        "расход",
        "расход руб",
        "расход ₽",
        "потрачено",
        "потрачено ₽",
        "затраты",
        "стоимость",
        "cost",
        "spend",
        "spent",
        "amount spent",
    ),
    "clicks": ("клики", "переходы", "clicks"),
    "impressions": ("показы", "impressions", "shows"),
}
TOTALS = ("итого", "всего", "total", "totals", "итог")
HEADER_SEARCH = 15  # rows looked through for the header under a report's title


def _cell(row: list[Any], mapping: dict[str, int], name: str) -> str | None:
    return imports.text_of(row, mapping.get(name))


def _whole(text: str | None) -> int | None:
    if text is None or text in ("-", "—"):
        return None
    cleaned = text.replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise ValidationFailed(AD_COST_NOT_A_NUMBER, value=text) from None
    if value != value.to_integral_value() or value < 0:
        raise ValidationFailed(AD_COST_NOT_A_NUMBER, value=text)
    return int(value)


def _zero(text: str | None) -> str:
    """A cost cell: the exports write a day without spend as '-' or leave it empty."""
    return "0" if text is None or text in ("-", "—", "–") else text


def _system(headers: list[str], title: str) -> str | None:
    """The ad system an export comes from, by its words."""
    words = " ".join([title, *headers]).lower()
    if "директ" in words or "direct" in words or "расход (руб.)" in words or "№ кампании" in words:
        return "yandex"
    if "vk" in words or "вконтакте" in words or "потрачено" in words or "myTarget".lower() in words:
        return "vk"
    return None


def _header(path: Path) -> tuple[list[str], Iterator[list[Any]], str, dict[str, int], int]:
    """The header row (the first with a date and a cost column), the rows under it, the text above it, the mapping.
    A report's title lines fool the guess of a CSV's delimiter: the usual ones are tried after it."""
    text = path.suffix.lower() not in (".xlsx", ".xlsm")
    for delimiter in (None, ";", ",", "\t") if text else (None,):
        table = imports.open_table(path, delimiter=delimiter)
        headers, rows = table.headers, table.rows
        above: list[str] = []
        for line in range(1, HEADER_SEARCH + 1):
            mapping = imports.detect(headers, FIELDS)
            if "day" in mapping and "cost" in mapping:
                return headers, rows, " ".join(above), mapping, line
            above.append(" ".join(str(h) for h in headers if h))
            following = next(rows, None)
            if following is None:
                break
            headers = [str(c).strip() if c is not None else "" for c in following]
    raise ValidationFailed(AD_COST_COLUMNS)


def import_costs(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    source: str | None = None,
    dry_run: bool = False,
    display_name: str | None = None,
) -> imports.Report:
    """Read an export and keep its spend (see the module); the row report. ``source`` names the system when the file
    has no source column and is not recognised (and overrides the recognition)."""
    require(actor, "analytics:write")
    headers, rows, title, mapping, line = _header(path)
    given = " ".join((source or "").split()).lower() or None
    system = given or _system(headers, title)
    if system is None and "source" not in mapping:
        raise ValidationFailed(AD_COST_SOURCE_NEEDED, field="source")
    report = imports.Report(kind="ad_costs", mapping={f: headers[i] for f, i in mapping.items()}, dry_run=dry_run)
    sums: dict[tuple[date, str, str], list[Any]] = {}
    for row_no, row in enumerate(rows, start=line + 1):
        day_text = _cell(row, mapping, "day")
        if day_text is None and not any(c not in (None, "") for c in row):
            continue  # an empty line
        if day_text is not None and day_text.strip().lower().startswith(TOTALS):
            continue  # the export's totals
        report.total += 1
        try:
            data = AdCostIn.model_validate(
                {
                    "day": parse_date(day_text or ""),
                    "source": given or _cell(row, mapping, "source") or system or "",
                    "campaign": _cell(row, mapping, "campaign") or _cell(row, mapping, "campaign_id") or "",
                    "cost": parse_money(_zero(_cell(row, mapping, "cost"))),
                    "clicks": _whole(_cell(row, mapping, "clicks")),
                    "impressions": _whole(_cell(row, mapping, "impressions")),
                }
            )
        except ValidationError as exc:
            report.reject_because(row_no, invalid(exc), imports.raw_of(headers, row))
            continue
        except KlienturaError as exc:
            report.reject_because(row_no, exc, imports.raw_of(headers, row))
            continue
        got = sums.setdefault((data.day, data.source, data.campaign), [Decimal(0), None, None])
        got[0] += data.cost
        for i, value in ((1, data.clicks), (2, data.impressions)):
            if value is not None:
                got[i] = (got[i] or 0) + value
    origin = (display_name or path.name)[:200]
    for (day, src, campaign), (cost, clicks, impressions) in sums.items():
        outcome = _put(session, actor, AdCostIn(day=day, source=src, campaign=campaign, cost=cost, clicks=clicks,
                                                impressions=impressions), origin, audit=False)  # fmt: skip
        setattr(report, outcome, getattr(report, outcome) + 1)
    if not dry_run:
        record(session, actor, "ad_costs.import", "ad_costs", origin, None,
               {"rows": report.total, "days": len(sums), "rejected": report.rejected})  # fmt: skip
        imports.record_run(session, actor, report, path, display_name)
    return report


def _put(session: Session, actor: Actor, data: AdCostIn, origin: str, *, audit: bool = True) -> str:
    row = session.scalars(
        select(AdCost).where(AdCost.day == data.day, AdCost.source == data.source, AdCost.campaign == data.campaign)
    ).first()
    values = {"cost": data.cost, "clicks": data.clicks, "impressions": data.impressions}
    if row is None:
        session.add(AdCost(day=data.day, source=data.source, campaign=data.campaign, origin=origin,
                           changed_by=actor.name[:200], **values))  # fmt: skip
        session.flush()
        outcome = "created"
        before = None
    elif all(getattr(row, k) == v for k, v in values.items()):
        return "unchanged"
    else:
        before = {k: getattr(row, k) for k in values}
        for k, v in values.items():
            setattr(row, k, v)
        row.origin, row.changed_by = origin, actor.name[:200]
        session.flush()
        outcome = "updated"
    if audit:
        key = f"{data.day.isoformat()}/{data.source}/{data.campaign}"
        record(session, actor, f"ad_cost.{outcome}", "ad_cost", key, before, values)
    return outcome


def set_cost(session: Session, actor: Actor, data: AdCostIn) -> AdCost:
    """Enter (or correct) a day's spend by hand."""
    require(actor, "analytics:write")
    _put(session, actor, data, "manual")
    return session.scalars(
        select(AdCost).where(AdCost.day == data.day, AdCost.source == data.source, AdCost.campaign == data.campaign)
    ).one()


def delete_cost(session: Session, actor: Actor, cost_id: int) -> None:
    require(actor, "analytics:write")
    row = session.get(AdCost, cost_id)
    if row is None:
        raise NotFound(AD_COST_NOT_FOUND, id=cost_id)
    before = {"day": row.day, "source": row.source, "campaign": row.campaign, "cost": row.cost}
    session.execute(delete(AdCost).where(AdCost.id == cost_id))
    record(session, actor, "ad_cost.delete", "ad_cost", cost_id, before, None)


def list_costs(
    session: Session, actor: Actor, *, date_from: date, date_to: date, source: str | None = None, limit: int = 5000
) -> list[AdCost]:
    """The spend of the days from ``date_from`` to ``date_to``, newest first."""
    require(actor, "analytics:read")
    stmt = select(AdCost).where(AdCost.day >= date_from, AdCost.day <= date_to)
    if source:
        stmt = stmt.where(AdCost.source == " ".join(source.split()).lower())
    return list(session.scalars(stmt.order_by(AdCost.day.desc(), AdCost.source, AdCost.campaign).limit(limit)))
