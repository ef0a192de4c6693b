"""The XSS corpus and its checker (tests/security_corpus/): a checker that finds nothing proves
nothing, so here it must find every payload that runs when put into a page unsanitised, and
pass what the portal's own pages legitimately hold. No app needed."""

from __future__ import annotations

import re

import pytest

from tests.security_corpus import html_check
from tests.security_corpus.html_check import blame, check, evaluations, problems, segments
from tests.security_corpus.xss import BY_KEY, GROUPS, PAYLOADS

# Groups of raw HTML attacks: unsanitised in a page, each of these runs in a browser...
RAW_HTML_GROUPS = {"script", "handler", "url", "svg", "active", "style"}
# ...except these, which browsers parse as text, a comment or a harmless element.
INERT_IN_BROWSERS = {
    "<scr<script>ipt>alert(1)</scr</script>ipt>", "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>", "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;", "<img src=`x`onerror=alert(1)>",
}


def _page(body: str) -> str:
    return f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>"


def test_the_corpus_is_large_grouped_and_covers_the_earlier_lists():
    texts = [payload.text for payload in PAYLOADS]
    assert len(texts) >= 100 and len(set(texts)) == len(texts)
    assert [payload.key for payload in PAYLOADS] == list(range(1, len(PAYLOADS) + 1))
    assert set(GROUPS) >= {"script", "handler", "url", "svg", "active", "style", "markdown",
                           "template", "unicode", "context"}
    assert all(sum(p.group == group for p in PAYLOADS) >= 5 for group in GROUPS)
    earlier = pytest.importorskip("tests.web.test_ticket_xss").PAYLOADS
    assert set(earlier) <= set(texts), "every payload of test_ticket_xss.py"
    templates = [p for p in PAYLOADS if p.group == "template"]
    assert sum(bool(p.evaluated) for p in templates) >= len(templates) - 2
    assert {"{{7*7}}", "{{ config }}", "{{''.__class__}}", "${7*191}", "#{7*191}",
            "<%= 7*191 %>", "{% raw %}{{7*191}}{% endraw %}"} <= set(texts)


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if p.group in RAW_HTML_GROUPS
                                     and p.text not in INERT_IN_BROWSERS],
                         ids=lambda p: p.id)
def test_every_raw_html_attack_is_found_unsanitised(payload):
    found = problems(_page(payload.marked()), where="raw")
    assert found, f"{payload.text!r} put into a page as it is would run"
    assert payload.id in found[0], "the finding names its payload"


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if p.group == "context" and "<" not in
                                     p.text and re.search(r"\bon\w+=", p.text)],
                         ids=lambda p: p.id)
def test_an_attribute_break_out_is_found(payload):
    quote = payload.text[0]
    assert check(_page(f"<input value={quote}{payload.text}{quote}>")).findings


@pytest.mark.parametrize("document", [
    '<a href="java&#x09;script:alert(1)">x</a>', '<a href=" \x01JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#14; javascript:alert(1)">x</a>', '<a href="javascript&colon;alert(1)">x</a>',
    '<img srcset="x.png 1x, javascript:alert(1) 2x">', '<form action="vbscript:x">',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<svg><a xlink:href="javascript:alert(1)">x</a></svg>', '<iframe src="/"></iframe>',
    '<object data="/x"></object>', '<embed src="/x">', '<base href="/">',
    '<meta http-equiv="refresh" content="0;url=/">', '<p style="color:red">x</p>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<script>alert(1)</script>", '<script src="https://evil.example/x.js"></script>',
    '<script src="/static/../evil.js"></script>', "<script>", "<textarea></textarea><svg>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
])
def test_the_checker_reads_urls_and_elements_as_a_browser_does(document):
    assert check(_page(document)).findings, document


@pytest.mark.parametrize("css", ["width:expression(alert(1))", "x:\\65 xpression(alert(1))",
                                 "x:exp/**/ression(alert(1))", "background:url( 'javascript:x')",
                                 "-moz-binding:url(x.xml#x)", "behavior:url(x.htc)"])
def test_dangerous_css_is_found_even_in_e_mails(css):
    assert check(f'<p style="{css}">x</p>', email=True).findings


@pytest.mark.parametrize("document", [
    '<script src="/static/js/portal.js" defer></script><p>Hi</p>',
    '<link rel="stylesheet" href="/static/css/portal.css">',
    '<link rel="canonical" href="https://help.example.com/help/articles/x">',
    '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">',
    '<a href="/track/X">x</a><a href="https://example.com/">y</a><a href="mailto:a@b.c">z</a>',
    "<textarea>&lt;script&gt;alert(1)&lt;/script&gt;</textarea>",
    "<title>&lt;img src=x onerror=alert(1)&gt;</title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    '<p data-text="&lt;script&gt;" title="&quot; onmouseover=&quot;x">x</p>',
])
def test_the_checker_passes_what_pages_legitimately_hold(document):
    assert check(_page(document)).findings == []


def test_inline_styles_are_allowed_in_e_mails_and_svg_where_allowed():
    assert check('<p style="color:#333">x</p>', email=True).findings == []
    assert check('<svg role="img"><title>x</title><rect/></svg>',
                 allow=frozenset({"svg"})).findings == []
    assert check('<svg onload="alert(1)"></svg>', allow=frozenset({"svg"})).findings
    assert check('<script src="/static/js/portal.js"></script>', email=True).findings


def test_template_evaluation_is_found_between_markers():
    seven, leet, config = BY_KEY[112], BY_KEY[114], BY_KEY[127]
    assert seven.text == "{{7*7}}" and leet.text == "{{7*191}}" and config.text == "{{ config }}"
    assert evaluations(f"{seven.start} 49 {seven.end}", [seven])
    assert evaluations(f"{leet.start} 1337 {leet.end}", [leet])
    assert evaluations(f"{config.start} <Config {{'DEBUG': False}}> {config.end}", [config])
    assert not evaluations(f"{seven.start} {{{{7*7}}}} {seven.end} at 12:49", [seven])
    assert not evaluations(f"{seven.start} {{{{7<em>7}}}} {seven.end}", [seven])
    # the end marker removed by a sanitiser: the node's end closes the segment
    document = _page(f'<p>{seven.start} {{{{7*7</p><a href="/x?ref=ab49cd">x</a>')
    assert not problems(document, where="page", payloads=[seven])
    assert segments(f"{seven.start} a{html_check.SEPARATOR}49", seven) == [" a"]
    # text only evaluated templates show, anywhere on the page
    assert evaluations("", [], visible="Total: 1337")
    assert evaluations("key test-secret-key-that-is-long-enough", [])


def test_a_finding_names_the_payload_around_it():
    one, two = BY_KEY[23], BY_KEY[30]
    document = _page(f"<p>{one.start} <img src=x onerror=alert(1)> {one.end}</p>"
                     f"<p>{two.start} safe {two.end}</p>")
    found = problems(document, where="page")
    assert len(found) == 1 and one.id in found[0] and two.id not in found[0]
    # a file name keeps what follows the payload's last "/": the end marker names it
    tail = _page(f"<a download href='/a'>alert(1)<img src=x onerror=alert(1)> {one.end}</a>")
    assert one.id in blame(tail, tail.index("<img"))
