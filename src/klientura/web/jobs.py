"""Imports started from the browser run in a thread of the server, so the page can show their progress.

A job is kept in the server's memory (``app.state.import_jobs``) while it runs and for an hour after; it
owns its own session and commits once, at the end, as the CLI does: a failed import writes nothing. The
page polls :func:`Job.snapshot` through HTMX and is sent on to the report when the job is done. (With
several server processes a job is seen only by the process that runs it; the worker will take imports
over when it exists.)
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from klientura import imports
from klientura.audit import Actor
from klientura.db import SessionFactory, session_scope
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError
from klientura.kit.shop import Shop

KEEP_SECONDS = 3600


@dataclass
class Job:
    id: str
    kind: str
    filename: str
    actor_id: Id | None
    total: int | None
    done: int = 0
    status: str = "running"  # running | done | failed
    run_id: Id | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def percent(self) -> int | None:
        if self.status == "done":
            return 100
        if not self.total:
            return None
        return min(99, int(self.done * 100 / self.total))


def start(
    app: Any,
    factory: SessionFactory,
    actor: Actor,
    path: Path,
    kind: str,
    *,
    overrides: dict[str, str],
    shop: Shop,
    display_name: str | None,
) -> Job:
    jobs: dict[str, Job] = app.state.import_jobs
    _forget_old(jobs)
    job = Job(secrets.token_hex(8), kind, display_name or path.name, actor.id, imports.count_rows(path))
    jobs[job.id] = job

    def progress(rows: int) -> None:
        job.done += rows

    def work() -> None:
        try:
            with session_scope(factory) as session:  # the job's unit of work: committed once, at the end
                report = imports.run_import(
                    session,
                    actor,
                    path,
                    kind,
                    overrides=overrides,
                    shop=shop,
                    display_name=display_name,
                    progress=progress,
                )
            job.run_id, job.status = report.run_id, "done"
            path.unlink(missing_ok=True)
        except KlienturaError as exc:
            job.error, job.status = exc.detail, "failed"
        except Exception as exc:  # shown to the user; the server's log has the traceback
            job.error, job.status = f"{type(exc).__name__}: {exc}", "failed"
            raise
        finally:
            job.finished = time.monotonic()

    threading.Thread(target=work, name=f"import-{job.id}", daemon=True).start()
    return job


def get(app: Any, job_id: str) -> Job | None:
    jobs: dict[str, Job] = app.state.import_jobs
    return jobs.get(job_id)


def _forget_old(jobs: dict[str, Job]) -> None:
    now = time.monotonic()
    for key in [k for k, j in jobs.items() if j.finished is not None and now - j.finished > KEEP_SECONDS]:
        del jobs[key]
