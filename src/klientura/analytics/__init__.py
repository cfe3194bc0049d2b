"""The warehouse and what it computes: sync from the store, RFM, lifecycle, temperature, behaviour.

The store-side parts (models, settings, rules, labels, the stored scores) load with the package; the warehouse's —
Ibis, DuckDB, pyarrow, SciPy: ~160 MB and a second or two — on first use of a name that needs them, so a process
that never computes (a CLI command, the duplicate scan) does not carry them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from klientura.analytics.errors import NOT_VALUED_YET, UNKNOWN_FAMILY
from klientura.analytics.labels import FAMILY_NAMES, LABELS, label
from klientura.analytics.models import AnalyticsConfig, ClvFit, ClvRun, CustomerClv, CustomerScore, ScoreSnapshot
from klientura.analytics.rules import PROFILE_FIELDS, SCORE_FIELDS, parse_rule
from klientura.analytics.schemas import ClvRead, GroupRead, ScoreRead
from klientura.analytics.scored import NOT_SCORED, Scored, in_lifecycle, scored
from klientura.analytics.settings import (
    RFM_SEGMENTS,
    AnalyticsSettings,
    BehaviourSettings,
    LifecycleSettings,
    RfmSettings,
)

if TYPE_CHECKING:
    from klientura.analytics import clv
    from klientura.analytics.forecast import Learning as ForecastLearning
    from klientura.analytics.funnel import MODES as FUNNEL_MODES
    from klientura.analytics.kpis import Period
    from klientura.analytics.selling import choices as sales_choices
    from klientura.analytics.selling import pipelines as sales_pipelines
    from klientura.analytics.selling import (
        plan_actuals,
        sales_forecast,
        sales_funnel,
        sales_managers,
        sales_signals,
        sales_sources,
        staff_figures,
    )
    from klientura.analytics.service import (
        FAMILIES,
        RecomputeReport,
        backfill_snapshots,
        compute,
        dashboard,
        groups,
        last_as_of,
        load_settings,
        recompute,
        rfm_grid,
        rfm_migration,
        save_settings,
        score_of,
        segment_members,
        segment_size,
        trend,
    )
    from klientura.analytics.signals import KINDS as SIGNAL_KINDS
    from klientura.analytics.signals import Thresholds as SignalThresholds
    from klientura.analytics.sources import MODELS as ATTRIBUTION_MODELS
    from klientura.analytics.syncing import SyncReport, sync
    from klientura.analytics.targets import quarter_start
    from klientura.analytics.warehouse import Warehouse, default_path, path_of

_LAZY: dict[str, tuple[str, str | None]] = {  # name -> (module, its name there; None: the module itself)
    "ATTRIBUTION_MODELS": ("klientura.analytics.sources", "MODELS"),
    "FAMILIES": ("klientura.analytics.service", "FAMILIES"),
    "FUNNEL_MODES": ("klientura.analytics.funnel", "MODES"),
    "ForecastLearning": ("klientura.analytics.forecast", "Learning"),
    "Period": ("klientura.analytics.kpis", "Period"),
    "RecomputeReport": ("klientura.analytics.service", "RecomputeReport"),
    "SIGNAL_KINDS": ("klientura.analytics.signals", "KINDS"),
    "SignalThresholds": ("klientura.analytics.signals", "Thresholds"),
    "SyncReport": ("klientura.analytics.syncing", "SyncReport"),
    "Warehouse": ("klientura.analytics.warehouse", "Warehouse"),
    "backfill_snapshots": ("klientura.analytics.service", "backfill_snapshots"),
    "clv": ("klientura.analytics.clv", None),
    "compute": ("klientura.analytics.service", "compute"),
    "dashboard": ("klientura.analytics.service", "dashboard"),
    "default_path": ("klientura.analytics.warehouse", "default_path"),
    "groups": ("klientura.analytics.service", "groups"),
    "last_as_of": ("klientura.analytics.service", "last_as_of"),
    "load_settings": ("klientura.analytics.service", "load_settings"),
    "path_of": ("klientura.analytics.warehouse", "path_of"),
    "plan_actuals": ("klientura.analytics.selling", "plan_actuals"),
    "quarter_start": ("klientura.analytics.targets", "quarter_start"),
    "recompute": ("klientura.analytics.service", "recompute"),
    "rfm_grid": ("klientura.analytics.service", "rfm_grid"),
    "rfm_migration": ("klientura.analytics.service", "rfm_migration"),
    "sales_choices": ("klientura.analytics.selling", "choices"),
    "sales_forecast": ("klientura.analytics.selling", "sales_forecast"),
    "sales_funnel": ("klientura.analytics.selling", "sales_funnel"),
    "sales_managers": ("klientura.analytics.selling", "sales_managers"),
    "sales_pipelines": ("klientura.analytics.selling", "pipelines"),
    "sales_signals": ("klientura.analytics.selling", "sales_signals"),
    "sales_sources": ("klientura.analytics.selling", "sales_sources"),
    "save_settings": ("klientura.analytics.service", "save_settings"),
    "score_of": ("klientura.analytics.service", "score_of"),
    "segment_members": ("klientura.analytics.service", "segment_members"),
    "segment_size": ("klientura.analytics.service", "segment_size"),
    "staff_figures": ("klientura.analytics.selling", "staff_figures"),
    "sync": ("klientura.analytics.syncing", "sync"),
    "trend": ("klientura.analytics.service", "trend"),
}


def __getattr__(name: str) -> Any:
    """A warehouse name, imported on first use (PEP 562) and kept."""
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    loaded = importlib.import_module(module)
    value = loaded if attr is None else getattr(loaded, attr)
    globals()[name] = value
    return value


__all__ = [
    "ATTRIBUTION_MODELS",
    "FAMILIES",
    "FAMILY_NAMES",
    "FUNNEL_MODES",
    "LABELS",
    "NOT_SCORED",
    "NOT_VALUED_YET",
    "PROFILE_FIELDS",
    "RFM_SEGMENTS",
    "SCORE_FIELDS",
    "SIGNAL_KINDS",
    "UNKNOWN_FAMILY",
    "AnalyticsConfig",
    "AnalyticsSettings",
    "BehaviourSettings",
    "ClvFit",
    "ClvRead",
    "ClvRun",
    "CustomerClv",
    "CustomerScore",
    "ForecastLearning",
    "GroupRead",
    "LifecycleSettings",
    "Period",
    "RecomputeReport",
    "RfmSettings",
    "ScoreRead",
    "ScoreSnapshot",
    "Scored",
    "SignalThresholds",
    "SyncReport",
    "Warehouse",
    "backfill_snapshots",
    "clv",
    "compute",
    "dashboard",
    "default_path",
    "groups",
    "in_lifecycle",
    "label",
    "last_as_of",
    "load_settings",
    "parse_rule",
    "path_of",
    "plan_actuals",
    "quarter_start",
    "recompute",
    "rfm_grid",
    "rfm_migration",
    "sales_choices",
    "sales_forecast",
    "sales_funnel",
    "sales_managers",
    "sales_pipelines",
    "sales_signals",
    "sales_sources",
    "save_settings",
    "score_of",
    "scored",
    "segment_members",
    "segment_size",
    "staff_figures",
    "sync",
    "trend",
]
