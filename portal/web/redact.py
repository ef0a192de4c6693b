"""Keep secrets in URLs out of the logs.

Private tracking links (/t/<token>), e-mail verification links and password-reset links carry
their secret in the path. Access logs (werkzeug in development, gunicorn in production) would
otherwise write it to disk, where anyone reading logs could open the ticket or the account.
The filter rewrites such paths to `/t/[redacted]` in the record's message and in its
arguments, whether those are a tuple (werkzeug, %-style) or a mapping (gunicorn's access atoms).
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping

REDACTED = "[redacted]"
SECRET_PATHS = ("/t/", "/my/verify-email/", "/password/reset/")
_SECRET_IN_PATH = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in SECRET_PATHS) + r")[^\s\"'?#/&<>]+")
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    return _SECRET_IN_PATH.sub(r"\1" + REDACTED, text)


def _redact_value(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactSecretsFilter(logging.Filter):
    """Rewrites the record in place and always lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, MutableMapping):
            # gunicorn passes its own dict subclass (missing keys read as "-"): keep the object
            for key, value in list(args.items()):
                if isinstance(value, str):
                    args[key] = redact(value)
        elif isinstance(args, tuple):
            record.args = tuple(_redact_value(value) for value in args)
        return True


def install_redaction(names: tuple[str, ...] = LOGGERS) -> None:
    """Attach the filter to the access and server loggers, once however many apps are made."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactSecretsFilter) for existing in logger.filters):
            logger.addFilter(RedactSecretsFilter())
