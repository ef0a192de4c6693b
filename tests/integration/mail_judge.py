"""The judge of tests/integration/test_mail_header_injection.py: the payloads, an SMTP server
that keeps each message's envelope, and a Judge that delivers the outbox and checks every
message that arrives: only the expected headers, one of each, the one intended recipient in
the To header and in the envelope, a one-line Subject, and never evil@example.com anywhere."""

from __future__ import annotations

import email
import email.policy
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses

from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.extensions import db, limiter
from portal.models import OutboxMessage
from portal.notify.outbox import send_due
from tests.security_figures import current_test, record_figure
from tests.smtp import Inbox, SMTPServer

EVIL = "evil@example.com"
HEADER_PAYLOADS: tuple[str, ...] = (
    "\r",
    "\n",
    "\r\n",
    "\r\nBcc: evil@example.com",
    "\nBcc: evil@example.com",
    "\rBcc: evil@example.com",
    "\r\n Bcc: evil@example.com",
    "\r\n\r\nAn injected body",
    "\r\nTo: evil@example.com",
    "\r\nReply-To: evil@example.com",
    "\r\nContent-Type: text/html",
    "%0d%0aBcc: evil@example.com",
    "%0D%0ABcc:evil@example.com",
    "\\r\\nBcc: evil@example.com",
    "\u2028Bcc: evil@example.com",
    "\u2029Bcc: evil@example.com",
    "\x85Bcc: evil@example.com",
    "\x0bBcc: evil@example.com",
    "\x0cBcc: evil@example.com",
    "\x1cBcc: evil@example.com",
    "\x1dBcc: evil@example.com",
    "\x1eBcc: evil@example.com",
    "\x00Bcc: evil@example.com",
    "\tBcc: evil@example.com",
    # RFC 2047 encoded words that decode to a line break (CVE-2024-6923 in Python's e-mail)
    " =?utf-8?q?=0D=0ABcc:_evil@example.com?= ",
    "=?utf-8?q?=0D=0ABcc:_evil@example.com?=",
    " =?utf-8?b?DQpCY2M6IGV2aWxAZXhhbXBsZS5jb20=?=",
    " =?iso-8859-1?q?=0AReply-To:_evil@example.com?=",
    # lists and display names where one address belongs
    ", evil@example.com",
    "; evil@example.com",
    " <evil@example.com>",
    "\"\r\nBcc: evil@example.com",
)
# Whole addresses for the e-mail fields: the payloads after a real address, and addresses
# the e-mail package would read as something else.
ADDRESS_PAYLOADS: tuple[str, ...] = (
    *(f"{{who}}@example.com{payload}" for payload in HEADER_PAYLOADS),
    "{who}@example.com\r\nBcc: evil@example.com",
    "{who}%0d%0aBcc:evil@example.com@example.com",
    "=?utf-8?q?evil=40example.com=2C_{who}?=@example.com",
    "=?utf-8?q?=0D=0ABcc=3A_evil=40example.com?=@example.com",
    "\"evil@example.com\"@example.com",
    "{who}@example.com,evil@example.com",
    "Someone <{who}@example.com>",
)
ALLOWED_HEADERS = {"from", "to", "subject", "date", "message-id", "mime-version",
                   "content-type", "content-transfer-encoding"}
LINE_BREAKS = {"\r", "\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"}
KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')


# --- the SMTP server and the judge ------------------------------------------------------------

class EnvelopeInbox(Inbox):
    """Keeps each message's SMTP envelope and raw bytes too."""

    def __init__(self) -> None:
        super().__init__()
        self.envelopes: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((list(envelope.rcpt_tos), envelope.content))
        return await super().handle_DATA(server, session, envelope)


class EnvelopeSMTPServer(SMTPServer):
    def __init__(self) -> None:
        super().__init__()
        self.inbox = EnvelopeInbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)


