"""Which files customers and agents may attach, decided by their content, not their name.

A file is accepted when its first bytes match an allowed type *and* its extension belongs to
that type. Anything a browser could run or render as a page (HTML, SVG, scripts, executables)
is never on the list; downloads are served as attachments with nosniff on top of this.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from io import BytesIO

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_MESSAGE = 5
NAME_MAX = 120


@dataclass(frozen=True)
class FileType:
    key: str
    mimetype: str
    extensions: frozenset[str]


PDF = FileType("pdf", "application/pdf", frozenset({".pdf"}))
PNG = FileType("png", "image/png", frozenset({".png"}))
JPEG = FileType("jpeg", "image/jpeg", frozenset({".jpg", ".jpeg"}))
GIF = FileType("gif", "image/gif", frozenset({".gif"}))
WEBP = FileType("webp", "image/webp", frozenset({".webp"}))
TEXT = FileType("text", "text/plain", frozenset({".txt", ".log", ".csv"}))
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                frozenset({".docx"}))
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                frozenset({".xlsx"}))
ALLOWED = (PDF, PNG, JPEG, GIF, WEBP, TEXT, DOCX, XLSX)
ALLOWED_EXTENSIONS = sorted(ext for kind in ALLOWED for ext in kind.extensions)

_TEXT_LOOKS_LIKE_MARKUP = re.compile(rb"<\s*(!doctype|html|script|svg|iframe|body|\?xml)",
                                     re.IGNORECASE)


def _is_plain_text(head: bytes) -> bool:
    if b"\x00" in head or _TEXT_LOOKS_LIKE_MARKUP.search(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end is still text
        return exc.start >= len(head) - 3
    return True


def _office_kind(content: bytes) -> FileType | None:
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def sniff(content: bytes) -> FileType | None:
    """The allowed type these bytes are, or None."""
    head = content[:4096]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(content)
    if head and _is_plain_text(head):
        return TEXT
    return None


def clean_filename(name: str | None) -> str:
    """A display name safe to show and to put in a header: no folders, control characters or
    NULs, at most NAME_MAX characters, the extension kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .")
    if not name:
        return "file"
    stem, ext = os.path.splitext(name)
    ext = ext[:10]
    return (stem[: NAME_MAX - len(ext)] or "file") + ext


def check_file(name: str, content: bytes) -> tuple[FileType | None, str | None]:
    """(type, None) when the file is acceptable, else (None, reason code)."""
    if len(content) > MAX_BYTES:
        return None, "too_large"
    if not content:
        return None, "empty"
    kind = sniff(content)
    ext = os.path.splitext(clean_filename(name))[1].lower()
    if kind is None or ext not in kind.extensions:
        return None, "type_not_allowed"
    return kind, None
