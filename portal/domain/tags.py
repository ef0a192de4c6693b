"""Ticket tags: agents type them freely ("Refund, late delivery"), the queue filters on them, so
each is normalised to one spelling: lower case, trimmed, inner spaces collapsed to one "-".

Letters of any script (Vietnamese too: "hoàn-tiền"), digits, "-" and "_" only; at most
TAG_MAX characters each and MAX_TAGS per ticket. Anything else is refused with a code that names
the tag, never silently dropped, so the agent sees what was not accepted.
"""

from __future__ import annotations

import re
import unicodedata

from portal.domain.errors import DomainError

TAG_MAX = 40  # the ticket_tags.tag column
MAX_TAGS = 10
_SPACES = re.compile(r"\s+")
_ALLOWED = re.compile(r"[\w-]+")  # \w on str: letters of every script, digits and "_"


class TagError(DomainError):
    """A tag the rules refuse; `tag` is what the agent typed (for the message)."""

    def __init__(self, code: str, tag: str = "") -> None:
        super().__init__(code, field="tags")
        self.tag = tag


def normalise_tag(raw: str) -> str:
    """" Late  Delivery " → "late-delivery"; NFC so a decomposed "ề" equals a composed one."""
    text = unicodedata.normalize("NFC", raw).strip().lower()
    return _SPACES.sub("-", text)


def parse_tags(text: str) -> list[str]:
    """The comma-separated list of the tags box as normalised tags, in the order typed, without
    duplicates or empty items. Raises TagError (tag_too_long, tag_invalid, too_many_tags)."""
    tags: list[str] = []
    for raw in (text or "").split(","):
        tag = normalise_tag(raw)
        if not tag or tag in tags:
            continue
        if len(tag) > TAG_MAX:
            raise TagError("tag_too_long", raw.strip())
        if not _ALLOWED.fullmatch(tag):
            raise TagError("tag_invalid", raw.strip())
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise TagError("too_many_tags")
    return tags


def tag_changes(before: list[str], after: list[str]) -> tuple[list[str], list[str]]:
    """(added, removed), each in a stable order, for the TAGS_CHANGED event."""
    added = [t for t in after if t not in before]
    removed = [t for t in before if t not in after]
    return added, removed
