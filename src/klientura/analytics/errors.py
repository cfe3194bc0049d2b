"""Analytics: the codes of refused rules, settings, reports and lifetime-value runs, and of the warehouse's state."""

from __future__ import annotations

from klientura.kit.errors import code
from klientura.kit.i18n import N_

NEEDS_RECOMPUTE = code(
    "analytics.scores.missing", N_("conditions on scores need a recompute first: klientura analytics recompute")
)
NEEDS_PREDICTION = code(
    "analytics.clv.missing", N_("conditions on lifetime value need a prediction first: klientura clv predict")
)
DATES_REVERSED = code("analytics.dates.reversed", N_("the second date must come after the first"))
WAREHOUSE_EMPTY = code("warehouse.empty", N_("the warehouse is empty: run `klientura analytics recompute` first"))
UNKNOWN_FAMILY = code("analytics.family.unknown", N_("unknown family '%(value)s'; use one of %(allowed)s"))
NO_SPARK = code("analytics.spark.missing", N_("PySpark is not installed: pip install 'klientura[spark]'"))
NO_EXTENSION = code(
    "warehouse.extension.missing",
    N_("DuckDB's %(name)s extension for duckdb %(version)s is missing: pip install duckdb-ext-%(name)s==%(version)s.*"),
)
WAREHOUSE_UPDATING = code("warehouse.updating", N_("the warehouse is being updated; try again in a minute"))
WAREHOUSE_BUSY = code(
    "warehouse.busy", N_("the warehouse is busy (a sync or a report is reading it); try again in a minute")
)
MEMORY_STORE = code("warehouse.memory_store", N_("an in-memory SQLite store cannot be synced to a warehouse"))
NO_SYNC_FROM = code("warehouse.unsupported_store", N_("no warehouse sync from a %(dialect)s store"))
# segment rules
TAKES_NO_VALUE = code("rule.value.unexpected", N_("'%(op)s' takes no value"))
NEEDS_VALUE = code("rule.value.missing", N_("'%(op)s' needs a value"))
NEEDS_LIST = code("rule.value.not_a_list", N_("'%(op)s' needs a list of values"))
BETWEEN_TWO = code("rule.value.between", N_("'between' needs exactly two values: [from, to]"))
NEEDS_ONE = code("rule.value.empty_list", N_("'%(op)s' needs at least one value"))
NEEDS_NUMBER = code("rule.value.not_a_number", N_("a number is needed, got '%(value)s'"))
NEEDS_DATE = code("rule.value.not_a_date", N_("a date (YYYY-MM-DD) is needed, got '%(value)s'"))
NEEDS_TEXT = code("rule.value.not_text", N_("text is needed, got '%(value)s'"))
NEEDS_BOOL = code("rule.value.not_a_bool", N_("true or false is needed, got '%(value)s'"))
FLAG_EQUALITY = code("rule.op.flag", N_("a yes/no field compares only with = or !="))
TEXT_COMPARE = code("rule.op.text", N_("text does not compare with '%(op)s'"))
UNKNOWN_PROFILE_FIELD = code(
    "rule.field.unknown_profile", N_("unknown profile field '%(value)s'; use one of %(allowed)s")
)
UNKNOWN_SCORE_FIELD = code("rule.field.unknown_score", N_("unknown score field '%(value)s'; use one of %(allowed)s"))
AGGREGATE_COMPARE = code("rule.op.aggregate", N_("an order aggregate does not compare with '%(op)s'"))
TOO_MANY_CONDITIONS = code("rule.too_many", N_("a segment takes at most %(max)s conditions"))
# settings
THRESHOLDS_NOT_INCREASING = code(
    "analytics.settings.thresholds", N_("%(name)s: four strictly increasing thresholds are needed")
)
LOST_NOT_ABOVE_ACTIVE = code("analytics.settings.lost_factor", N_("the lost threshold must be above the active one"))
INTERVALS_REVERSED = code(
    "analytics.settings.intervals", N_("the longest usual interval must not be below the shortest")
)
BAD_PERIOD = code("analytics.settings.period", N_("a period looks like 2026-11-20..2026-11-30, got '%(value)s'"))
PERIOD_REVERSED = code("analytics.settings.period_reversed", N_("a promo period ends before it starts: %(value)s"))
# lifetime value
UNKNOWN_UNIT = code("clv.unit.unknown", N_("unknown time unit '%(value)s'; use one of %(allowed)s"))
HOLDOUT_BEFORE_CALIBRATION = code("clv.holdout.order", N_("the holdout must end after the calibration period"))
BAD_HORIZON = code("clv.horizon", N_("the horizon is 1 to 120 months"))
BAD_DISCOUNT = code("clv.discount", N_("the monthly discount rate is a share from 0 to 1 (0.01 = 1%% a month)"))
UNKNOWN_BASIS = code("clv.basis.unknown", N_("unknown basis '%(value)s'; use revenue or margin"))
NO_FIT = code("clv.fit.not_found", N_("no fit %(id)s"))
NO_FITTED_MODEL = code("clv.fit.none", N_("no fitted model: run `klientura clv fit` first"))
PREDICT_BEFORE_FIT = code(
    "clv.as_of.before_fit", N_("the fit uses purchases up to %(day)s: predict as of that day or later")
)
NO_SALES = code("clv.no_sales", N_("the warehouse has no sales yet: run `klientura sync` first"))
NOBODY_BOUGHT = code("clv.nobody_bought", N_("no customer has bought anything yet: there is nothing to predict"))
NO_COSTS = code("clv.no_costs", N_("no product has a cost: value on revenue, or fill in product costs first"))
BAD_HOLDOUT = code("clv.holdout", N_("the holdout is 0 to 104 weeks"))
BAD_INPUT = code("clv.input", N_("the purchase histories are not usable: %(why)s"))
TOO_LITTLE_DATA = code(
    "clv.too_little_data",
    N_(
        "too little data to fit: %(customers)s customers, %(repeaters)s with a repeat purchase (at least %(need)s and "
        "%(need_repeaters)s are needed)"
    ),
)
RETENTION_AT_TOP = code("clv.retention.at_top", N_("retention is already near 100%%: one more point is not possible"))
RETENTION_FIXED = code("clv.retention.fixed", N_("retention cannot be raised under this model"))
UNKNOWN_MODEL = code("clv.model.unknown", N_("unknown model '%(value)s'; use one of %(allowed)s"))
TOO_LITTLE_SPEND = code(
    "clv.spend.too_little",
    N_("too little data to fit spend: %(customers)s customers with a repeat purchase (10 needed)"),
)
NO_FINITE_MEAN = code(
    "clv.spend.no_mean", N_("the spend model has no finite mean (q = %(q)s <= 1): spends are too dispersed")
)
NOT_VALUED_YET = code(
    "clv.not_valued", N_("the base has not been valued yet: POST /api/v1/clv/fit, then /api/v1/clv/predict")
)

