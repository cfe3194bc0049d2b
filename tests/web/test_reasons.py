"""Refusals and notices read in the page's language from their codes, values kept as they were."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from klientura.audit import SYSTEM
from klientura.imports import run_import
from klientura.kit.errors import KlienturaError
from klientura.web.i18n import translations
from klientura.web.render import why
from tests.factories import SHOP

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
    report = run_import(session, SYSTEM, path, "customers", shop=SHOP)
    ru = translations("ru").gettext
    shown = {r.row_no: why(r, ru) for r in report.rejections}
    assert shown == {
        2: "телефон: недействительный номер телефона: '12-34'",
        3: "e-mail: недействительный e-mail: 'not-an-email'",
        6: "согласие на SMS: ожидалось да/нет, получено 'может быть'",
        7: "нет ни телефона, ни e-mail, ни карты, ни внешнего кода: строку не с чем сопоставить",
    }
    # an unreadable birth date or gender leaves the person's card without it, and says so
    assert {r.row_no: why(r, ru) for r in report.notes} == {
        4: "дата рождения: не дата: '31.02.1990'",
        5: "пол: непонятный пол: 'X' (м/ж, m/f)",
    }
    en = translations("en").gettext
    found = report.rejections + report.notes
    assert [why(r, en) for r in found] == [r.reason for r in found]
    assert [r.code for r in found] == [
        "phone.invalid",
        "email.invalid",
        "import.row.not_yes_no",
        "import.row.no_identity",
        "date.invalid",
        "customer.gender.unknown",
    ]


def test_notices_read_in_russian_and_old_english_passes_through() -> None:
    """Duplicate reasons, a campaign's skip reasons and a fit's notes, as the pages show them."""
    from klientura.analytics.errors import POORLY_DETERMINED
    from klientura.campaigns.errors import SKIP_REASONS
    from klientura.dedup.scoring import Person, score
    from klientura.kit.errors import notice

    ru = translations("ru").gettext
    spend = {**notice(POORLY_DETERMINED, name="q", se="28.5", value="53.6"), "field": "spend"}
    assert why(spend, ru) == "траты: q определён плохо (стандартная ошибка 28.5 при значении 53.6)"
    assert why("written before notices had codes", ru) == "written before notices had codes"
    assert [r for r in SKIP_REASONS if ru(r) == r] == []
    a = Person(1, last_name="Смирнова", first_name="Анна", gender="f", city="Москва", phones=["+79161112233"])
    b = Person(2, last_name="Smirnova", first_name="Anna", gender="f", city="Казань", phones=["+79161112234"])
    shown = [why(r, ru) for r in score(a, b).reasons]
    assert "телефоны отличаются одной цифрой" in shown and "разные города (Москва, Казань)" in shown


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
    from klientura.analytics.errors import PREDICT_BEFORE_FIT

    assert PREDICT_BEFORE_FIT.render({"day": "2026-05-01"}, ru) == (
        "модель обучена на покупках по 2026-05-01: прогноз — на этот день или позже"
    )


@pytest.mark.parametrize(
    ("variants", "shown"),
    [
        (
            [{"name": "A", "subject": "Привет", "text": "{{ nmae }}"}],
            "вариант A, текст: поля 'nmae' нет; есть поля first_name, last_name, name",
        ),
        ([{"name": "B", "subject": "{% if points %}", "text": "x"}], "вариант B, тема: шаблон обрывается в строке 1 ("),
        (
            [{"name": "A", "subject": "x", "text": "{{ points / 0 }}"}],
            "вариант A, текст: шаблон не выполняется (division",
        ),
        ([{"name": "A", "subject": "", "text": "x"}], "у письма должна быть тема в каждом варианте"),
        (
            [{"name": "A", "subject": "x", "text": "x"}, {"name": "A", "subject": "y", "text": "y"}],
            "у вариантов должны быть разные названия",
        ),
    ],
)
def test_a_campaigns_refusals_read_in_russian(variants: list[dict[str, str]], shown: str) -> None:
    from klientura.campaigns.service import _validated

    with pytest.raises(KlienturaError) as exc:
        _validated({"name": "Осень", "segment_id": 1, "channel": "email", "variants": variants})
    assert exc.value.translated(translations("ru").gettext).startswith(shown)
    from pydantic import ValidationError

    from klientura.campaigns import CampaignIn
    from klientura.kit.errors import invalid

    with pytest.raises(ValidationError) as bad:
        CampaignIn.model_validate(
            {"name": "x", "segment_id": 1, "holdout_share": 0.9, "variants": [{"name": "A", "text": "x"}]}
        )
    assert invalid(bad.value).translated(translations("ru").gettext) == "контрольная группа: должно быть не больше 0.5"
