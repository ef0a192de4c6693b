"""Markdown to safe HTML. Raw HTML in the source is never trusted: nh3 keeps an allow-list."""

from __future__ import annotations

import html
import re

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_markdown(source: str) -> str:
    html = markdown_lib.markdown(source, extensions=["tables", "sane_lists"],
                                 output_format="html")
    html = re.sub(r"<(/?)h1\b", r"<\1h2", html)  # the page title is the only h1
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=ALLOWED_SCHEMES, link_rel="noopener noreferrer nofollow")


def plain_text(source: str) -> str:
    """The words of a Markdown text without mark-up, for the index and excerpts."""
    text = html.unescape(nh3.clean(markdown_lib.markdown(source), tags=set()))
    return " ".join(text.split())
