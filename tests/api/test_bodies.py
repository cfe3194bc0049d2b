"""Bodies and uploads within limits (issue 17, items 9 and 12): a body over the limit is a 413 before it is read
or as it arrives, a text with NUL is a 422, an XLSX that unpacks to hundreds of megabytes is refused before the
reader opens it, uploads are streamed to disk and the forgotten ones cleaned away."""

from __future__ import annotations

import io
import os
import resource
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook

from klientura import imports


def test_a_body_over_the_limit_is_refused_before_and_while_it_is_read(api: TestClient) -> None:
    big = b'{"full_name": "' + b"x" * (11 * 2**20) + b'"}'
    r = api.post("/api/v1/customers", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "request.too_large" and r.json()["params"] == {"limit": 10}

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"full_name": "'
        for _ in range(12):
            yield b"x" * 2**20
        yield b'"}'

    r = api.post("/api/v1/customers", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert api.get("/api/v1/customers", params={"q": "x" * 50}).status_code == 200  # the app still serves


def test_a_text_with_nul_is_refused(api: TestClient) -> None:
    r = api.post("/api/v1/customers", json={"full_name": "Иван\u0000 Петров", "phone": "+79160000001"})
    assert r.status_code == 422 and r.json()["code"] == "request.nul"
    assert api.get("/api/v1/customers?q=a%00b").json()["code"] == "request.nul"
    ok = api.post("/api/v1/customers", json={"full_name": "Иван Петров", "phone": "+79160000001"})
    assert ok.status_code == 201


def _bomb(path: Path) -> Path:
    """A valid workbook whose sheet unpacks to 300 MB from a few hundred kilobytes (one cell's text)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Телефон", "Имя"])
    ws.append(["+79161234567", "Анна"])
    plain = io.BytesIO()
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace("Анна".encode(), b"A" * (300 * 2**20))
            out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return path


def test_an_xlsx_bomb_is_refused_before_it_is_unpacked(api: TestClient, tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 1_000_000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with bomb.open("rb") as fh:
        r = api.post("/api/v1/imports/customers", files={"file": ("bomb.xlsx", fh)}, data={"dry_run": "true"})
    assert r.status_code == 422 and r.json()["code"] == "import.file.xlsx_too_big", r.text
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 100_000  # KB: nothing was unpacked


def test_uploads_stream_to_disk_and_old_ones_are_cleaned(tmp_path: Path) -> None:
    class Stream(io.RawIOBase):  # 30 MB that never sit in memory whole
        left = 30 * 2**20

        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            n = min(len(b), self.left)
            b[:n] = b"7" * n
            self.left -= n
            return n

    saved = imports.save_upload(Stream(), "clients.csv", tmp_path)  # type: ignore[arg-type]
    assert saved.stat().st_size == 30 * 2**20 and saved.suffix == ".csv" and len(saved.stem) == 32
    old = imports.save_upload(io.BytesIO(b"a;b\n"), "old.xlsx", tmp_path)
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    (tmp_path / "notes.md").write_text("not an upload")
    assert imports.clean_uploads(tmp_path, datetime.now(UTC)) == 1  # the files carry the machine's times
    assert not old.exists() and saved.exists() and (tmp_path / "notes.md").exists()
