"""Every string the UI shows has a Russian translation (Russian is the default language)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from klientura.analytics import FAMILY_NAMES, LABELS
from klientura.analytics.labels import UNJUDGED
from klientura.analytics.settings import AnalyticsSettings, BehaviourSettings, LifecycleSettings, RfmSettings
from klientura.web.clv import GROUPS as CLV_GROUPS
from klientura.web.i18n import translations
from klientura.web.scenarios import TITLES as SCENARIO_TITLES

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "klientura" / "locale"


def _catalogue(path: Path, locale: str | None = None) -> dict[str, Any]:
    with path.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(fh, locale=locale) if m.id}


def test_every_message_of_the_template_has_a_russian_translation() -> None:
    """Every message in messages.pot has a non-empty, non-fuzzy Russian translation (make messages-update, then
    translate what it added)."""
    template = _catalogue(LOCALE / "messages.pot")
    ru = _catalogue(LOCALE / "ru" / "LC_MESSAGES" / "messages.po", "ru")
    assert len(template) > 800
    untranslated = sorted(i for i in template if i not in ru or not ru[i].string or ru[i].fuzzy)
    assert untranslated == []
    assert sorted(set(ru) - set(template)) == []  # nothing obsolete left behind


def test_the_template_holds_every_message_of_the_sources() -> None:
    """A message added to the code or a template without `make messages-update` fails here, not on a page."""
    method_map = [
        ("src/klientura/analytics/segment.py", "ignore"),
        ("src/klientura/**.py", "python"),
        ("src/klientura/web/templates/**.html", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = {
        m if isinstance(m, str) else m[0]
        for _f, _l, m, _c, _x in extract_from_dir(str(ROOT), method_map=method_map, keywords=keywords)
    }
    assert sorted(found - set(_catalogue(LOCALE / "messages.pot"))) == []


def test_words_shown_through_variables_are_translated() -> None:
    """Labels, family names and settings' descriptions are shown through variables: each is in the catalogue."""
    ru = translations("ru")
    shown = [
        *FAMILY_NAMES.values(),
        *(t for groups in LABELS.values() for pair in groups.values() for t in pair),
        *(t for pair in UNJUDGED.values() for t in pair),
        *SCENARIO_TITLES.values(),
        *(title for _k, title in CLV_GROUPS),
        *(
            f.description
            for m in (RfmSettings, LifecycleSettings, BehaviourSettings, AnalyticsSettings)
            for f in m.model_fields.values()
            if f.description
        ),
    ]
    assert [m for m in shown if ru.gettext(m) == m] == []


def test_a_moment_is_dated_on_the_shops_calendar() -> None:
    from datetime import UTC, date, datetime

    from klientura.web.i18n import day

    late = datetime(2026, 11, 28, 22, 30, tzinfo=UTC)  # 01:30 on the 29th in Moscow
    assert day(late, "en", "Europe/Moscow") == day(date(2026, 11, 29), "en", "Europe/Moscow")
    assert day(late, "en", "UTC") == day(date(2026, 11, 28), "en", "UTC")


def test_a_cards_raw_values_read_in_russian(app_factory: Any, app_session: Any) -> None:
    """The preferred channel and the acquisition source are shown as words of the page's language, not as `sms`
    and `referral`; a value of the shop's own (an import's free text) stays as written."""
    from fastapi.testclient import TestClient

    from klientura.audit import SYSTEM
    from klientura.auth import create_user
    from tests import factories

    create_user(app_session, SYSTEM, "admin@test.local", "Admin", "admin", "password123")
    ours = factories.customer(app_session, preferred_channel="sms", acquisition_source="referral")
    theirs = factories.customer(app_session, acquisition_source="выставка 2026")
    app_session.commit()
    with TestClient(app_factory()) as client:
        client.post("/api/v1/auth/login", json={"email": "admin@test.local", "password": "password123"})
        page = client.get(f"/customers/{ours}").text
        assert "<dd>SMS</dd>" in page and "<dd>по приглашению</dd>" in page
        assert "<dd>выставка 2026</dd>" in client.get(f"/customers/{theirs}").text
