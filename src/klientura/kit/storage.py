"""Where uploaded files and rendered documents are kept: a small interface an object store (S3, MinIO) can implement
later, and the disk's implementation. Keys are the content's SHA-256: the same bytes are kept once, a key never
names a path outside the store, and a file written for a transaction that then rolled back is only an orphan (the
next identical upload takes it)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"[0-9a-f]{64}")


class FileStore(Protocol):
    def put(self, data: bytes) -> str:
        """Keep the bytes; their key."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under the key; :class:`FileNotFoundError` when there are none."""
        ...


class DiskStore:
    """Files under ``root/ab/cd/<digest>``, written to a temporary file and renamed (a reader never sees half)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise FileNotFoundError(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()
