"""Open-redirect payloads for `next` and every other redirect target a visitor can influence,
and the browser's view of a Location header to judge where a redirect really goes.

Each payload, had the portal redirected to it as given, would send the browser to evil.com (or
run script) in at least one browser, or is a look-alike a careless check might let through.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import SplitResult, urlsplit

EVIL = "evil.com"

REDIRECT_PAYLOADS: tuple[str, ...] = (
    # absolute and protocol-relative
    "https://evil.com",
    "http://evil.com/phish",
    "HTTPS://EVIL.COM",
    "ftp://evil.com",
    "//evil.com",
    "///evil.com",
    "////evil.com/",
    "//evil.com/%2F..",
    "//evil.com\\@localhost",
    # backslashes: browsers read them as slashes in http(s) URLs
    "\\\\evil.com",
    "\\/evil.com",
    "/\\evil.com",
    "/\\/evil.com",
    "/\\\\evil.com",
    "\\\\\\evil.com",
    # a scheme without the slashes, or with odd ones
    "http:evil.com",
    "https:evil.com",
    "https:/evil.com",
    "https:/\\evil.com",
    "http:\\\\evil.com",
    "https:///evil.com",
    # script and data
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.domain)",
    "java\tscript:alert(1)",
    "javascript://%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    # percent-encoded slashes and backslashes
    "%2F%2Fevil.com",
    "/%2F%2Fevil.com",
    "/%2Fevil.com",
    "/%5Cevil.com",
    "%5C%5Cevil.com",
    "/%252F%252Fevil.com",
    "/%09/evil.com",
    # characters browsers strip (tab, CR, LF, other C0 controls and spaces at the ends)
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r\n/evil.com",
    "\t//evil.com",
    " //evil.com",
    "\x01//evil.com",
    "\x00//evil.com",
    "/\x00/evil.com",
    "//evil.com\x00",
    "/ /evil.com",
    # look-alike slashes, dots and line separators
    "／／evil.com",
    "/／evil.com",
    "\u2215\u2215evil.com",
    "//evil\u3002com",
    "/\u2028/evil.com",
    "/\x85/evil.com",
    "/\u200b/evil.com",
    # user-info and host confusion
    "evil.com",
    "@evil.com",
    "/@evil.com",
    "//localhost@evil.com",
    "http://localhost@evil.com",
    "http://127.0.0.1@evil.com",
    "https://localhost.evil.com",
    "http://evil.com#@localhost",
    "http://evil.com?@localhost/",
    "//evil.com:80@localhost",
    "//2130706433",
    "//0x7f.1",
    # international (IDN) hosts
    "https://еvil.com",
    "//xn--vil-8cd.com",
    # dot segments that climb to a double slash
    "/..//evil.com",
    "/.//evil.com",
    "/./\\evil.com",
    "/%2e%2e//evil.com",
    # header splitting through the Location header
    "%0d%0aLocation: http://evil.com",
    "/%0d%0aLocation:%20http://evil.com",
    "/\r\nLocation: http://evil.com",
    "/\r\nSet-Cookie: session=evil",
)

# Payloads a browser keeps on this host (the page "/@evil.com" of this site): a check may let
# them through. Every other payload must be refused.
ON_SITE_PAYLOADS: frozenset[str] = frozenset({"/@evil.com"})

# Real targets the site itself puts in `next`: a safe-redirect check must let these through.
SAFE_TARGETS: tuple[str, ...] = (
    "/",
    "/account",
    "/login",
    "/forum/threads/12?page=2#post-40",
    "/forum/new?category=questions",
    "/help/search?q=%C4%91i%E1%BB%87n+tho%E1%BA%A1i&page=2",
    "/help?",  # request.full_path of a page without a query string
    "/complaints/new?article=change-my-card",
    "/track/ABCD-EFGH",
    "/help/search?q=" + "%E1%BB%87" * 300,  # the longest search, all in Vietnamese
)

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_STRIPPED_ANYWHERE = str.maketrans("", "", "\t\n\r")


def browser_normalise(location: str) -> str:
    """The URL a browser parses from `location` (WHATWG URL parser): C0 controls and spaces cut
    from both ends, tab/CR/LF removed everywhere, backslashes read as slashes (http and https
    URLs, and relative URLs against an http(s) page), and any run of two or more leading
    slashes read as the start of a host."""
    text = location.strip("".join(chr(n) for n in range(0x21))).translate(_STRIPPED_ANYWHERE)
    text = text.replace("\\", "/")
    scheme = _SCHEME.match(text)
    if scheme:
        head, rest = text[:scheme.end()], text[scheme.end():]
        if head.lower() in ("http:", "https:", "ftp:", "ws:", "wss:") and rest.startswith("/"):
            rest = "//" + rest.lstrip("/")  # special schemes skip every slash before the host
        return head + rest
    if text.startswith("//"):
        return "//" + text.lstrip("/")
    return text


def browser_view(location: str) -> SplitResult:
    """urllib's split of the browser-normalised location."""
    return urlsplit(browser_normalise(location))


def is_off_site(location: str, *, own_origin: tuple[str, str] | None = None) -> bool:
    """Whether a browser that gets `Location: <location>` leaves the page's own origin (or runs
    script). Relative locations stay; an absolute one stays only when it names `own_origin`
    (scheme, host), e.g. ("http", "localhost") for the test client."""
    parts = browser_view(location)
    if not parts.scheme and not parts.netloc:
        return False
    if own_origin is None:
        return True
    host = unicodedata.normalize("NFKC", parts.hostname or "").rstrip(".")
    return (parts.scheme.lower(), host) != own_origin or parts.username is not None


def location_problem(location: str | None, *,
                     own_origin: tuple[str, str] | None = None) -> str | None:
    """Why a Location header is not a safe on-site target (None when it is)."""
    if location is None:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in location):
        return f"control character in Location {location!r}"
    if is_off_site(location, own_origin=own_origin):
        return f"off-site Location {location!r} (a browser reads {browser_normalise(location)!r})"
    return None
