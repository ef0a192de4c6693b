"""Attachment files on disk, outside static/, under random names.

Files are written to a temporary name and renamed into place, so a crash never leaves half a
file under a real name. The database row is the only way to find a file's owner and its
display name; the stored name says nothing.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, current_app


class FileStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, storage_name: str) -> Path:
        if not storage_name.isalnum():  # never a path: only names this store made
            raise ValueError("bad storage name")
        return self.root / storage_name[:2] / storage_name

    def save(self, content: bytes) -> str:
        """Store `content`; return its new storage name."""
        name = secrets.token_hex(16)
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        with open(temporary, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        return name

    def open(self, storage_name: str):
        return open(self._path(storage_name), "rb")

    def exists(self, storage_name: str) -> bool:
        return self._path(storage_name).exists()

    def delete(self, storage_name: str) -> None:
        self._path(storage_name).unlink(missing_ok=True)


class FileStoreExtension:
    def init_app(self, app: Flask) -> None:
        app.extensions["file_store"] = FileStore(app.config["ATTACHMENTS_DIR"])

    @property
    def store(self) -> FileStore:
        return current_app.extensions["file_store"]
