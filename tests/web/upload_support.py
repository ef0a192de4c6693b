"""Every form that takes files, posted with raw multipart bodies, and what a safe download is.

The bodies are built by hand (not by the test client) so that a hostile file name arrives
exactly as an attacker sends it: NUL, CR/LF, quotes and 5,000 characters included (those go
in RFC 2231's `filename*`, which Werkzeug decodes for the app).
"""

from __future__ import annotations

import html
import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from portal.domain.attachments import ALLOWED, sniff
from portal.extensions import db
from portal.models import Attachment, Ticket
from portal.web.track.file_links import attachment_key
from tests.helpers import CSRF_RE, sign_in
from tests.web.access_world import without_rate_limits
from tests.web.track_support import category, file_ticket, open_link

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
KEPT_TEXT = "Order 5512 was charged twice, see the file"
KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
VERSION_RE = re.compile(r'name="reply-version" type="hidden" value="(\d+)"')
SAFE_TYPES = {kind.mimetype for kind in ALLOWED}
RENDERED_TYPES = {"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml",
                  "application/xml", "text/javascript", "application/javascript"}


# --- multipart by hand ------------------------------------------------------------------------

def _disposition(name: str) -> bytes:
    if name.isascii() and name.isprintable() and '"' not in name and "\\" not in name:
        return f'filename="{name}"'.encode()
    return f"filename*=UTF-8''{quote(name, safe='')}".encode()


def multipart(fields: dict[str, str], files: list[tuple[str, bytes, str]],
              file_field: str) -> tuple[bytes, str]:
    """(body, Content-Type) of a form with `fields` and `files` as (name, bytes, the
    Content-Type the client claims)."""
    boundary = "----upload" + secrets.token_hex(12)
    parts = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                     .encode() + value.encode() + b"\r\n")
    for name, content, claimed in files:
        parts.append(f"--{boundary}\r\n".encode()
                     + f'Content-Disposition: form-data; name="{file_field}"; '.encode()
                     + _disposition(name) + f"\r\nContent-Type: {claimed}\r\n\r\n".encode()
                     + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- the routes -------------------------------------------------------------------------------

@dataclass
class Route:
    """One form that takes files, and a browser allowed to post it and read its files."""

    name: str
    client: object
    path: str
    page: str  # where the form's CSRF token (and version or submission key) is
    prefix: str = ""  # the agent's forms are prefixed ("reply-body")
    fields: dict | None = None

    def post(self, files: list[tuple[str, bytes, str]], *, body_text: str = KEPT_TEXT,
             chunked: bool = False):
        """POST the form with `files`; `chunked` sends it without a Content-Length, as a
        client streaming through gunicorn may."""
        body, content_type = self.build(files, body_text=body_text)
        if chunked:
            return self.client.post(self.path, input_stream=io.BytesIO(body),
                                    content_type=content_type,
                                    headers={"Transfer-Encoding": "chunked"},
                                    environ_overrides={"wsgi.input_terminated": True})
        return self.client.post(self.path, data=body, content_type=content_type)

    def build(self, files: list[tuple[str, bytes, str]], *, body_text: str = KEPT_TEXT):
        """The form's multipart body (with a fresh CSRF token, version or submission key)."""
        page = self.client.get(self.page).get_data(as_text=True)
        fields = {"csrf_token": CSRF_RE.search(page).group(1), **(self.fields or {})}
        if self.path == "/complaints/new":
            fields.update(submission_key=KEY_RE.search(page).group(1), description=body_text)
        else:
            fields["body"] = body_text
        if self.prefix:
            fields["version"] = VERSION_RE.search(page).group(1)
            fields = {f"{self.prefix}{key}": value for key, value in fields.items()}
        return multipart(fields, files, f"{self.prefix}attachments")


def upload_routes(app, make_user, now) -> list[Route]:
    """The complaint form (guest, customer), the customer's reply (guest, customer), the
    agent's reply and internal note: every route in the portal with a file input."""
    without_rate_limits(app)
    kind = category(now)
    customer = make_user("customer", email="cust@example.com", name="Cu Stomer")
    agent = make_user("agent", teams=[kind.default_team_id], name="Aga Agent")
    guest_ticket = file_ticket(now, category_id=kind.id, uploads=[])
    own_ticket = file_ticket(now, category_id=kind.id, customer=customer, email=customer.email,
                             uploads=[]).ticket
    guest, customer_client, agent_client = (app.test_client() for _ in range(3))
    assert open_link(guest, guest_ticket.token).status_code == 303
    assert sign_in(customer_client, customer.email).status_code == 302
    assert sign_in(agent_client, agent.email).status_code == 302
    complaint = {"category_id": str(kind.id), "subject": "Charged twice",
                 "contact_name": "Lan Pham", "contact_email": "lan@example.com",
                 "suggestions_seen": "1"}
    guest_ref, own_ref = guest_ticket.ticket.reference, own_ticket.reference
    agent_page = f"/agent/tickets/{guest_ref}"
    return [
        Route("complaint form (guest)", app.test_client(), "/complaints/new",
              "/complaints/new", fields=complaint),
        Route("complaint form (customer)", customer_client, "/complaints/new",
              "/complaints/new", fields={**complaint, "contact_email": customer.email}),
        Route("reply (guest)", guest, f"/track/{guest_ref}/reply", f"/track/{guest_ref}"),
        Route("reply (customer)", customer_client, f"/track/{own_ref}/reply",
              f"/track/{own_ref}"),
        Route("agent reply", agent_client, f"/agent/tickets/{guest_ref}/reply", agent_page,
              prefix="reply-", fields={"visibility": "public"}),
        Route("internal note", agent_client, f"/agent/tickets/{guest_ref}/reply", agent_page,
              prefix="reply-", fields={"visibility": "internal"}),
    ]


# --- what was stored --------------------------------------------------------------------------

def counts() -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(Attachment)),
            db.session.scalar(select(func.count()).select_from(Ticket)))


