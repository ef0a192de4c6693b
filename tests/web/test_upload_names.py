"""Hostile file names on every form that takes files: traversal, absolute paths, NUL, CR/LF,
very long names, dots only, right-to-left overrides, Windows device names, quotes.

Each must leave nothing outside the attachments folder, never answer 500, keep a clean display
name of bounded length, and download with one valid Content-Disposition line (RFC 6266, with
`filename*` when the name is not ASCII). A name that loses its extension in cleaning is refused
as a file of no accepted type; that is a fine answer too.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from portal.domain.attachments import NAME_MAX
from tests.security_figures import record_figure
from tests.web.upload_support import PDF, download_problems, download_url, try_upload, upload_routes

# (what it is, the name as sent); every file is a real PDF.
NAMES = [
    ("traversal", "../../etc/passwd"),
    ("traversal with a type", "../../../tmp/evil.pdf"),
    ("Windows traversal", "..\\..\\windows\\win.ini"),
    ("Windows traversal with a type", "..\\..\\Windows\\System32\\evil.pdf"),
    ("absolute path", "/etc/cron.d/evil.pdf"),
    ("drive path", "C:\\Users\\Public\\evil.pdf"),
    ("UNC path", "\\\\server\\share\\evil.pdf"),
    ("NUL before a script type", "a\x00.php"),
    ("NUL inside", "invoice\x00.pdf"),
    ("CR/LF header injection", "a.pdf\r\nSet-Cookie: session=evil\r\nX: .pdf"),
    ("CR/LF inside", "report\r\n\r\n<script>.pdf"),
    ("300 characters", "a" * 296 + ".pdf"),
    ("5,000 characters", "é" * 4996 + ".pdf"),
    ("dots only", "..."),
    ("one dot", "."),
    ("dot dot", ".."),
    ("only the extension", ".pdf"),
    ("spaces and dots", " . . .pdf"),
    ("right-to-left override", "invoice\u202efdp.exe"),
    ("right-to-left override, real PDF", "report\u202egnp.pdf"),
    ("Windows device name", "CON"),
    ("Windows device name with a type", "NUL.txt"),
    ("Windows device name, PDF", "con.pdf"),
    ("Windows device name, serial port", "COM1.pdf"),
    ("Windows device name, trailing dot", "aux.pdf."),
    ("quotes and semicolons", 'a";filename="evil.html.pdf'),
    ("semicolon parameter", "a;filename*=UTF-8''evil.html;.pdf"),
    ("quotes", 'it\'s "quoted".pdf'),
    ("Windows-forbidden characters", "a<b>c:d|e?f*.pdf"),
    ("percent-encoded CR/LF", "a%0d%0aX-Injected:%201.pdf"),
    ("Vietnamese", "Hóa đơn tháng 5.pdf"),
    ("line separator", "a\u2028b\u2029c.pdf"),
]
KNOWN_FILES = {Path("/etc/passwd").resolve()}  # there before the test: not written by it
WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)),
                   *(f"lpt{n}" for n in range(1, 10))}


def name_problems(name: str) -> list[str]:
    """Why a stored display name is not safe to show, save or put in a header."""
    problems = []
    if not 0 < len(name) <= NAME_MAX:
        problems.append(f"{len(name)} characters")
    if any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in name):
        problems.append("control, format or separator characters")
    if set(name) & set('/\\<>:"|?*'):
        problems.append("path or Windows-forbidden characters")
    if name.startswith((".", " ")) or name.endswith((".", " ")):
        problems.append("leading or trailing dot or space")
    if os.path.splitext(name)[0].split(".")[0].strip().lower() in WINDOWS_DEVICES:
        problems.append("a Windows device name")
    return problems


def written_where_the_name_points(app, name: str) -> list[str]:
    """The places a store that trusted the name would have written to (beyond the test's
    folder, which stray_files watches): none may hold a file now."""
    store = Path(app.config["ATTACHMENTS_DIR"])
    plain = name.replace("\\", "/").replace("\x00", "")
    places = {store / plain, store / "ab" / plain, Path(plain)}
    return [f"a file at {place}" for place in places if _new_file(place)]


def _new_file(place: Path) -> bool:
    try:
        return place.is_absolute() and place.resolve().is_file() and (
            place.resolve() not in KNOWN_FILES)
    except OSError:  # a name too long for the disk: nothing can be there
        return False


@pytest.fixture
def routes(app, make_user, now):
    return upload_routes(app, make_user, now)


def test_hostile_file_names_are_cleaned_and_downloaded_with_one_valid_header(app, routes,
                                                                             tmp_path):
    problems, stored_count, refused = [], 0, 0
    for route in routes:
        for label, name in NAMES:
            outcome, found, stored = try_upload(app, route, [(name, PDF, "application/pdf")],
                                                tmp_path)
            refused += outcome == "refused"
            found += written_where_the_name_points(app, name)
            for row in stored:
                stored_count += 1
                found += [f"display name {row.original_name!r}: {p}"
                          for p in name_problems(row.original_name)]
                response = route.client.get(download_url(row.id))
                found += download_problems(response, PDF, row.original_name)
            problems += [f"{route.name}, {label} ({outcome}): {p}" for p in found]
    record_figure("Inputs", f"hostile file names tried on {len(routes)} routes",
                  f"{len(NAMES) * len(routes)} uploads ({stored_count} stored, {refused} refused), "
                  f"{len(problems)} problems", "0 outside the store, 0 errors, clean names",
                  not problems)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
