"""No script runs from what a customer or an agent types: every payload below goes through a
complaint's subject, details, contact name and file names, a customer's reply (through the
page's form, with a file) and an agent's public reply; then the ticket page, its JSON and the
e-mails are checked with the standard library's HTML parser.

HTML (pages, HTML e-mails) must hold no <script> element of ours-but-not-ours, no on*
attribute, no javascript:/vbscript:/data:text/html URL and no active element (iframe, object,
svg…). Template syntax in input is shown as typed, never evaluated (no "49" from {{7*7}}).
Plain-text e-mail parts are text/plain: a "<script>" there is shown as the characters typed, so
for them the test checks that the text arrives verbatim and unevaluated.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from sqlalchemy import select

from portal.domain.tickets import Status, Visibility
from portal.extensions import db
from portal.models import OutboxMessage
from portal.services import tickets
from portal.services.ticket_files import Upload
from tests.helpers import post_form
from tests.web.track_support import PDF, PNG, file_ticket, open_link

PAYLOADS = [
    # script elements
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "\"><script>alert(1)</script>",
    "'><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "`<script>alert(1)</script>`",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" onerror=\"&#97;lert(1)\">",
    "<svg onload=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<div onmouseover=\"alert(1)\">hover</div>",
    # javascript: and friends
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\" javascript:alert(1)\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    # SVG and MathML
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # Markdown links and images
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "![img](javascript:alert(1))",
    "![x](x\" onerror=\"alert(1))",
    "[x](https://example.com\" onmouseover=\"alert(1))",
    "<javascript:alert(1)>",
    "[a][r]\n\n[r]: javascript:alert(1)",
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    # template syntax
    "{{7*7}}",
    "{{ 7*7 }}",
    "{% if 1 %}{{7*7}}{% endif %}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "{{ config }}{{ self.__init__.__globals__ }}",
    # unicode tricks
    "\u202e<script>alert(1)</script>",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "<scr\u200bipt>alert(1)</scr\u200bipt>",
    "[x](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(1))",
    "\u2028<script>alert(1)</script>\u2029",
]

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background",
                  "poster", "srcdoc", "content"}
ACTIVE_TAGS = {"iframe", "object", "embed", "base", "svg", "math", "frame", "frameset",
               "applet", "isindex", "style"}
BAD_URL = re.compile(r"^(javascript|vbscript|data:text/html)", re.IGNORECASE)


class Audit(HTMLParser):
    """Collects what would be dangerous in a document, and its visible text."""

    def __init__(self, *, email: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.email = email
        self.problems: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            src = attributes.get("src") or ""
            if self.email or not src.startswith("/static/js/"):
                self.problems.append(f"script element {attrs}")
            self._in_script = True
        if tag in ACTIVE_TAGS:
            self.problems.append(f"active element <{tag}>")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append("meta http-equiv")
        if tag == "link" and not (attributes.get("href") or "").startswith("/static/"):
            self.problems.append(f"link to {attributes.get('href')}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value}")
            if name == "style" and not self.email:
                self.problems.append("inline style on a page")
            squeezed = re.sub(r"[\s\x00-\x1f]", "", value or "")
            if name in URL_ATTRIBUTES and BAD_URL.match(squeezed):
                self.problems.append(f"{name}={value}")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script {data!r}")
        self.text.append(data)


def audit(document: str, *, email: bool = False) -> Audit:
    parser = Audit(email=email)
    parser.feed(document)
    parser.close()
    return parser


def assert_not_evaluated(text: str, payload: str) -> None:
    """Between the markers stands what was typed: template syntax never turns into 49."""
    segments = re.findall(r"QQ1(.*?)QQ2", text, flags=re.DOTALL)
    assert segments, "the marked text is shown"
    if "49" not in payload:
        assert not [segment for segment in segments if "49" in segment], segments
    assert "test-secret-key" not in text


def _marked(payload: str) -> str:
    return f"QQ1 {payload} QQ2"


def _as_browsers_send(name: str) -> str:
    """Browsers percent-encode these in a multipart file name (the HTML standard says so)."""
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


@pytest.fixture
def ticket_with(app, now, make_user):
    """File a complaint made of the payload, reply with it as the guest and as an agent; give
    back the guest's browser and the ticket."""
    def make(payload: str):
        filing = file_ticket(now, email="xss@example.com", subject=_marked(payload),
                             description=_marked(payload), contact_name=payload.strip()[:120],
                             uploads=[Upload(f"{payload}.pdf", PDF)])
        client = app.test_client()
        open_link(client, filing.token)
        reference = filing.ticket.reference
        upload = (BytesIO(PNG), _as_browsers_send(f"{payload}.png"))
        response = post_form(client, f"/track/{reference}/reply",
                             {"body": _marked(payload), "attachments": [upload]},
                             from_page=f"/track/{reference}", content_type="multipart/form-data")
        assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
        agent = make_user("supervisor", name="Agent")
        tickets.staff_reply(filing.ticket, tickets.as_staff(agent), _marked(payload),
                            visibility=Visibility.PUBLIC, now=now,
                            then_status=Status.PENDING_CUSTOMER)
        return client, filing.ticket

    return make


def test_there_are_at_least_50_payloads():
    assert len(PAYLOADS) >= 50 and len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("document", [
    "<script>alert(1)</script>", '<script src="/static/js/x.js">alert(1)</script>',
    '<script src="https://evil.example/x.js"></script>', "<img src=x onerror=alert(1)>",
    '<a href=" JaVa\tScRiPt:alert(1)">x</a>', "<svg></svg>", '<iframe src="/"></iframe>',
    '<meta http-equiv="refresh" content="0">', '<p style="color:red">x</p>',
    '<a href="data:text/html,x">x</a>',
])
def test_the_audit_notices_what_it_must(document):
    assert audit(document).problems, "a checker that finds nothing proves nothing"


def test_the_audit_allows_the_layout_s_own_scripts():
    assert audit('<script src="/static/js/portal.js" defer></script><p>Hi</p>').problems == []


@pytest.mark.parametrize("payload", PAYLOADS, ids=[str(i) for i in range(len(PAYLOADS))])
def test_payload_runs_nowhere(ticket_with, payload):
    client, ticket = ticket_with(payload)

    page = client.get(f"/track/{ticket.reference}")
    assert page.status_code == 200
    checked = audit(page.get_data(as_text=True))
    assert checked.problems == []
    text = "".join(checked.text)
    assert " ".join(_marked(payload).split()) in text, "the subject is shown as typed"
    assert_not_evaluated(text, payload)

    raw = client.get(f"/api/tickets/{ticket.reference}").get_data(as_text=True)
    assert "<" not in raw and ">" not in raw, "JSON carries no mark-up characters at all"
    data = json.loads(raw)
    assert [m["text"] for m in data["messages"]] == [_marked(payload).strip()] * 2
    assert_not_evaluated(json.dumps(data, ensure_ascii=False), payload)

    mails = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert len(mails) == 2, "received, and the agent's reply"
    for mail in mails:
        checked = audit(mail.body_html, email=True)
        assert checked.problems == []
        assert_not_evaluated("".join(checked.text) + mail.subject, payload)
        # the plain-text part shows what was typed, as text, unevaluated
        assert " ".join(_marked(payload).split()) in mail.body_text
        assert_not_evaluated(mail.body_text, payload)