def files_on_disk(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def new_attachments(after_id: int) -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Attachment).where(Attachment.id > after_id)
                                   .order_by(Attachment.id)))


def download_url(attachment_id: int) -> str:
    """A file's address as the portal links it: its id and its key."""
    return f"/attachments/{attachment_id}?key={attachment_key(attachment_id)}"


def last_attachment_id() -> int:
    return db.session.scalar(select(func.max(Attachment.id))) or 0


def stray_files(app, before: set[Path], tmp_path: Path) -> list[str]:
    """Files the request left outside the attachments folder, or inside it under a name the
    store did not make (xx/<32 hex>)."""
    store = Path(app.config["ATTACHMENTS_DIR"]).resolve()
    problems = []
    for path in files_on_disk(tmp_path) - before:
        path = path.resolve()
        if not path.is_relative_to(store):
            problems.append(f"file written outside the store: {path}")
        elif not re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}", path.relative_to(store).as_posix()):
            problems.append(f"odd name in the store: {path.relative_to(store)}")
    return problems


def refused_cleanly(app, page, before, disk, tmp_path, message) -> list[str]:
    """The form came back with the text kept and the reason, and nothing was stored or left
    on disk."""
    problems = stray_files(app, disk, tmp_path)
    if KEPT_TEXT not in page:
        problems.append("the user's text was not kept")
    if message not in page:
        problems.append(f"no {message!r} on the page")
    if counts() != before:
        problems.append(f"rows stored: {before} -> {counts()}")
    if files_on_disk(tmp_path) - disk:
        problems.append("files left on disk")
    return problems


def try_upload(app, route, files, tmp_path, refusal: str = "is not a type of file we accept"):
    """Post `files` on `route`: (outcome, problems with it, the new attachments)."""
    before, disk, last = counts(), files_on_disk(tmp_path), last_attachment_id()
    response = route.post(files)
    page = html.unescape(response.get_data(as_text=True))
    if response.status_code == 422:
        return "refused", refused_cleanly(app, page, before, disk, tmp_path, refusal), []
    if response.status_code in (302, 303):
        return "stored", stray_files(app, disk, tmp_path), new_attachments(last)
    return str(response.status_code), [f"answered {response.status_code}"], []


# --- what a safe download is ------------------------------------------------------------------

def download_problems(response, content: bytes, display_name: str) -> list[str]:
    """Why this download could run or render in a browser, or break its headers."""
    headers = response.headers
    problems = []
    if response.status_code != 200 or response.data != content:
        return [f"download answered {response.status_code}"]
    disposition = headers.get("Content-Disposition", "")
    kind, options = parse_options_header(disposition)
    if kind != "attachment":
        problems.append(f"not an attachment: {disposition!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if "sandbox" not in headers.get("Content-Security-Policy", ""):
        problems.append("no CSP sandbox")
    sniffed = sniff(content)
    if response.mimetype in RENDERED_TYPES or response.mimetype not in SAFE_TYPES:
        problems.append(f"served as {response.mimetype}")
    elif sniffed is None or response.mimetype != sniffed.mimetype:
        problems.append(f"served as {response.mimetype}, the bytes are {sniffed}")
    if any(ch in disposition for ch in "\r\n\x00") or not disposition.isascii():
        problems.append(f"Content-Disposition not one ASCII line: {disposition!r}")
    if options.get("filename") != display_name:  # filename* decoded, else filename
        problems.append(f"Content-Disposition names {options.get('filename')!r}, "
                        f"not {display_name!r}")
    if not display_name.isascii() and "filename*=UTF-8''" not in disposition:
        problems.append("a non-ASCII name without filename*")
    return problems
