from __future__ import annotations

import pickle
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.customers import Customer, FieldValue, Identity, find_by_identity
from klientura.imports import get_run, inspect_file, run_import
from klientura.imports.customers import import_customers
from klientura.imports.mapping import CUSTOMER_FIELDS, ORDER_FIELDS, detect
from klientura.imports.orders import import_orders
from klientura.imports.readers import open_table
from klientura.imports.receipt_rows import Receipt
from klientura.imports.report import Report
from klientura.kit.errors import ValidationFailed
from klientura.orders import Order, OrderLine
from tests.factories import SHOP

RU_CSV = """ФИО;Телефон;E-mail;Дата рождения;Пол;Город;Номер карты;Согласие на SMS;Теги
Иванов Иван Иванович;8 (912) 345-67-89;Ivan@Mail.ru;01.02.1985;м;Москва;1000 0001;да;vip, опт
Петрова Анна;+7 916 111 22 33;anna@example.com;1990-05-17;ж;Казань;;нет;
Плохой Телефон;12-34;bad@example.com;;;;;;
Плохая Дата;+7 916 111 22 44;;31.02.1990;;;;;
Без Контактов;;;;;Тула;;;
Иванов Иван;9123456789;;;;;;;новый
"""


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_cp1251_semicolon_russian_headers_with_row_report(session: Session, tmp_path: Path) -> None:
    path = _write(tmp_path, "clients.csv", RU_CSV, "cp1251")
    report = run_import(session, SYSTEM, path, "customers", shop=SHOP)
    assert (report.total, report.created, report.updated, report.rejected, report.noted) == (6, 3, 1, 2, 1)
    reasons = {r.row_no: r.reason for r in report.rejections}
    assert "phone" in reasons[4] and "no phone" in reasons[6]
    # a birth date that cannot be read does not cost the person their card: imported without it, and said so
    (note,) = report.notes
    assert (note.row_no, note.field, note.code) == (5, "birth_date", "date.invalid") and "31.02.1990" in note.reason
    spoilt = find_by_identity(session, SYSTEM, "phone", "+79161112244", "RU")
    assert spoilt is not None and spoilt.last_name == "Плохая" and spoilt.birth_date is None
    ivan = find_by_identity(session, SYSTEM, "phone", "+79123456789", "RU")
    assert ivan is not None and ivan.middle_name == "Иванович" and ivan.birth_date == date(1985, 2, 1)
    assert {i.kind for i in ivan.identities} == {"phone", "email", "card"}
    run, rejections = get_run(session, report.run_id or 0)
    assert run.rows_rejected == 2 and [(r.row_no, r.kept) for r in rejections] == [(4, False), (5, True), (6, False)]
    assert rejections[0].raw["Телефон"] == "12-34" and rejections[1].raw["Дата рождения"] == "31.02.1990"


def test_reimporting_the_same_file_changes_nothing(session: Session, tmp_path: Path) -> None:
    path = _write(tmp_path, "clients.csv", RU_CSV)
    run_import(session, SYSTEM, path, "customers", shop=SHOP)
    counts = [_count(session, m) for m in (Customer, Identity, FieldValue)]
    again = run_import(session, SYSTEM, path, "customers", shop=SHOP)
    assert (again.created, again.updated, again.unchanged, again.rejected, again.noted) == (0, 0, 4, 2, 1)
    assert [_count(session, m) for m in (Customer, Identity, FieldValue)] == counts


def test_english_headers_comma_separator_and_override(session: Session, tmp_path: Path) -> None:
    text = "Surname,Given,Mobile,Email address,Birthday\nSmith,John,+7 912 000 11 22,john@example.com,1980-01-02\n"
    path = _write(tmp_path, "c.csv", text)
    info = inspect_file(path, "customers")
    assert info["delimiter"] == ","
    assert "Given" in info["unmapped"]
    report = run_import(
        session, SYSTEM, path, "customers", overrides={"Given": "first_name", "Email address": "email"}, shop=SHOP
    )
    assert report.created == 1
    c = find_by_identity(session, SYSTEM, "email", "john@example.com", "RU")
    assert c is not None and c.first_name == "John" and c.last_name == "Smith"


