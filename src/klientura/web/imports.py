"""Import from the browser: upload, preview with the detected mapping and a trial run, import, report."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload

from klientura import imports
from klientura.auth import require
from klientura.deps import SessionDep, get_shop
from klientura.kit import sheets
from klientura.kit.bounds import Id
from klientura.kit.errors import KlienturaError, ValidationFailed
from klientura.web import flash, jobs
from klientura.web.errors import UNKNOWN_UPLOAD, UPLOAD_EXPIRED
from klientura.web.render import WebActorDep, explain, gettext_for, page_router, render

router = page_router(read="import:write", write="import:write")
PREVIEW_ROWS = 2000
_TOKEN = re.compile(r"^[0-9a-f]{32}\.(csv|txt|tsv|xlsx)$")


def _upload_path(request: Request, token: str) -> Path:
    if not _TOKEN.match(token):
        raise ValidationFailed(UNKNOWN_UPLOAD)
    path = Path(request.app.state.settings.upload_dir) / token
    if not path.exists():
        raise ValidationFailed(UPLOAD_EXPIRED)
    return path


@router.get("/imports", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    message, kind = flash.pop(request)
    return render(
        request,
        "imports/index.html",
        {
            "nav": "imports",
            "runs": imports.list_runs(session),
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


async def read_form(request: Request) -> AsyncIterator[FormData]:
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


FormDep = Annotated[FormData, Depends(read_form)]


def _overrides(form: FormData) -> dict[str, str]:
    """``map:<header>`` fields of the preview form: the column's field, or "" to skip it."""
    return {k[4:]: v for k, v in form.items() if k.startswith("map:") and isinstance(v, str)}


@router.post("/imports/preview", response_class=HTMLResponse)
def preview(request: Request, session: SessionDep, actor: WebActorDep, form: FormDep) -> Response:
    kind, token, filename = str(form.get("kind", "")), str(form.get("token", "")), str(form.get("filename", ""))
    upload = form.get("file")
    try:
        require(actor, "import:write")
        if isinstance(upload, StarletteUpload) and upload.filename:
            folder = Path(request.app.state.settings.upload_dir)
            imports.clean_uploads(folder, get_shop(request).now())  # previews of a day ago never imported
            token, filename = imports.save_upload(upload.file, upload.filename, folder).name, upload.filename
        path = _upload_path(request, token)
        overrides = _overrides(form)
        info = imports.inspect_file(path, kind, overrides)
        report = imports.run_import(
            session,
            actor,
            path,
            kind,
            overrides=overrides,
            dry_run=True,
            shop=get_shop(request),
            limit=PREVIEW_ROWS,
        )
        session.rollback()
    except KlienturaError as exc:
        session.rollback()
        return flash.redirect(request, "/imports", explain(request, exc), "error")
    by_header = {h: f for f, h in info["mapping"].items()}
    return render(
        request,
        "imports/preview.html",
        {
            "nav": "imports",
            "kind": kind,
            "token": token,
            "filename": filename,
            "info": info,
            "report": report,
            "by_header": by_header,
            "preview_rows": PREVIEW_ROWS,
        },
        actor=actor,
    )


@router.post("/imports/run")
def run(request: Request, session: SessionDep, actor: WebActorDep, form: FormDep) -> RedirectResponse:
    """Start the import in the background and show its progress; the report follows when it is done."""
    try:
        require(actor, "import:write")
        path = _upload_path(request, str(form.get("token", "")))
        job = jobs.start(
            request.app,
            request.app.state.session_factory,
            actor,
            path,
            str(form.get("kind", "")),
            overrides=_overrides(form),
            shop=get_shop(request),
            display_name=str(form.get("filename", "")) or None,
        )
    except KlienturaError as exc:
        return flash.redirect(request, "/imports", explain(request, exc), "error")
    return RedirectResponse(f"/imports/jobs/{job.id}", status_code=303)


@router.get("/imports/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: str, request: Request, session: SessionDep, actor: WebActorDep) -> Response:
    job = jobs.get(request.app, job_id)
    if job is None:
        return flash.redirect(request, "/imports", gettext_for(request)("This import is no longer running."), "error")
    return render(request, "imports/job.html", {"nav": "imports", "job": job}, actor=actor)


@router.get("/imports/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(job_id: str, request: Request, session: SessionDep, actor: WebActorDep) -> Response:
    """The progress bar, polled every second; when the job ends, HTMX is sent to the report."""
    _ = gettext_for(request)
    job = jobs.get(request.app, job_id)
    if job is None or job.status == "failed":
        message = job.error if job is not None and job.error else _("This import is no longer running.")
        flash.put(request, message, "error")
        return HTMLResponse("", headers={"HX-Redirect": "/imports"})
    if job.status == "done":
        flash.put(request, _("Import finished."))
        return HTMLResponse("", headers={"HX-Redirect": f"/imports/{job.run_id}"})
    return render(request, "imports/progress.html", {"job": job}, actor=actor)


@router.get("/imports/{run_id}", response_class=HTMLResponse)
def report(run_id: Id, request: Request, session: SessionDep, actor: WebActorDep) -> HTMLResponse:
    _ = gettext_for(request)
    try:
        run_row, rejections = imports.get_run(session, run_id)
    except KlienturaError as exc:
        return render(
            request,
            "message.html",
            {"title": _("Not found"), "message": explain(request, exc)},
            actor=actor,
            status=404,
        )
    message, kind = flash.pop(request)
    return render(
        request,
        "imports/report.html",
        {
            "nav": "imports",
            "run": run_row,
            "rejections": [r for r in rejections if not r.kept][:500],
            "notes": [r for r in rejections if r.kept][:500],
            "flash": message,
            "flash_kind": kind,
        },
        actor=actor,
    )


@router.get("/imports/{run_id}/rejections.csv")
def rejections_csv(run_id: Id, session: SessionDep, _signed_in: WebActorDep) -> Response:
    _run_row, found = imports.get_run(session, run_id)
    rejections = [r for r in found if not r.kept]  # the rows to mend and import again
    headers = list(rejections[0].raw) if rejections else []
    rows = ([r.row_no, r.reason, *[r.raw.get(h) for h in headers]] for r in rejections)
    return Response(
        sheets.csv_bytes(["row", "reason", *headers], rows),
        media_type=sheets.CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="import-{run_id}-rejected.csv"'},
    )
