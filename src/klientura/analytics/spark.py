"""The same analytics on Apache Spark, through Ibis's PySpark backend: the scale-out engine.

The warehouse's tables travel as Parquet (:func:`export`): to a local folder for Spark's local mode, or to
storage every node of a cluster reads (HDFS, S3 through ``s3a://``) for a real cluster — see
docs/warehouse.md. :func:`compute` then runs :func:`klientura.analytics.scores.scores` unchanged.
PySpark is an optional dependency (``pip install klientura[spark]``; Java 17 on the machine).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from klientura.analytics.errors import NO_SPARK
from klientura.analytics.scores import scores
from klientura.analytics.settings import AnalyticsSettings
from klientura.analytics.warehouse import Warehouse
from klientura.kit.errors import ValidationFailed

ANALYTIC_TABLES = ("orders", "customers", "returns", "events")


def export(wh: Warehouse, folder: Path | str, tables: tuple[str, ...] = ANALYTIC_TABLES) -> dict[str, str]:
    """Write the warehouse's ``tables`` as Parquet files into ``folder`` (a local path or a URL DuckDB writes)."""
    out = {}
    base = str(folder).rstrip("/")
    if "://" not in base:
        Path(base).mkdir(parents=True, exist_ok=True)
    for name in tables:
        target = f"{base}/{name}.parquet"
        wh.con.execute(f"COPY {name} TO '{target}' (FORMAT parquet)")
        out[name] = target
    return out


def session(master: str = "local[2]", **conf: str) -> Any:
    """A SparkSession with the settings the analytics rely on: UTC, and Arrow for the results."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ValidationFailed(NO_SPARK) from exc
    builder = (
        SparkSession.builder.master(master)
        .appName("klientura")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
    )
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def compute(spark: Any, files: dict[str, str], settings: AnalyticsSettings, as_of: date) -> Any:
    """:func:`~klientura.analytics.scores.scores` on Spark over the exported tables, as a pyarrow Table."""
    import ibis

    con = ibis.pyspark.connect(session=spark)
    tables = {name: con.read_parquet(path, table_name=f"klientura_{name}") for name, path in files.items()}
    return scores(tables, settings, as_of).to_pyarrow()
