"""Every string the UI shows has a Russian translation (Russian is the default language)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from klientura.analytics import FAMILY_NAMES, LABELS
from klientura.analytics.labels import UNJUDGED
from klientura.analytics.settings import AnalyticsSettings, BehaviourSettings, LifecycleSettings, RfmSettings
from klientura.web.clv import GROUPS as CLV_GROUPS
from klientura.web.i18n import translations
from klientura.web.scenarios import TITLES as SCENARIO_TITLES

WEB = Path(__file__).resolve().parents[2] / "src" / "klientura" / "web"
SHOWN_THROUGH_VARIABLES = ["phone", "email", "card", "telegram", "vk", "external", "sms", "push", "admin", "marketer",
                           "manager", "analyst", "customers", "orders", "site_visit", "cart_abandoned", "Saved.",
                           "Contact added.", "Contact removed.", "Consent updated.", "Tag added.", "Tag removed.",
                           *SCENARIO_TITLES.values(), "placed_at", "full_name", "draft", "scheduled", "launched", "cancelled", "day", "week", "month", "earning", "spending", "expiry", "reversal", "adjustment", *(title for _k, title in CLV_GROUPS),
                           *FAMILY_NAMES.values(), *(t for groups in LABELS.values() for pair in groups.values() for t in pair),
                           *(t for pair in UNJUDGED.values() for t in pair),
                           *(f.description for m in (RfmSettings, LifecycleSettings, BehaviourSettings, AnalyticsSettings)
                             for f in m.model_fields.values() if f.description)]  # fmt: skip


def test_every_ui_string_is_translated_to_russian() -> None:
    ru = translations("ru")
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    found = {
        m if isinstance(m, str) else m[0] for _f, _l, m, _c, _x in extract_from_dir(str(WEB), method_map=method_map)
    }
    assert len(found) > 100
    missing = sorted(
        m for m in [*found, *SHOWN_THROUGH_VARIABLES] if ru.gettext(m) == m and m not in ("E-mail", "push")
    )
    assert missing == []


def test_no_message_is_translated_twice() -> None:
    """A second entry for the same English text silently replaces the first (it happened with "spend")."""
    import ast

    tree = ast.parse((WEB.parents[2] / "tools" / "ru_messages.py").read_text(encoding="utf-8"))
    keys = [k.value for node in ast.walk(tree) if isinstance(node, ast.Dict) for k in node.keys
            if isinstance(k, ast.Constant)]  # fmt: skip
    assert len(keys) > 300 and sorted({k for k in keys if keys.count(k) > 1}) == []


def test_a_moment_is_dated_on_the_shops_calendar() -> None:
    from datetime import UTC, date, datetime

    from klientura.web.i18n import day

    late = datetime(2026, 11, 28, 22, 30, tzinfo=UTC)  # 01:30 on the 29th in Moscow
    assert day(late, "en", "Europe/Moscow") == day(date(2026, 11, 29), "en")
    assert day(late, "en", "UTC") == day(date(2026, 11, 28), "en")