def test_xlsx_customers(session: Session, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Фамилия", "Имя", "Телефон", "Дата рождения"])
    ws.append(["Сидоров", "Пётр", 79161234567, date(1970, 3, 4)])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    report = run_import(session, SYSTEM, path, "customers", shop=SHOP)
    assert report.created == 1
    c = find_by_identity(session, SYSTEM, "phone", "89161234567", "RU")
    assert c is not None and c.birth_date == date(1970, 3, 4)


def test_dry_run_writes_nothing(session: Session, tmp_path: Path) -> None:
    path = _write(tmp_path, "clients.csv", RU_CSV)
    with session.begin_nested() as sp:
        report = run_import(session, SYSTEM, path, "customers", dry_run=True, shop=SHOP)
        sp.rollback()
    assert report.created == 3 and report.run_id is None
    assert _count(session, Customer) == 0


def test_orders_by_receipt_and_by_line(session: Session, tmp_path: Path) -> None:
    run_import(session, SYSTEM, _write(tmp_path, "c.csv", RU_CSV), "customers", shop=SHOP)
    receipts = (
        "Номер чека;Дата покупки;Сумма;Скидка;Магазин;Телефон;Номер карты\n"
        "R1;15.01.2026 12:30;1 500,50;100;ТЦ Мега;89123456789;\n"
        "R2;16.01.2026;700;;ТЦ Мега;;1000-0001\n"
        "R3;17.01.2026;-5;;ТЦ Мега;;\n"
        "R4;17.01.2026;300;;ТЦ Мега;+79990001122;\n"
        "R5;18.01.2026;250;;Онлайн;;\n"
        "R6;32.01.2026;250;;Онлайн;;\n"
    )
    report = run_import(session, SYSTEM, _write(tmp_path, "o.csv", receipts), "orders", shop=SHOP)
    assert (report.created, report.rejected) == (3, 3)
    reasons = sorted(r.reason for r in report.rejections)
    assert any("negative" in r for r in reasons) and any("unknown customer" in r for r in reasons)
    assert any("date" in r for r in reasons)
    r1 = session.scalars(select(Order).where(Order.external_id == "R1")).one()
    assert r1.paid == Decimal("1400.50") and r1.customer_id is not None
    r5 = session.scalars(select(Order).where(Order.external_id == "R5")).one()
    assert r5.customer_id is None  # anonymous receipt
    again = run_import(session, SYSTEM, _write(tmp_path, "o.csv", receipts), "orders", shop=SHOP)
    assert again.created == 0 and _count(session, Order) == 3

    lines = (
        "receipt,date,sku,qty,price,email\n"
        "L1,2026-02-01 10:00,SKU-1,2,100.00,anna@example.com\n"
        "L1,2026-02-01 10:00,SKU-2,1,50.00,anna@example.com\n"
        "L2,2026-02-02 11:00,SKU-1,1,100.00,\n"
    )
    rep = run_import(session, SYSTEM, _write(tmp_path, "l.csv", lines), "orders", shop=SHOP)
    assert rep.created == 3 and rep.rejected == 0
    l1 = session.scalars(select(Order).where(Order.external_id == "L1")).one()
    assert l1.total == Decimal("250.00") and len(l1.lines) == 2
    assert _count(session, OrderLine) == 3


def test_unknown_kind_and_missing_file(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed):
        run_import(session, SYSTEM, tmp_path / "nope.csv", "customers", shop=SHOP)
    with pytest.raises(ValidationFailed):
        run_import(session, SYSTEM, _write(tmp_path, "x.csv", "a;b\n1;2\n"), "customers", shop=SHOP)


def _many(n: int) -> str:
    lines = ["Код клиента;Фамилия;Имя;Телефон;E-mail;Дата рождения;Город"]
    for i in range(n):
        phone = f"8 (912) {i // 100:03d}-{i % 100:02d}-00" if i % 7 else "12-34"  # every 7th phone is bad
        city = "Казань" if i % 11 == 0 else "Москва"
        lines.append(f"{i % (n - 50)};Фамилия{i % 97};Имя;{phone};u{i}@example.ru;01.02.19{50 + i % 40};{city}")
    return "\n".join(lines) + "\n"  # the last 50 rows repeat external ids of the first 50: same cards


def _state(session: Session) -> tuple[object, ...]:
    cards = session.execute(select(Customer.last_name, Customer.birth_date, Customer.city).order_by(Customer.id)).all()
    idents = session.execute(select(Identity.kind, Identity.value).order_by(Identity.kind, Identity.value)).all()
    values = session.execute(select(FieldValue.field, FieldValue.value).order_by(FieldValue.id)).all()
    return tuple(cards), tuple(idents), tuple(values)


def test_parsing_in_a_child_process_gives_the_same_result(session: Session, tmp_path: Path) -> None:
    path = _write(tmp_path, "many.csv", _many(1200))
    inline = run_import(session, SYSTEM, path, "customers", workers=0, shop=SHOP)
    state = _state(session)
    session.rollback()
    parallel = run_import(session, SYSTEM, path, "customers", workers=1, shop=SHOP)
    assert inline.as_dict() | {"run_id": 0} == parallel.as_dict() | {"run_id": 0}
    assert _state(session) == state
    assert (parallel.total, parallel.rejected) == (1200, 172)
    assert parallel.created == len({i % 1150 for i in range(1200) if i % 7})  # one card per external id
    assert parallel.created + parallel.updated == 1200 - 172
    ext = find_by_identity(session, SYSTEM, "external", "import:7", "RU")
    assert ext is not None and {i.kind for i in ext.identities} >= {"external", "email"}


def test_rows_sharing_an_identity_across_batches_become_one_card(session: Session, tmp_path: Path) -> None:
    table = open_table(_write(tmp_path, "dups.csv", _many(300)))
    mapping = detect(table.headers, CUSTOMER_FIELDS)
    report = import_customers(
        session, SYSTEM, table, mapping, report=Report("customers", {}), batch_size=64, region="RU", today=SHOP.today()
    )
    assert report.created == _count(session, Customer) == len({i % 250 for i in range(300) if i % 7})
    first = find_by_identity(session, SYSTEM, "external", "import:1", "RU")
    assert first is not None
    assert {i.value for i in first.identities if i.kind == "email"} == {"u1@example.ru", "u251@example.ru"}
    kept = session.scalars(select(FieldValue.value).where(FieldValue.customer_id == first.id)).all()
    assert first.last_name == "Фамилия1" and sorted(kept) == ["1961-02-01", "Фамилия57"]  # differing values kept


def test_a_failing_parser_process_is_a_readable_error(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(
        ("Телефон;Имя\n" + "89123456789;Иван\n" * 15000).encode() + b"\xff\xfe;\xff\n"
    )  # past the sniffed part
    with pytest.raises(ValidationFailed, match="not valid utf-8"):
        run_import(session, SYSTEM, path, "customers", workers=1, shop=SHOP)


def _receipts(n: int) -> str:
    lines = ["Номер чека;Дата покупки;Телефон;Артикул;Количество;Цена"]
    for r in range(n):
        phone = "8 (912) 345-67-89" if r % 3 == 0 else ("8 (999) 000-00-00" if r % 3 == 1 else "")
        for k in range(1 + r % 4):
            price = "-5,00" if (r, k) == (6, 1) else f"{100 + r},50"
            lines.append(f"R{r};0{1 + r % 9}.03.2026 12:{r % 60:02d};{phone};SKU-{k};{1 + k % 2};{price}")
    return "\n".join(lines) + "\n"


def test_receipts_parsed_in_a_child_or_cut_by_batches_give_the_same_orders(session: Session, tmp_path: Path) -> None:
    run_import(session, SYSTEM, _write(tmp_path, "c.csv", RU_CSV), "customers", shop=SHOP)
    path = _write(tmp_path, "receipts.csv", _receipts(200))

    def orders() -> list[tuple[object, ...]]:
        rows = session.execute(
            select(Order.external_id, Order.customer_id.is_not(None), Order.total, func.count(OrderLine.id))
            .join(OrderLine)
            .group_by(Order.id)
            .order_by(Order.external_id)
        ).all()
        return [tuple(r) for r in rows]

    inline = run_import(session, SYSTEM, path, "orders", workers=0, shop=SHOP)
    expected = orders()
    session.rollback()
    run_import(session, SYSTEM, _write(tmp_path, "c.csv", RU_CSV), "customers", shop=SHOP)
    table = open_table(path)
    small = import_orders(
        session,
        SYSTEM,
        table,
        detect(table.headers, ORDER_FIELDS),
        report=Report("orders", {}),
        batch_size=7,
        region="RU",
        tz="Europe/Moscow",
    )
    assert orders() == expected and (small.created, small.rejected) == (inline.created, inline.rejected)
    session.rollback()
    run_import(session, SYSTEM, _write(tmp_path, "c.csv", RU_CSV), "customers", shop=SHOP)
    parallel = run_import(session, SYSTEM, path, "orders", workers=1, shop=SHOP)
    assert orders() == expected and parallel.as_dict() | {"run_id": 0} == inline.as_dict() | {"run_id": 0}
    assert len(expected) == 200 - 67  # receipts of an unknown phone refused
    assert inline.rejected == sum(1 + r % 4 for r in range(200) if r % 3 == 1) + 1  # and the line with a negative price
    assert ("R6", True, Decimal("213.00"), 2) in expected  # 106.50 + 106.50: its two good lines


def test_a_receipt_crosses_from_the_parsing_process_unchanged() -> None:
    when = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for raw in (["R1", "01.03.2026", "x\x1fy"], ["R1", when, 3.5, None], ["R1", "01.03.2026", ""]):
        r = Receipt("R1", 2, when, [("phone", "+79123456789")], "Shop", None, None, "completed", raw=list(raw))
        r.lines += [
            ("SKU-1", Decimal("0.5"), Decimal("99.99"), Decimal(0)),
            ("SKU-2", Decimal(2), Decimal(10), Decimal(1)),
        ]
        back = pickle.loads(pickle.dumps(r))
        assert back == r and back.raw == raw and back.lines[0][2] == Decimal("99.99")


@pytest.mark.parametrize("batch_size", [2, 5000])
def test_a_receipt_split_in_the_file_is_refused_and_a_reimport_changes_nothing(
    session: Session, tmp_path: Path, batch_size: int
) -> None:
    text = "Номер чека;Дата покупки;Артикул;Цена\n" + "".join(
        f"{r};01.03.2026;SKU-{k};100\n" for r, k in [("R1", 1), ("R1", 2), ("R2", 1), ("R3", 1), ("R4", 1), ("R1", 3)]
    )
    path = _write(tmp_path, "split.csv", text)

    def run() -> Report:
        table = open_table(path)
        mapping = detect(table.headers, ORDER_FIELDS)
        return import_orders(
            session,
            SYSTEM,
            table,
            mapping,
            report=Report("orders", {}),
            batch_size=batch_size,
            region="RU",
            tz="Europe/Moscow",
        )

    first = run()
    assert (first.created, first.rejected) == (5, 1)
    assert first.rejections[0].row_no == 7 and "appeared earlier in the file" in first.rejections[0].reason
    again = run()
    assert (again.created, again.unchanged, again.rejected) == (0, 6, 0)  # in the store before: all unchanged
    lines = session.scalars(select(func.count()).select_from(OrderLine).join(Order).where(Order.external_id == "R1"))
    assert lines.one() == 2


def test_a_card_created_concurrently_is_found_when_the_batch_is_redone(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import klientura.imports.customers as bulk
    from klientura.customers import CustomerIn, prepare, resolve

    resolve(session, SYSTEM, prepare(CustomerIn(phone="+79161112233", last_name="Первая"), shop=SHOP))
    calls: list[int] = []
    real = bulk.identity_owners

    def lookup(s: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        calls.append(len(keys))  # the first runs before the other writer's commit: it sees nothing
        return {} if len(calls) == 1 else real(s, keys)

    monkeypatch.setattr(bulk, "identity_owners", lookup)
    path = _write(
        tmp_path,
        "race.csv",
        "Телефон;E-mail;Фамилия\n8 916 111-22-33;race@example.com;Первая\n8 916 111-22-44;other@example.com;Вторая\n",
    )
    report = run_import(session, SYSTEM, path, "customers", workers=0, shop=SHOP)
    assert (report.created, report.updated, report.rejected) == (1, 1, 0)
    card = find_by_identity(session, SYSTEM, "phone", "+79161112233", "RU")
    assert card is not None and {i.value for i in card.identities} == {"+79161112233", "race@example.com"}
    assert _count(session, Customer) == 2 and len(calls) == 1  # redone through the one-card-at-a-time path


def test_the_parsing_child_starts_from_a_threaded_server_too(session: Session, tmp_path: Path) -> None:
    import threading

    path = _write(tmp_path, "many.csv", _many(600))
    results: list[Report] = []
    ticker = threading.Event()
    other = threading.Thread(target=ticker.wait)  # a second thread, as a web server has
    other.start()
    try:
        worker = threading.Thread(
            target=lambda: results.append(run_import(session, SYSTEM, path, "customers", workers=1, shop=SHOP))
        )
        worker.start()
        worker.join(timeout=120)
    finally:
        ticker.set()
        other.join()
    assert len(results) == 1 and results[0].total == 600
    assert results[0].created == _count(session, Customer) == len({i % 550 for i in range(600) if i % 7})


def test_lines_link_to_catalogue_products_and_outlets_across_batches(session: Session, tmp_path: Path) -> None:
    from klientura.catalog import Outlet, ProductIn, upsert_product
    from klientura.orders import OrderLine

    product = upsert_product(session, SYSTEM, ProductIn(sku="A-1", name="Кофе", price=Decimal("300")))
    text = "Номер чека;Дата покупки;Артикул;Цена;Магазин\n" + "".join(
        f"R{r};01.03.2026;{sku};300;Магазин на Ленина\n" for r in range(6) for sku in ("A-1", "Z-9")
    )
    table = open_table(_write(tmp_path, "l.csv", text))
    import_orders(
        session,
        SYSTEM,
        table,
        detect(table.headers, ORDER_FIELDS),
        report=Report("orders", {}),
        batch_size=1,
        region="RU",
        tz="Europe/Moscow",
    )
    linked = session.execute(select(OrderLine.sku, OrderLine.product_id).order_by(OrderLine.id)).all()
    assert linked == [("A-1", product.id), ("Z-9", None)] * 6
    assert (
        session.scalars(select(func.count()).select_from(Outlet).where(Outlet.name == "Магазин на Ленина")).one() == 1
    )


def test_receipts_written_concurrently_stop_the_import_with_a_clear_error(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import klientura.imports.orders as bulk
    from klientura.kit.errors import Conflict

    path = _write(tmp_path, "r.csv", "Номер чека;Дата покупки;Сумма\nR1;01.03.2026;100\nR2;01.03.2026;200\n")
    run_import(session, SYSTEM, path, "orders", shop=SHOP)
    # the check for receipts already in the store runs before the other writer's commit: it sees none
    monkeypatch.setattr(bulk, "receipt_ids", lambda *a, **k: {})
    table = open_table(path)
    with pytest.raises(Conflict, match="run the import again"):
        import_orders(
            session,
            SYSTEM,
            table,
            detect(table.headers, ORDER_FIELDS),
            report=Report("orders", {}),
            region="RU",
            tz="Europe/Moscow",
        )
