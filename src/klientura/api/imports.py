from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import Form, UploadFile

from klientura import imports
from klientura.deps import ActorDep, SessionDep, SettingsDep, ShopDep, new_router
from klientura.kit.bounds import Code

router = new_router(read="import:write", write="import:write", prefix="/imports", tags=["imports"])


@router.post("/{kind}", summary="Import customers or orders from CSV/XLSX; dry_run=true previews")
def upload(
    kind: Code,
    file: UploadFile,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    shop: ShopDep,
    dry_run: bool = Form(False),
    mapping: str = Form("", max_length=10_000),
    source: str = Form("import", max_length=64),
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = imports.save_upload(file.file, file.filename or "upload.csv", Path(tmp))  # streamed to disk
        overrides = imports.parse_overrides([p for p in mapping.split("\n") if p.strip()])
        report = imports.run_import(
            session,
            actor,
            path,
            kind,
            overrides=overrides,
            dry_run=dry_run,
            shop=shop,
            source=source,
            display_name=file.filename,
        )
        if dry_run:  # checked, nothing written
            session.rollback()
    return report.as_dict()
