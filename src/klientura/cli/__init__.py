"""Command line: klientura init | db upgrade | user | apikey | import | dedup | demo | serve."""

from __future__ import annotations

from klientura.cli.main import app, main

__all__ = ["app", "main"]
