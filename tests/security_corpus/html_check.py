"""Does an HTML document (a page, an HTML e-mail) hold anything a browser would run, and did a
template engine evaluate what someone typed?

The project sanitises with nh3, which has no parser to reuse, so this reads documents with the
standard library's HTML parser, and reads attribute values the way a browser's URL parser
does before it looks at the scheme: character references decoded (the parser does that), tabs
and newlines removed anywhere, leading and trailing spaces and C0 controls stripped, lower
case. What counts as executable (`check`):

- a <script> element, unless its src is one of this site's files under /static/ (in an
  e-mail: any <script>); text inside any <script>;
- any on* attribute;
- a javascript:, vbscript:, livescript: or data: URL in href, src, action, formaction,
  xlink:href, data, background, poster, srcset and similar (data:image/* only in an <img>'s
  src, and only when allowed); a srcdoc attribute;
- <iframe>, <frame>, <frameset>, <object>, <embed>, <applet>, <base>, <meta http-equiv>, and
  on a page also <svg>, <math>, <style> and a <link> that is not this site's own file or a
  canonical link;
- a style attribute or <style> element with expression(), a script URL, behavior: or
  -moz-binding (on a page, where the templates have no inline styles, any style attribute).

`evaluations` finds template evaluation: for each payload with `evaluated` strings, the text
between its markers (visible text and attribute values) must not hold them unless the payload
itself did.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

from tests.security_corpus.xss import PAYLOADS, Payload

URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "xlink:href", "data", "background", "poster",
    "srcset", "cite", "codebase", "dynsrc", "lowsrc", "ping", "manifest", "icon", "longdesc",
    "profile", "archive", "classid", "usemap", "to", "from", "values", "by",
})
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "livescript", "mocha", "data"})
SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp)[;,]")
ALWAYS_ACTIVE = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "base"})
PAGE_ACTIVE = frozenset({"svg", "math", "style"})
SAFE_LINK_RELS = frozenset({"canonical", "alternate"})
# Elements whose content a browser (with scripting on) reads as text up to their end tag:
# `<noscript><p title="</noscript><img onerror=…>">` runs, `<xmp><img onerror=…></xmp>` does not.
RAWTEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript",
                     "plaintext"})
RCDATA = frozenset({"textarea", "title"})  # text too, with character references decoded
# What a URL parser removes before it reads the scheme.
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_EDGE = "".join(chr(c) for c in range(0x21))
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_BAD_CSS = re.compile(r"expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding|"
                      r"@import|url\s*\(\s*['\"]?\s*(javascript|vbscript|data):")


@dataclass(frozen=True)
class Finding:
    kind: str
    detail: str
    offset: int  # where in the document (characters), for `blame`

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def url_scheme(value: str) -> str:
    """The scheme a browser reads from an attribute value (already entity-decoded), lower
    case, or "" for a relative URL."""
    squeezed = _TAB_NEWLINE.sub("", value).strip(_EDGE).lower()
    match = re.match(r"^([a-z][a-z0-9+.\-]*):", squeezed)
    return match.group(1) if match else ""


def is_script_url(value: str, *, data_image_ok: bool = False) -> bool:
    scheme = url_scheme(value)
    if scheme not in SCRIPT_SCHEMES:
        return False
    squeezed = _TAB_NEWLINE.sub("", value).strip(_EDGE).lower()
    return not (scheme == "data" and data_image_ok and SAFE_DATA_IMAGE.match(squeezed))


def css_is_dangerous(css: str) -> bool:
    def unescape(match: re.Match) -> str:
        if match.group(1):
            try:
                return chr(int(match.group(1), 16))
            except (ValueError, OverflowError):
                return ""
        return match.group(2)

    plain = _CSS_ESCAPE.sub(unescape, _CSS_COMMENT.sub("", css)).lower()
    return bool(_BAD_CSS.search(_TAB_NEWLINE.sub("", plain)))


def _own_static(src: str) -> bool:
    """A script of this site: a path under /static/ (no scheme, host or way out of it)."""
    return (src.startswith("/static/") and ".." not in src and "\\" not in src
            and url_scheme(src) == "")


class _Scanner(HTMLParser):
    CDATA_CONTENT_ELEMENTS = tuple(sorted(RAWTEXT | RCDATA))

    def __init__(self, source: str, *, email: bool, data_images: bool,
                 allow: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.email = email
        self.data_images = data_images
        self.active = (ALWAYS_ACTIVE | (frozenset() if email else PAGE_ACTIVE)) - allow
        self.findings: list[Finding] = []
        self.strings: list[str] = []  # text nodes and attribute values, in document order
        self.text: list[str] = []  # visible text only
        self._raw: str | None = None  # inside <script>/<style>: its tag
        self._lines = [0]
        for line in source.split("\n"):  # the parser counts lines by "\n" alone
            self._lines.append(self._lines[-1] + len(line) + 1)

    def set_cdata_mode(self, elem):
        """As a browser ends raw text: at "</name" followed by a space, "/" or ">"
        (<plaintext> never ends)."""
        self.cdata_elem = elem.lower()
        end = r"(?!)" if self.cdata_elem == "plaintext" else (
            "</" + re.escape(self.cdata_elem) + r"(?=[\t\n\f\r />])")
        self.interesting = re.compile(end, re.I)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[min(line - 1, len(self._lines) - 1)] + column

    def _find(self, kind: str, detail: str) -> None:
        self.findings.append(Finding(kind, detail, self._offset()))

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        source = self.get_starttag_text() or f"<{tag}>"
        if tag == "script" and (self.email or not _own_static(attributes.get("src", ""))):
            self._find("script element", source)
        if tag in RAWTEXT | RCDATA:
            self._raw = tag
        if tag in self.active:
            self._find("active element", source)
        if tag == "meta" and ("http-equiv" in attributes
                              or "url=" in attributes.get("content", "").lower()):
            self._find("meta refresh", source)
        if tag == "link":
            href = attributes.get("href", "")
            rels = set(attributes.get("rel", "").lower().split())
            own = _own_static(href) or (rels <= SAFE_LINK_RELS and rels
                                        and url_scheme(href) in {"http", "https"})
            if self.email or not own:
                self._find("foreign link", source)
        for name, value in attributes.items():
            if name.startswith("on"):
                self._find("event handler", f"{name}={value!r} in {source}")
            elif name == "srcdoc":
                self._find("srcdoc", source)
            elif name in URL_ATTRIBUTES:
                candidates = ([part.strip().split(" ")[0] for part in value.split(",")]
                              if name == "srcset" else [value])
                data_ok = self.data_images and tag == "img" and name in {"src", "srcset"}
                if any(is_script_url(c, data_image_ok=data_ok) for c in candidates):
                    self._find("script URL", f"{name}={value!r} in {source}")
            elif name == "style" and (not self.email or css_is_dangerous(value)):
                self._find("inline style", f"{value!r} in {source}")
            if value:
                self.strings.append(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._raw = None  # the parser opens no raw text for <script/>

    def handle_endtag(self, tag):
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        if self._raw == "script" and data.strip():
            self._find("inline script", repr(data[:200]))
        elif self._raw == "style":
            if css_is_dangerous(data):
                self._find("dangerous style element", repr(data[:200]))
        elif self._raw in RCDATA:
            self.text.append(html.unescape(data))
            self.strings.append(html.unescape(data))
        else:
            self.text.append(data)
            self.strings.append(data)


# Between the text nodes and attribute values of Report.strings: a control character forms
# strip from what people type, so no payload holds it.
SEPARATOR = "\x1f"


@dataclass
class Report:
    findings: list[Finding]
    text: str  # the visible text
    strings: str  # every text node and attribute value, in order, SEPARATOR between them


def check(document: str, *, email: bool = False, data_images: bool = True,
          allow: frozenset[str] = frozenset()) -> Report:
    """Parse `document` and report what would run (see the module's docstring). `allow`
    names elements of PAGE_ACTIVE the page itself uses (the reports' server-drawn <svg>);
    what is inside them is checked all the same."""
    scanner = _Scanner(document, email=email, data_images=data_images, allow=allow)
    scanner.feed(document)
    scanner.close()
    if scanner._raw and scanner.rawdata:  # raw text never closed: the parser keeps it back
        scanner.handle_data(scanner.rawdata)
    return Report(scanner.findings, "".join(scanner.text), SEPARATOR.join(scanner.strings))


_MARKER = re.compile(r"XQ(\d{3})([AZ])")
# Visible text that only an evaluated template string would produce (the payloads hold none
# of these): {{7*191}} and the like, {{'7'*7}}, {{config}}, {{''.__class__}}, globals, the
# test app's secret key.
_TELLS_IN_TEXT = re.compile(r"\b1337\b|7777777")
_TELLS = ("<Config", "SECRET_KEY", "test-secret-key", "<class '", "__builtins__",
          "wsgi.url_scheme", "uid=0(")


def segments(text: str, payload: Payload) -> list[str]:
    """What follows each of the payload's start markers in `text`, up to its end marker. When
    a sanitiser removed the end marker (or it is too far away to be this payload's), up to the
    end of the text node or attribute value (SEPARATOR), at most as long as the payload."""
    found = []
    reach = len(payload.text) + 60
    for match in re.finditer(re.escape(payload.start), text):
        rest = text[match.end():match.end() + 4 * reach]
        end = rest.find(payload.end)
        if end < 0 or len(rest[:end].replace(SEPARATOR, "")) > reach:
            end = min(rest.find(SEPARATOR) % (len(rest) + 1), reach)
        found.append(rest[:end].replace(SEPARATOR, ""))
    return found


def evaluations(text: str, payloads: Iterable[Payload] = PAYLOADS, *,
                visible: str = "") -> list[str]:
    """Template strings that were evaluated: a payload's `evaluated` text found after its
    start marker though the payload did not hold it; or anywhere, text only an evaluated
    template would show (`visible`: the visible text, for the checks that attribute values
    such as random tokens could trip)."""
    found = []
    for payload in payloads:
        for result in payload.evaluated:
            if result in payload.text:
                continue
            for segment in segments(text, payload):
                if result in segment:
                    found.append(f"{payload.id} {payload.text!r} evaluated: {segment!r}")
    for tell in _TELLS:
        at = text.find(tell)
        if at >= 0:
            found.append(f"{tell!r} shown: {text[max(0, at - 80):at + 80]!r}")
    for match in _TELLS_IN_TEXT.finditer(visible):
        at = match.start()
        found.append(f"{match.group()!r} shown: {visible[max(0, at - 80):at + 80]!r}")
    return found


def blame(document: str, offset: int, payloads: Iterable[Payload] = PAYLOADS) -> str:
    """The payload a finding at `offset` came from, when each payload was written between its
    markers: the one whose start marker comes last before it, or whose end marker comes first
    after it (a file name keeps only what follows the payload's last "/")."""
    by_key = {payload.key: payload for payload in payloads}
    before = [m for m in _MARKER.finditer(document, 0, offset + 1) if m.group(2) == "A"]
    after = next((m for m in _MARKER.finditer(document, offset) if m.group(2) == "Z"), None)
    names = []
    for match in ([before[-1]] if before else []) + ([after] if after else []):
        payload = by_key.get(int(match.group(1)))
        if payload is not None and payload.id not in {name.split(" ")[0] for name in names}:
            names.append(f"{payload.id} {payload.text!r}")
    return " or ".join(names) or "?"


def audit(document: str, *, where: str, email: bool = False,
          payloads: Iterable[Payload] = PAYLOADS, data_images: bool = True,
          allow: frozenset[str] = frozenset()) -> tuple[list[str], Report]:
    """Every finding and every evaluated template in `document`, each naming `where` and the
    payload it came from ([] when the document is clean), and the parsed document."""
    payloads = list(payloads)
    report = check(document, email=email, data_images=data_images, allow=allow)
    found = [f"{where}: {finding} <- payload {blame(document, finding.offset, payloads)}"
             for finding in report.findings]
    found += [f"{where}: {text}"
              for text in evaluations(report.strings, payloads, visible=report.text)]
    return found, report


def problems(document: str, *, where: str, email: bool = False,
             payloads: Iterable[Payload] = PAYLOADS, data_images: bool = True,
             allow: frozenset[str] = frozenset()) -> list[str]:
    """`audit`'s list alone: [] when the document is clean."""
    return audit(document, where=where, email=email, payloads=payloads,
                 data_images=data_images, allow=allow)[0]
