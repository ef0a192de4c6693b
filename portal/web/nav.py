"""The site's main navigation: the links a visitor may open, built once per page in Python
(a Jinja macro per link re-checked the visitor's role and re-translated on every call)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from flask import request
from flask_babel import lazy_gettext as _l

from portal.web.translating import catalogue_memo, current_translations

# (endpoint, label) in the header's order; a link shows only when the visitor may open it.
MAIN_NAV = (
    ("kb.index", _l("Help centre")),
    ("forum.index", _l("Community")),
    ("tickets.new", _l("Submit a complaint")),
    ("track.lookup", _l("Track a complaint")),
    ("agent.queue", _l("Agent console")),
    ("editor.articles", _l("Articles")),
    ("reports.index", _l("Reports")),
)


class NavLink(NamedTuple):
    url: str
    label: str
    here: bool  # the page shown belongs to this link's section (aria-current)


def main_nav(has_page: Callable[[str], bool], url_for: Callable[..., str]) -> list[NavLink]:
    """The visible links; `url_for` is the templates' (remembering) one. A label is translated
    once per catalogue: it has no variables, so the catalogue alone decides its text."""
    endpoint = request.endpoint
    section = endpoint.split(".", 1)[0] if endpoint else None
    labels = catalogue_memo(current_translations())
    links = []
    for target, label in MAIN_NAV:
        if has_page(target):
            text = labels.get(("nav", target))
            if text is None:
                text = labels[("nav", target)] = str(label)
            links.append(NavLink(url_for(target), text, target.split(".", 1)[0] == section))
    return links