# what a fit or a valuation notes beside its figures (notices, not refusals)
FLAT_LIKELIHOOD = code("clv.note.flat", N_("the likelihood is flat in some direction: standard errors are undefined"))
AT_THE_EDGE = code(
    "clv.note.edge", N_("%(name)s = %(value)s ran to the edge of its range: the data do not determine it")
)
POORLY_DETERMINED = code(
    "clv.note.poorly_determined", N_("%(name)s is poorly determined (standard error %(se)s for %(value)s)")
)
NOT_CONVERGED = code("clv.note.not_converged", N_("the optimiser did not converge: %(why)s"))
CORRELATED = code(
    "clv.note.correlated",
    N_("purchase frequency and spend are correlated (%(value)s): the spend model assumes they are not"),
)
POOR_HOLDOUT = code(
    "clv.note.poor_holdout",
    N_(
        "over the holdout the model predicted %(predicted)s purchases against %(actual)s actual (%(error)s): treat its "
        "figures with care"
    ),
)
NOT_CHECKED = code("clv.note.not_checked", N_("not checked on a holdout of %(weeks)s weeks: too little data before it"))
UNCOSTED_LINES = code("clv.note.uncosted", N_("%(lines)s order lines have no product cost and count at full margin"))
# sales analytics
NO_SALES_YET = code("analytics.sales.missing", N_("the warehouse holds no deals yet: run `klientura sync` first"))
UNKNOWN_PIPELINE = code("analytics.pipeline.unknown", N_("no pipeline %(id)s in the warehouse"))
UNKNOWN_MODE = code("analytics.funnel.mode", N_("unknown funnel view '%(value)s'; use one of %(allowed)s"))
PERIOD_TOO_LONG = code("analytics.period.too_long", N_("a period is at most %(max)s days"))
UNKNOWN_ATTRIBUTION = code("analytics.attribution.model", N_("unknown attribution '%(value)s'; use one of %(allowed)s"))
BAD_WINDOW = code("analytics.attribution.window", N_("the attribution window is 1 to 365 days"))
