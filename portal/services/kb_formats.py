"""Knowledge-base file formats: read rows from JSONL, CSV or Markdown files with front matter,
and write articles back in the same forms. No database here: kb_io imports and exports.

Rows keep where they came from (a line number, or a file name) so every rejection can say where.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from portal.domain import kb as rules

FIELDS = ("slug", "title", "summary", "body", "category", "tags", "visibility", "status",
          "language")


class ImportFileError(Exception):
    """The file as a whole cannot be imported: missing, unreadable, or of an unknown type."""


class InvalidRow(Exception):
    """One row cannot be imported; the message says why."""


@dataclass
class Row:
    where: int | str
    data: dict | None = None
    error: str = ""


# --- reading ----------------------------------------------------------------------

def read_rows(path: Path) -> list[Row]:
    """The rows of a .jsonl or .csv file, or of a folder of .md files (or one .md file)."""
    if not path.exists():
        raise ImportFileError(f"no such file or folder: {path}")
    if path.is_dir():
        return _markdown_rows(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl_rows(path)
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".md":
        return [_markdown_row(path)]
    raise ImportFileError(f"unknown file type '{suffix or path.name}': import a .jsonl file, "
                          f"a .csv file or a folder of .md files")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"cannot read {path}: {error.strerror or error}") from error


def _jsonl_rows(path: Path) -> list[Row]:
    rows = []
    for number, raw in enumerate(_read_bytes(path).split(b"\n"), 1):
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            rows.append(Row(number, error="not valid UTF-8"))
            continue
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            rows.append(Row(number, error=f"invalid JSON: {error.msg} (column {error.colno})"))
            continue
        if not isinstance(data, dict):
            rows.append(Row(number, error="not a JSON object"))
            continue
        rows.append(Row(number, data))
    return rows


def _csv_rows(path: Path) -> list[Row]:
    text = _read_bytes(path).decode("utf-8-sig", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return []
    except csv.Error as error:
        raise ImportFileError(f"cannot read the CSV header: {error}") from error
    missing = [name for name in ("title", "body") if name not in header]
    if missing:
        raise ImportFileError(f"the CSV header has no {' and no '.join(missing)} column "
                              f"(found: {', '.join(header)})")
    rows, previous = [], reader.line_num
    while True:
        start = previous + 1  # a quoted cell may span lines: report where the row begins
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # the rest of the file cannot be split into rows reliably
            rows.append(Row(start, error=f"CSV error: {error}; the rest of the file was skipped"))
            break
        previous = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            rows.append(Row(start, error=f"has {len(cells)} columns, the header has "
                                          f"{len(header)}"))
        elif not all(_is_utf8(cell) for cell in cells):
            rows.append(Row(start, error="not valid UTF-8"))
        else:
            rows.append(Row(start, dict(zip(header, cells, strict=True))))
    return rows


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes were kept as lone surrogates
        return False
    return True


def _markdown_rows(folder: Path) -> list[Row]:
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".md" and p.is_file())
    except OSError as error:
        raise ImportFileError(f"cannot read {folder}: {error.strerror or error}") from error
    if not files:
        raise ImportFileError(f"no .md files in {folder}")
    return [_markdown_row(file) for file in files]


def _markdown_row(file: Path) -> Row:
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except OSError as error:
        return Row(file.name, error=f"cannot be read: {error.strerror or error}")
    except UnicodeDecodeError:
        return Row(file.name, error="not valid UTF-8")
    try:
        data = parse_front_matter(text.replace("\r\n", "\n"))
    except InvalidRow as problem:
        return Row(file.name, error=str(problem))
    if not _text_or_blank(data.get("slug")):
        stem = file.stem
        data["slug"] = stem if rules.SLUG_PATTERN.match(stem) else rules.slugify(stem)
    return Row(file.name, data)


def _text_or_blank(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_front_matter(text: str) -> dict:
    """`---` / `key: value` lines / `---` / body → a dict with the keys and "body"."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise InvalidRow("no front matter: the file must begin with a '---' line")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise InvalidRow("the front matter is not closed by a '---' line")
    data: dict = {}
    for number, line in enumerate(lines[1:end], 2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        if not colon or not key.strip():
            raise InvalidRow(f"front matter line {number} is not 'key: value'")
        key, value = key.strip().lower(), value.strip()
        data[key] = split_list(value) if key == "tags" else _unquote(value)
    data["body"] = "\n".join(lines[end + 1:]).lstrip("\n").rstrip()
    return data


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def split_list(text: str) -> list[str]:
    """`[a, b]`, `a, b`, `["a", 'b, c']`… → the items."""
    text = " ".join(text.split())
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        items = next(csv.reader([text], skipinitialspace=True), [])
    except csv.Error:
        items = text.split(",")
    return [_unquote(item.strip()) for item in items if item.strip()]


def join_list(items: list[str]) -> str:
    """The inverse of split_list (without brackets)."""
    return ", ".join(f'"{item.replace(chr(34), chr(34) * 2)}"' if "," in item or '"' in item
                     else item for item in items)


# --- writing --------------------------------------------------------------------------------

def write_jsonl(out: io.TextIOBase, records: Iterable[dict]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(out: io.TextIOBase, records: Iterable[dict]) -> int:
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    count = 0
    for record in records:
        record["tags"] = join_list(record["tags"])
        writer.writerow([record[name] for name in FIELDS])
        count += 1
    return count


def markdown_document(record: dict) -> str:
    lines = ["---"]
    for key in ("title", "slug", "category", "tags", "visibility", "status", "language",
                "summary"):
        value = record[key]
        if key == "tags":
            lines.append(f"tags: [{join_list(value)}]")
        else:
            lines.append(f"{key}: {_quoted(value)}".rstrip())
    lines += ["---", "", record["body"].rstrip(), ""]
    return "\n".join(lines)


def _quoted(value: str) -> str:
    """Quote a front-matter value only when reading it back would otherwise change it."""
    return f'"{value}"' if _unquote(value) != value or value != value.strip() else value
