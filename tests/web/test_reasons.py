"""Refused rows are explained in the page's language, values kept as they were."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.imports import run_import
from klientura.kit.errors import KlienturaError
from klientura.web.i18n import translations
from klientura.web.reasons import SHAPES, translate
from klientura.web.render import why

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
    shown = {r.row_no: why(r, ru) for r in report.rejections}
    assert shown == {
        2: "телефон: недействительный номер телефона: '12-34'",
        3: "e-mail: недействительный e-mail: 'not-an-email'",
        4: "не дата: '31.02.1990'",
        5: "непонятный пол: 'X' (м/ж, m/f)",
        6: "согласие на SMS: ожидалось да/нет, получено 'может быть'",
        7: "нет ни телефона, ни e-mail, ни карты, ни внешнего кода: строку не с чем сопоставить",
    }
    en = translations("en").gettext
    assert [why(r, en) for r in report.rejections] == [r.reason for r in report.rejections]
    assert [r.code for r in report.rejections] == [
        "phone.invalid",
        "email.invalid",
        "date.invalid",
        "customer.gender.unknown",
        "import.row.not_yes_no",
        "import.row.no_identity",
    ]


def test_every_shape_has_a_russian_message_and_unknown_reasons_pass_through() -> None:
    ru = translations("ru").gettext
    assert [msgid for _shape, msgid in SHAPES if ru(msgid) == msgid] == []
    assert translate("something new went wrong", ru) == "something new went wrong"


def test_lifetime_value_messages_keep_their_numbers() -> None:
    """The fit's refusals and warnings, raised by the service in English, read in Russian with every figure."""
    from klientura.analytics import clv

    ru = translations("ru").gettext
    with pytest.raises(KlienturaError) as exc:
        clv.model("bgnbd").fit(clv.Counts.of([0, 0, 2], [0, 0, 3], [5, 6, 7]))
    assert (
        exc.value.translated(ru)
        == "мало данных для модели: клиентов 3, с повторной покупкой 1 (нужно не меньше 30 и 10)"
    )
    assert translate("spend: q is poorly determined (standard error 28.5 for 53.6)", ru) == (
        "траты: q определён плохо (стандартная ошибка 28.5 при значении 53.6)"
    )
    from klientura.analytics.errors import PREDICT_BEFORE_FIT

    assert PREDICT_BEFORE_FIT.render({"day": "2026-05-01"}, ru) == (
        "модель обучена на покупках по 2026-05-01: прогноз — на этот день или позже"
    )


@pytest.mark.parametrize(("variants", "shown"), [
    ([{"name": "A", "subject": "Привет", "text": "{{ nmae }}"}],
     "вариант A, текст: поля 'nmae' нет; есть поля first_name, last_name, name"),
    ([{"name": "B", "subject": "{% if points %}", "text": "x"}],
     "вариант B, тема: шаблон обрывается в строке 1 ("),
    ([{"name": "A", "subject": "x", "text": "{{ points / 0 }}"}], "вариант A, текст: шаблон не выполняется (division"),
    ([{"name": "A", "subject": "", "text": "x"}], "у письма должна быть тема в каждом варианте"),
    ([{"name": "A", "subject": "x", "text": "x"}, {"name": "A", "subject": "y", "text": "y"}],
     "у вариантов должны быть разные названия"),
])  # fmt: skip
def test_a_campaigns_refusals_read_in_russian(variants: list[dict[str, str]], shown: str) -> None:
    from klientura.campaigns.service import _validated

    with pytest.raises(KlienturaError) as exc:
        _validated({"name": "Осень", "segment_id": 1, "channel": "email", "variants": variants})
    assert exc.value.translated(translations("ru").gettext).startswith(shown)
    assert translate("holdout_share: Input should be less than or equal to 0.5", translations("ru").gettext) == (
        "контрольная группа: должно быть не больше 0.5"
    )