class Judge:
    """Delivers the outbox and judges every message that arrives."""

    def __init__(self, server: EnvelopeSMTPServer) -> None:
        self.server = server
        self.messages = 0
        self.inputs = 0
        self.problems: list[str] = []
        self.judged_failures: set[int] = set()

    def status(self, label: str, response) -> int:
        self.inputs += 1
        if response.status_code >= 500:
            self.problems.append(f"{label}: status {response.status_code}")
        return response.status_code

    def deliver(self, label: str, allowed: set[str], *, at: datetime | None = None,
                expect: int = 0) -> int:
        """Send what is due; judge each message. Returns how many arrived."""
        moment = at or datetime.now(UTC) + timedelta(minutes=5)
        counts = send_due(moment, self.server.transport(), limit=10_000)
        if counts["retry"]:
            self.problems.append(f"{label}: {counts['retry']} message(s) to retry")
        refused = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == "failed", OutboxMessage.id.not_in(self.judged_failures)))
        for row in refused:  # refused at once, never sent: only for an unsafe address
            self.judged_failures.add(row.id)
            if row.recipient in allowed or not row.last_error.startswith("UnsafeHeader"):
                self.problems.append(f"{label}: {row.recipient!r} failed: {row.last_error}")
        arrived = list(self.server.inbox.envelopes)
        self.server.inbox.envelopes.clear()
        self.server.inbox.messages.clear()
        for recipients, raw in arrived:
            self._judge(label, recipients, raw, allowed)
        if len(arrived) < expect:
            self.problems.append(f"{label}: {len(arrived)} message(s), expected {expect}")
        return len(arrived)

    def _judge(self, label: str, recipients: list[str], raw: bytes, allowed: set[str]) -> None:
        self.messages += 1
        where = f"{label} → {recipients}: "
        head = raw.split(b"\r\n\r\n", 1)[0]
        names = [line.split(b":", 1)[0].decode("latin-1").strip().lower()
                 for line in head.split(b"\r\n") if line[:1] not in (b" ", b"\t")]
        if set(names) - ALLOWED_HEADERS:
            self.problems.append(f"{where}headers {sorted(set(names) - ALLOWED_HEADERS)}")
        if len(names) != len(set(names)):
            self.problems.append(f"{where}a header twice: {names}")
        if re.search(rb"[\x00\r\n]", head.replace(b"\r\n", b"")):
            self.problems.append(f"{where}a bare CR, LF or NUL in the headers")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        to = [address for _name, address in getaddresses(message.get_all("To", []))]
        if len(recipients) != 1 or to != recipients or recipients[0] not in allowed:
            self.problems.append(f"{where}To {to}, allowed {sorted(allowed)}")
        for name in ("Cc", "Bcc", "Reply-To"):
            if message.get_all(name):
                self.problems.append(f"{where}{name}: {message.get_all(name)}")
        subject = str(message["Subject"] or "")
        if any(ch in LINE_BREAKS or unicodedata.category(ch) == "Cc" for ch in subject):
            self.problems.append(f"{where}Subject is not one line: {subject!r}")
        # The typed words may name evil@example.com inside the Subject's text; no other header
        outside = [(key, str(value)) for key, value in message.items()
                   if key.lower() != "subject" and EVIL in str(value).lower()]
        if outside:
            self.problems.append(f"{where}{EVIL} in a header: {outside}")
        parts = [part.get_content_type() for part in message.iter_parts()]
        if message.get_content_type() != "multipart/alternative" or \
                parts != ["text/plain", "text/html"]:
            self.problems.append(f"{where}body {message.get_content_type()} {parts}")

    def assert_clean(self, *, inputs: int, at_least_messages: int) -> None:
        record_figure("Inputs", f"CR/LF and header payloads ({len(HEADER_PAYLOADS)}): "
                      f"{current_test()}", f"{len(self.problems)} injected or broken in "
                      f"{self.messages} e-mails from {self.inputs} inputs",
                      "0 injected headers", not self.problems and self.inputs == inputs)
        assert not self.problems, "\n".join(self.problems)
        assert self.inputs == inputs
        assert self.messages >= at_least_messages


def _fresh(app):
    limiter.reset()  # many submissions in one test; the limits have tests of their own
    return app.test_client()


def _name(payload: str) -> str:
    return f"Lan{payload}Pham"


def _storable(text: str) -> str:
    """PostgreSQL refuses NUL in text: what can be stored at all."""
    return text.replace("\x00", "") if db.engine.dialect.name == "postgresql" else text
