"""Customer lifetime value: BG/NBD, MBG/NBD and Pareto/NBD purchase counts, Gamma-Gamma spend, the value of
the base. Implemented from the published likelihoods with numpy/scipy (no lifetimes, no pymc)."""

from klientura.analytics.clv.data import UNITS
from klientura.analytics.clv.fitting import Counts, Estimate
from klientura.analytics.clv.registry import MODELS, fit_spend, model
from klientura.analytics.clv.runs import refresh, run_predictions, value_the_base
from klientura.analytics.clv.service import (
    BASES,
    clv_of,
    data_end,
    fit,
    fit_of,
    fit_summary,
    latest_checked_fit,
    latest_fit,
    latest_run,
    prepare,
)
from klientura.analytics.clv.spend import Spends

__all__ = [
    "BASES",
    "MODELS",
    "UNITS",
    "Counts",
    "Estimate",
    "Spends",
    "clv_of",
    "data_end",
    "fit",
    "fit_of",
    "fit_spend",
    "fit_summary",
    "latest_checked_fit",
    "latest_fit",
    "latest_run",
    "model",
    "prepare",
    "refresh",
    "run_predictions",
    "value_the_base",
]
