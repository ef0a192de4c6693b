"""What a signed-in person can reach: the pages (by following links from a few starting
points) and the POST forms on them, with their fields, as a browser would see them.

The fuzz tests post random values into every form found and random query strings to every
page's endpoint, so a form or page added later is fuzzed without being listed anywhere.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

START = ("/", "/help", "/forum", "/complaints/new", "/track", "/account", "/my/complaints",
         "/agent/", "/agent/knowledge", "/admin/", "/reports/")
# Forms that end the crawler's own session (requiring two-step sign-in of staff would send the
# staff crawlers to its set-up for the rest of the run; tests/web/test_mfa.py posts it), and
# links that leave the site or stream files.
SKIPPED_ACTIONS = ("/logout", "/sign-out", "/admin/security")
SKIPPED_LINKS = ("/static/", "/attachments/", "/logout")


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, hidden, file, email, number, …
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    page: str  # where it was found
    action: str
    fields: dict[str, Field] = field(default_factory=dict)

    @property
    def csrf_token(self) -> str:
        token = self.fields.get("csrf_token")
        return token.value if token else ""



class _PageParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "a" and attributes.get("href"):
            self.links.append(urljoin(self.page, attributes["href"]))
        elif tag == "form":
            method = attributes.get("method", "get").lower()
            action = urljoin(self.page, attributes.get("action") or self.page)
            self._form = Form(self.page, action) if method == "post" else None
        elif self._form is not None:
            self._field(tag, attributes)

    def _field(self, tag, attributes):
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "button"):
            kind = attributes.get("type", "text")
            known = self._form.fields.get(name)
            if kind in ("radio", "checkbox") and known is not None:
                known.options.append(attributes.get("value", "on"))
            else:
                self._form.fields[name] = Field(name, kind, attributes.get("value", ""),
                                                [attributes.get("value", "on")])
        elif tag == "textarea" and name:
            self._textarea = self._form.fields[name] = Field(name, "textarea")
        elif tag == "select" and name:
            self._select = self._form.fields[name] = Field(name, "select")
        elif tag == "option" and self._select is not None:
            self._select.options.append(attributes.get("value", ""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


@dataclass
class SiteMap:
    pages: dict[str, str] = field(default_factory=dict)  # endpoint → one path that shows it
    forms: dict[tuple, Form] = field(default_factory=dict)  # (endpoint, field names) → form
    query_names: dict[str, set[str]] = field(default_factory=dict)  # endpoint → arg names


def explore(client, url_map, *, limit: int = 250, per_endpoint: int = 3,
            start=START) -> SiteMap:
    """Breadth-first over same-site links (GET only) from `start`: at most `limit` pages and
    `per_endpoint` pages of one endpoint (one article page shows what all of them do). A form
    repeated on many pages (language switch, a list's row actions) is kept once."""
    routes = url_map.bind("localhost")
    start = [*start, *(rule.rule for rule in url_map.iter_rules()
                       if "GET" in rule.methods and not rule.arguments
                       and not rule.rule.startswith(SKIPPED_LINKS))]
    found, visits = SiteMap(), {}
    queue, queued = deque(start), set(start)
    while queue and sum(visits.values()) < limit:
        url = queue.popleft()
        endpoint = _endpoint(routes, url, "GET")
        if endpoint is None or visits.get(endpoint, 0) >= per_endpoint:
            continue
        visits[endpoint] = visits.get(endpoint, 0) + 1
        answer = client.get(url)
        if answer.status_code != 200 or "html" not in answer.mimetype:
            continue
        found.pages.setdefault(endpoint, url)
        parser = _PageParser(url)
        parser.feed(answer.get_data(as_text=True))
        for form in parser.forms:
            action = _endpoint(routes, form.action, "POST")
            if action and not urlsplit(form.action).path.endswith(SKIPPED_ACTIONS):
                found.forms.setdefault((action, tuple(sorted(form.fields))), form)
        for link in parser.links:
            parts = urlsplit(link)
            if parts.netloc not in ("", "localhost") or parts.path.startswith(SKIPPED_LINKS):
                continue
            target = _endpoint(routes, parts.path, "GET")
            if target:
                found.query_names.setdefault(target, set()).update(
                    name for name, _ in parse_qsl(parts.query))
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path not in queued:
                queued.add(path)
                queue.append(path)
    return found


def _endpoint(routes, url: str, method: str) -> str | None:
    try:
        endpoint, _args = routes.match(urlsplit(url).path, method=method)
    except Exception:  # not found, wrong method, a redirect rule: not a page to explore
        return None
    return endpoint
