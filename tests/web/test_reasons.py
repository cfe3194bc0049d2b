"""Refused rows are explained in the page's language, values kept as they were."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.imports import run_import
from klientura.web.i18n import translations
from klientura.web.reasons import SHAPES, translate

FILE = """Фамилия;Телефон;E-mail;Дата рождения;Пол;Согласие на SMS
Иванов;12-34;;;;
Петров;89123456789;not-an-email;;;
Сидоров;89123456780;;31.02.1990;;
Козлов;89123456781;;01.01.1990;X;
Лебедев;89123456782;;;;может быть
Без контактов;;;;;
"""


def test_every_reason_the_import_gives_reads_in_russian(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(FILE, encoding="utf-8")
    report = run_import(session, SYSTEM, path, "customers")
    ru = translations("ru").gettext
    shown = {r.row_no: translate(r.reason, ru) for r in report.rejections}
    assert shown == {
        2: "телефон: недействительный номер телефона: '12-34'",
        3: "e-mail: недействительный e-mail: 'not-an-email'",
        4: "не дата: '31.02.1990'",
        5: "непонятный пол: 'X' (м/ж, m/f)",
        6: "согласие на SMS: ожидалось да/нет, получено 'может быть'",
        7: "нет ни телефона, ни e-mail, ни карты, ни внешнего кода: строку не с чем сопоставить",
    }
    en = translations("en").gettext
    assert [translate(r.reason, en) for r in report.rejections] == [r.reason for r in report.rejections]


def test_every_shape_has_a_russian_message_and_unknown_reasons_pass_through() -> None:
    ru = translations("ru").gettext
    assert [msgid for _shape, msgid in SHAPES if ru(msgid) == msgid] == []
    assert translate("something new went wrong", ru) == "something new went wrong"
