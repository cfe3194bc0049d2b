"""The warehouse and what it computes: sync from the store, RFM, lifecycle, temperature, behaviour."""

from klientura.analytics import clv
from klientura.analytics.errors import NOT_VALUED_YET, UNKNOWN_FAMILY
from klientura.analytics.forecast import Learning as ForecastLearning
from klientura.analytics.funnel import MODES as FUNNEL_MODES
from klientura.analytics.kpis import Period
from klientura.analytics.labels import FAMILY_NAMES, LABELS, label
from klientura.analytics.models import AnalyticsConfig, ClvFit, ClvRun, CustomerClv, CustomerScore, ScoreSnapshot
from klientura.analytics.rules import PROFILE_FIELDS, SCORE_FIELDS, parse_rule
from klientura.analytics.schemas import ClvRead, GroupRead, ScoreRead
from klientura.analytics.scored import NOT_SCORED, Scored, in_lifecycle, scored
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
from klientura.analytics.settings import (
    RFM_SEGMENTS,
    AnalyticsSettings,
    BehaviourSettings,
    LifecycleSettings,
    RfmSettings,
)
from klientura.analytics.signals import KINDS as SIGNAL_KINDS
from klientura.analytics.signals import Thresholds as SignalThresholds
from klientura.analytics.sources import MODELS as ATTRIBUTION_MODELS
from klientura.analytics.sync import SyncReport, sync
from klientura.analytics.targets import quarter_start
from klientura.analytics.warehouse import Warehouse, default_path, path_of

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
