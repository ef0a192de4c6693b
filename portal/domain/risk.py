"""Risk signs: the words of a customer who is about to escalate (seeds 000–004).

`assess(text)` reads a complaint or a reply and names the signs it shows, as stable codes:

- "manager": asks for a manager, supervisor, boss, someone in charge, or to escalate
  ("speak to your manager", "cho tôi gặp quản lý", "chuyển lên cấp trên", "gặp sếp");
- "abuse": abusive language (a modest list of swear words and insults aimed at people, EN+VI);
- "threat_legal": lawyers, suing, courts, the police ("luật sư", "kiện", "tòa án",
  "báo công an");
- "threat_public": bad reviews, social media, the press ("bóc phốt", "đăng lên mạng",
  "báo chí", "one-star review", "post this on Facebook").

`repeated_contact(n)` is the fifth sign, from counting, not from words.

How matching works, and the choices made:

- Customers write Vietnamese with or without accents. Every pattern is written once, with
  accents, and matched on the text folded like the search index folds it ("Kiện" → "kien",
  the pattern too), on word boundaries.
- Folding merges words: "kiện" (to sue) and "kiến" (ant, in "kiến thức", "ý kiến"),
  "gặp" (meet) and "gấp" (urgent), "đăng" (post) and "đang" (-ing), "chó" (dog) and "cho"
  (give), "ngu" (stupid) and "ngủ" (sleep, "đồ ngủ" pyjamas). Such a word is matched
  *folded* only in a context that settles it ("sẽ kiện", "khởi kiện", "kiện công ty",
  "đăng lên mạng"); written *with its accents* it also matches alone ("kiện!"), which is
  why some patterns are ACCENTED: matched only on the text as typed. Even accented, "kiện"
  is also a parcel ("kiện hàng", "bưu kiện", "2 kiện") or part of "sự kiện", "điều kiện",
  "phụ kiện", "linh kiện"; those are left out.
- A bare noun is not a request: "your supervisor approved my refund", "manage my account",
  "management fee", "phí quản lý", "giám đốc chi nhánh đã duyệt" are not flagged. Asking is
  a verb of asking (speak, talk, transfer, get, want, demand, gặp, nói chuyện với, chuyển
  lên…) followed by the person within a few linking words.
- Social networks are named for many harmless reasons ("log in with Facebook", "saw your ad
  on Facebook"): they count after a verb of posting or telling in the same sentence.
- Negation and quoting are out of scope, on purpose: "I am not going to sue" IS flagged. The
  flag asks a person to look, an agent clears it in one click, and a missed threat costs more
  than a second look.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from portal.search.analysis import fold

MANAGER = "manager"
ABUSE = "abuse"
THREAT_LEGAL = "threat_legal"
THREAT_PUBLIC = "threat_public"
REPEATED_CONTACT = "repeated_contact"
# In the order agents read them.
REASONS = (THREAT_LEGAL, THREAT_PUBLIC, MANAGER, ABUSE, REPEATED_CONTACT)
TEXT_REASONS = (MANAGER, ABUSE, THREAT_LEGAL, THREAT_PUBLIC)

# Customer messages without an agent's answer (the complaint counts as the first one).
REPEATED_CONTACT_AT = 3


@dataclass(frozen=True)
class Assessment:
    reasons: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


def _not_after(*words: str) -> str:
    """Lookbehinds refusing a match right after any of `words` (each fixed width)."""
    return "".join(rf"(?<!\b{re.escape(word)} )" for word in words)


# --- English --------------------------------------------------------------------------------

_ASK = (r"(?:speak|talk|chat|transfer|connect|put|escalate|get|want|need|demand|ask(?:ing)? for"
        r"|request(?:ing)?|call|contact|report (?:this|you|it)|complain)")
_LINK = (r"(?:to|with|me|through|a|an|the|your|ur|you|some|someone|somebody|this|it|directly"
         r"|now|immediately|right|away|please|over|up|straight)")
_BOSS = (r"(?:managers?|supervisors?|boss|bosses|superiors?|someone (?:more )?senior"
         r"|someone in charge|person in charge|whoever is in charge|higher[- ]ups?"
         r"|head of (?:department|customer service|support|the branch))")
_NOT_A_ROLE = r"(?!['’]s)(?! (?:account|role|app|access|permission|portal|login)s?\b)"

_EN_ABUSE_WORDS = (
    # swearing
    r"f+u+c+k+\w*|fck\w*|fuk|motherf\w+|shit|shits|shitty|bullshit|assholes?|arseholes?"
    r"|bastards?|bitch\w*|dickheads?|cunts?|wankers?|twats?|pricks?|scumbags?|douche\w*"
    # insults
    r"|idiots?|morons?|imbeciles?|retard(?:ed|s)?"
    # aimed at someone
    r"|go to hell|screw you|damn you|piss off|shut up|stfu|wtf|kill you")
_YOU_ARE = (r"\byou(?:['’]re| are| r| guys are| people are| lot are| all are)? (?:all )?"
            r"(?:so |such |just |a bunch of |bunch of |a |an )?(?:stupid|useless|incompetent"
            r"|pathetic|clowns?|liars?|thie(?:f|ves)|crooks?|scammers?|frauds?|criminals?"
            r"|losers?|a joke|jokes)\b")

_EN_VENUE = (r"(?:social media|facebook|fb|twitter|tiktok|instagram|youtube|reddit|trustpilot"
             r"|google reviews?|yelp|the press|newspapers?|journalists?|reporters?|the news"
             r"|tv|television|the media|the internet)")
_EN_TELL = (r"(?:post|posting|posted on|share|sharing|write|writing|put|putting|publish"
            r"|publishing|tell|telling|expose|exposing|go|going|take|taking|spread|spreading"
            r"|contact|call|blast|report)")

# --- Vietnamese (written with accents, matched folded unless in an ACCENTED list) -------------

_VI_ASK = (r"(?:gặp|gặp mặt|nói chuyện(?: trực tiếp)?(?: với)?|làm việc(?: trực tiếp)? với"
           r"|trao đổi(?: trực tiếp)? với|chuyển(?: máy| cuộc gọi| yêu cầu| hồ sơ| vụ này"
           r"| việc này| chuyện này)?(?: này)? (?:cho|lên|tới|đến)|báo cáo(?: lên| với| tới)?"
           r"|báo (?:cho|lên|với|tới)|phản ánh (?:lên|với|tới)|khiếu nại (?:lên|với|tới)"
           r"|kết nối (?:với|tới)|gọi điện (?:cho|tới)|đưa lên|yêu cầu gặp|mời)")
_VI_FILL = r"(?:người|bên|cấp|ban|phía|anh|chị|ông|bà|cho|tôi|mình|em|ngay|trực tiếp|lên|với)"
_VI_BOSS = (r"(?:quản lý|giám đốc|cấp trên|lãnh đạo|trưởng phòng|trưởng bộ phận|trưởng nhóm"
            r"|sếp|người phụ trách|người có thẩm quyền|người có trách nhiệm)")
_VI_YOURS = (r"(?:của|bên) (?:bạn|em|các bạn|các em|anh|chị|các anh|các chị|mấy người"
             r"|mấy bạn|bọn|ngân hàng|công ty)")

# "kiện" folded is also "kiến"/"kiên": these neighbours say it is not about suing.
_NOT_KIEN = _not_after("ý", "sự", "điều", "bưu", "linh", "văn", "dữ", "phụ", "một", "hai",
                       "ba", "mấy", "các", "những", "từng", "nhiều", "thùng") + r"(?<!\d )"
_NOT_KIEN_AFTER = (r"(?! (?:nghị|thức|tạo|trúc|nhẫn|quyết|trì|định|cố|giang|hàng|toàn|cường"
                   r"|tâm|nhận)\b)")
_VI_SUE = (r"(?:sẽ|đi|dám|phải|khởi|quyết|làm đơn|đâm đơn|nộp đơn|đệ đơn|viết đơn|đơn|muốn"
           r"|cứ|thì) kiện\b" + _NOT_KIEN_AFTER)
_VI_SUED = (r"\bkiện (?:công ty|các bạn|bạn|ngân hàng|bên|ra tòa|ra toà|lên tòa|lên toà"
            r"|tới cùng|đến cùng|tụng)\b")
_VI_POLICE = (r"(?:báo|trình báo|gọi|nhờ|mời|tố cáo|kiện)(?: cho| lên| với| tới)? (?:công an"
              r"|cảnh sát|cơ quan chức năng|cơ quan công an|bộ công an)\b")

_VI_SHARE = (r"(?:đăng lên|đăng bài|đăng tải|chia sẻ|share|viết bài|review|đưa lên|bóc phốt"
             r"|kể lên)")
_VI_VENUE = (r"(?:mạng xã hội|mạng|facebook|face|fb|tiktok|youtube|zalo|group|hội nhóm"
             r"|diễn đàn|báo|báo chí)")

FOLDED: dict[str, tuple[str, ...]] = {
    MANAGER: (
        rf"\b{_ASK}\b(?: {_LINK}\b){{0,4}} {_BOSS}\b{_NOT_A_ROLE}",
        r"\b(?:escalate (?:this|it|my (?:complaint|case|ticket|issue))"
        r"|(?:want|need|demand) (?:this|it) escalated)\b",
        rf"\b{_VI_ASK}(?: {_VI_FILL}){{0,3}} {_VI_BOSS}\b",
        rf"\b(?:sếp|quản lý|giám đốc|lãnh đạo|cấp trên) {_VI_YOURS}\b",
    ),
    ABUSE: (
        rf"\b(?:{_EN_ABUSE_WORDS})\b",
        _YOU_ARE,
        r"\b(?:khốn nạn|súc vật|ngu ngốc|ngu dốt|ngu như (?:bò|chó|lợn|heo)|bọn lừa đảo"
        r"|lũ lừa đảo|quân lừa đảo|đồ mất dạy|vcl|vkl|vcc|dmm|dcm|dkm|cmm|clgt|địt mẹ)\b",
        r"(?<!\bhạt )\bóc chó\b",
    ),
    THREAT_LEGAL: (
        r"\b(?:lawyers?|attorneys?|solicitors?|lawsuits?|legal action|legal proceedings"
        r"|legal steps|class action|small claims|court case|see you in court"
        r"|(?:in|to) court)\b",
        r"\b(?:sue|suing) (?:you|your|u|the|this|them|for|over)\b",
        r"\b(?:will|going to|gonna|shall|i['’]ll|would|to|and) sue\b",
        r"\b(?:report (?:you|this company|your company|you guys|your bank) to the police"
        r"|call the police on you)\b",
        r"\b(?:luật sư|tòa án|toà án|khởi kiện|kiện tụng|đơn kiện|ra tòa|ra toà|hầu tòa)\b",
        _NOT_KIEN + r"\b" + _VI_SUE,
        _VI_SUED,
        rf"\b{_VI_POLICE}",
    ),
    THREAT_PUBLIC: (
        r"\b(?:bad|negative|terrible|awful|horrible|scathing) reviews?\b",
        r"\b(?:1|one|zero|0)[- ]?stars?\b",
        r"\b(?:go(?:ing)? public|make (?:this|it) public|go viral|tell everyone|tell all my"
        r" friends|warn (?:everyone|others|other customers|people))\b",
        rf"\b{_EN_TELL}\b[^.!?\n]{{0,60}}?\b{_EN_VENUE}\b",
        r"\b(?:bóc phốt|dính phốt|đăng lên mạng|đưa lên mạng|đưa lên báo|đăng lên báo|đăng báo"
        r"|mạng xã hội|tẩy chay|dân mạng|cộng đồng mạng|cho cả thiên hạ|làm to chuyện"
        r"|làm lớn chuyện)\b",
        r"\b(?:đánh giá|review|vote|rate|cho) (?:1|một|0|không) sao\b",
        rf"\b{_VI_SHARE}\b[^.!?\n]{{0,40}}?\b{_VI_VENUE}\b",
        r"\b(?:liên hệ|gọi|nhờ|mời|gửi|cho) báo chí\b",
    ),
}

# Matched only on the text as typed: their folded spelling is another common word.
ACCENTED: dict[str, tuple[str, ...]] = {
    MANAGER: (r"\bcấp trên\b",),
    ABUSE: (
        r"\b(?:đéo|địt|đụ|lồn|cặc|buồi|đĩ|cứt|đm|đmm|đcm|đkm|vãi lồn|mẹ mày|bố mày|cha mày"
        r"|bọn mày|chúng mày|tụi mày|lũ mày|vô học|mất dạy|đồ khốn|đồ lừa đảo)\b",
        r"\b(?:đồ|thằng|con|bọn|lũ|tụi|mấy đứa) (?:ngu|chó)\b",
        r"\bngu (?:vãi|quá|thế|vậy|thật|như)\b",
    ),
    THREAT_LEGAL: (
        _NOT_KIEN + r"\bkiện\b(?! (?:hàng|toàn)\b)",
        r"\btố cáo\b",
    ),
    THREAT_PUBLIC: (
        r"\bphốt\b",
        r"\blên báo\b",
        r"\bbáo chí\b",
        rf"\bđăng\b[^.!?\n]{{0,40}}?\b{_VI_VENUE}\b",
    ),
}


def _compile(patterns: dict[str, tuple[str, ...]], *, folded: bool
             ) -> dict[str, tuple[re.Pattern[str], ...]]:
    """Patterns are written with accents; the folded set folds them like the text (which
    lower-cases too: so no upper-case escapes such as \\B or \\W in a pattern)."""
    def prepared(pattern: str) -> str:
        pattern = unicodedata.normalize("NFC", pattern)
        return fold(pattern) if folded else pattern

    return {reason: tuple(re.compile(prepared(p)) for p in group)
            for reason, group in patterns.items()}


_FOLDED = _compile(FOLDED, folded=True)
_ACCENTED = _compile(ACCENTED, folded=False)


def _normalise(text: str) -> str:
    """One composition of accents, lower case, one kind of apostrophe, single spaces."""
    text = unicodedata.normalize("NFC", text or "").lower().replace("’", "'")
    return " ".join(text.split())


def assess(text: str) -> Assessment:
    """The risk signs the words of `text` show (a complaint, or one customer reply)."""
    typed = _normalise(text)
    if not typed:
        return Assessment()
    folded = fold(typed)
    found = {reason for reason in TEXT_REASONS
             if any(p.search(folded) for p in _FOLDED.get(reason, ()))
             or any(p.search(typed) for p in _ACCENTED.get(reason, ()))}
    return Assessment(tuple(reason for reason in REASONS if reason in found))


def repeated_contact(customer_messages_since_last_agent_reply: int) -> bool:
    """Three or more messages from the customer and no answer from us in between."""
    return customer_messages_since_last_agent_reply >= REPEATED_CONTACT_AT


def merge(current: list[str] | None, found: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(all reasons, the new ones): `found` added to `current` without duplicates."""
    before = [reason for reason in (current or []) if isinstance(reason, str)]
    new = [reason for reason in found if reason not in before]
    return before + new, new
