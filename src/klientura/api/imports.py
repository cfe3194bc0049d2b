from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import Form, UploadFile

from klientura import imports
from klientura.deps import ActorDep, SessionDep, SettingsDep, ShopDep, new_router
from klientura.kit.errors import ValidationFailed

router = new_router(read="import:write", write="import:write", prefix="/imports", tags=["imports"])


@router.post("/{kind}", summary="Import customers or orders from CSV/XLSX; dry_run=true previews")
def upload(
    kind: str,
    file: UploadFile,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    shop: ShopDep,
    dry_run: bool = Form(False),
    mapping: str = Form(""),
    source: str = Form("import"),
) -> dict[str, Any]:
    suffix = Path(file.filename or "upload.csv").suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx"):
        raise ValidationFailed(imports.UNSUPPORTED_TYPE, suffix=suffix)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(file.file.read())
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
