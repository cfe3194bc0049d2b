"""The demo retail chain: a reproducible base for trying Klientura and for benchmarks."""

from klientura.demo.build import DEMO_PASSWORD, USERS, DemoSummary, build
from klientura.demo.marketing import history as marketing_history

__all__ = ["DEMO_PASSWORD", "USERS", "DemoSummary", "build", "marketing_history"]
