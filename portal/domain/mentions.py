"""`@name` mentions in internal notes.

A staff member's handle is the local part of their e-mail address, compared case-insensitively:
eszter@example.com is `@eszter`, thu.ha@example.com is `@thu.ha`. Two people whose addresses
share a local part share a handle, and a mention reaches both.

What is not a mention: an e-mail address ("write to eszter@example.com"), a path or link
("example.com/@eszter"), and anything in Markdown code (`@eszter` in backticks, fenced
blocks), so agents can quote text without pinging colleagues. A trailing full stop or comma
ends the handle ("Ask @eszter.").
"""

from __future__ import annotations

import re

# Fenced blocks first (``` or ~~~ … to the closing fence or the end), then inline code spans
# (a run of backticks up to the same run).
_FENCED = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^[ ]{0,3}\1[ \t]*$|\Z)",
                     re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
# "@" not preceded by a character that would make it part of an address, a path or a word;
# the handle starts and ends with a letter/digit/"_" and may hold ".", "+" and "-" inside; it
# may not run on into another "@" or handle character (then it is an address).
_MENTION = re.compile(r"(?<![\w.@/+\-`])@(\w(?:[\w.+-]*\w)?)(?![\w@+-])")


def handle_for(email: str) -> str:
    """The handle of the person with this e-mail address, lower case, without the "@"."""
    return email.strip().rsplit("@", 1)[0].lower()


def _without_code(text: str) -> str:
    return _INLINE_CODE.sub(" ", _FENCED.sub("\n", text))


def parse_mentions(text: str) -> list[str]:
    """The handles mentioned in `text`, lower case, each once, in the order they appear."""
    handles: list[str] = []
    for match in _MENTION.finditer(_without_code(text or "")):
        handle = match.group(1).lower()
        if handle not in handles:
            handles.append(handle)
    return handles
