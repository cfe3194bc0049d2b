"""Plotly figures on the pages without inline script: a page holds each figure's JSON in a data attribute (escaped
by the template like any other value) and /static/charts.js draws it (the policy runs scripts from files only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Chart:
    id: str
    figure: str  # the figure as Plotly's JSON: data, layout


def chart(fig: Any, div_id: str) -> Chart:
    return Chart(div_id, str(fig.to_json()))
