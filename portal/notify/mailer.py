"""How an outbox message leaves the building: printed (development) or over SMTP."""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
import sys
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Protocol, TextIO

from portal.notify.headers import set_headers

log = logging.getLogger(__name__)


class Sendable(Protocol):
    recipient: str
    subject: str
    body_text: str
    body_html: str


class Transport(Protocol):
    def send(self, message: Sendable) -> None: ...


def build_email(message: Sendable, sender: str) -> EmailMessage:
    """The e-mail of an outbox row. Its subject is made one line again (a row queued by older
    code may hold any text); a recipient that is not one plain address is refused
    (UnsafeHeader)."""
    email = EmailMessage()
    set_headers(email, sender=sender, recipient=message.recipient, subject=message.subject)
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(message, sender)
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def message_id(message: Sendable, sender: str) -> str:
    """The same Message-ID for every send of one outbox row.

    Sending is at-least-once: a worker killed after the SMTP server accepted an e-mail but
    before it recorded the send sends it again after restart (nothing can make the server's
    "accepted" and our commit one step). With one Message-ID per row, the second copy is the
    same message to mail programs that merge copies by Message-ID. It is a hash, so it tells
    nothing about the row. A message that is not an outbox row gets a random one."""
    domain = sender.rpartition("@")[2].strip("> ") or None
    row_id, created = getattr(message, "id", None), getattr(message, "created_at", None)
    if row_id is None or created is None:
        return make_msgid(domain=domain)
    seed = f"{row_id}:{int(created.timestamp())}:{message.recipient}".encode()
    return f"<{hashlib.sha256(seed).hexdigest()[:40]}@{domain or 'portal.invalid'}>"


class ConsoleTransport:
    """Development: prints each e-mail so a person can follow the links."""

    def __init__(self, sender: str, stream: TextIO | None = None) -> None:
        self.sender = sender
        self.stream = stream or sys.stdout

    def send(self, message: Sendable) -> None:
        email = build_email(message, self.sender)
        print(f"----- e-mail -----\n{email.get_body(('plain',)).as_string()}", file=self.stream)
        print(f"To: {email['To']}\nSubject: {email['Subject']}\n------------------",
              file=self.stream, flush=True)


class SMTPTransport:
    def __init__(self, *, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, use_tls: bool = True, use_ssl: bool = False,
                 timeout: int = 20) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.use_tls, self.use_ssl, self.timeout = use_tls, use_ssl, timeout

    def send(self, message: Sendable) -> None:
        email = build_email(message, self.sender)
        context = ssl.create_default_context()
        if self.use_ssl:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.use_tls and not self.use_ssl:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            # The envelope names the one recipient: never addresses read from the headers.
            client.send_message(email, from_addr=parseaddr(self.sender)[1] or None,
                                to_addrs=[message.recipient])


def transport_from_config(config: Mapping[str, object]) -> Transport:
    sender = str(config["MAIL_DEFAULT_SENDER"])
    if config["MAIL_BACKEND"] == "console":
        return ConsoleTransport(sender)
    if config["MAIL_BACKEND"] == "smtp":
        return SMTPTransport(
            host=str(config["MAIL_SERVER"]), port=int(config["MAIL_PORT"]), sender=sender,
            username=config.get("MAIL_USERNAME"), password=config.get("MAIL_PASSWORD"),
            use_tls=bool(config["MAIL_USE_TLS"]), use_ssl=bool(config["MAIL_USE_SSL"]),
            timeout=int(config["MAIL_TIMEOUT"]),
        )
    raise ValueError(f"unknown MAIL_BACKEND {config['MAIL_BACKEND']!r}")
