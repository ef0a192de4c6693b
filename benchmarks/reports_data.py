"""Two years of a help desk's history for benchmarks/reports.py, bulk-inserted with SQLAlchemy
Core (executemany in chunks), the same on SQLite and PostgreSQL.

Each ticket's life is drawn first on the business calendar (business seconds to the first
reply, to the resolution, paused while waiting for the customer), then turned into moments with
the configured calendar, so that the per-ticket figure columns agree with the timestamps, the
messages, the events, the escalation rows and the survey. A ticket whose resolution lies after
`now` is still open: the backlog falls out of the history.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from benchmarks.agent_queue import EN, NAMES, VI, random_reference

CHUNK = 5000
DAY = 86400
PRIORITIES = (("low", 1, 15), ("normal", 2, 60), ("high", 3, 20), ("urgent", 4, 5))
FRT_MEDIAN_HOURS = {"low": 6, "normal": 4, "high": 1.5, "urgent": 0.5}
CHANNELS = (("web", 78), ("agent", 15), ("forum", 7))
KINDS = (("functional", 35), ("hierarchical", 30), ("automatic", 35))
AUTO_LEVELS = ((1, 55), (2, 35), (3, 10))
TRIGGERS = {1: "first_response_breach", 2: "resolution_breach", 3: "level3"}
SCORES = ((1, 6), (2, 5), (3, 11), (4, 30), (5, 48))
COMMENTS = {
    1: ["Nobody read what I wrote.", "Ba lần gọi mà vẫn chưa ai giải quyết.",
        "The refund took a month."],
    2: ["Slow, and I had to explain everything twice.", "Trả lời chậm, phải nhắc nhiều lần."],
    3: ["Solved in the end, but it took too long.", "Tạm ổn, nhưng chờ hơi lâu."],
    4: ["Helpful agent, thanks.", "Nhân viên hỗ trợ nhiệt tình.", "Quick and clear."],
    5: ["Excellent, solved the same day!", "Rất hài lòng, cảm ơn em An.",
        "Fast refund, very polite staff.", "Tuyệt vời, xử lý nhanh gọn."],
}
REPLIES_EN = ["Hello, thank you for writing to us. I am looking into it now.",
              "I have checked your account and corrected the charge.",
              "Could you send us a photo of the receipt, please?"]
REPLIES_VI = ["Chào anh/chị, em đã nhận được thông tin và đang kiểm tra.",
              "Em đã hoàn lại khoản phí bị trừ thừa vào tài khoản của anh/chị.",
              "Anh/chị vui lòng gửi giúp em ảnh chụp hóa đơn ạ."]
CUSTOMER_EN = ["Thanks, here is the photo.", "Still not fixed, I am afraid.", "Thank you!"]
CUSTOMER_VI = ["Em gửi ảnh hóa đơn ạ.", "Vẫn chưa được, nhờ kiểm tra lại giúp.", "Cảm ơn em!"]
SEARCHES = ["refund", "hoàn tiền", "track my order", "mã vận đơn", "reset password",
            "đổi mật khẩu", "annual fee", "phí thường niên", "cancel subscription",
            "hủy gói cước", "card declined", "thẻ bị từ chối", "late delivery", "giao hàng chậm",
            "change phone number", "đổi số điện thoại", "warranty claim", "bảo hành",
            "invoice", "hóa đơn đỏ", "otp not received", "không nhận được mã otp",
            "damaged parcel", "hàng bị hỏng", "promo code", "mã giảm giá", "charged twice",
            "bị trừ tiền hai lần", "delete account", "xóa tài khoản"]
ZERO = ["refnud", "hoan tien the tin dung ngoai te", "crypto payment", "giao hàng sao hỏa",
        "qwerty", "fax number", "đổi tiền xu cổ", "api rate limit"]


class Timeline:
    """The configured business calendar as a sorted list of working windows (epoch seconds),
    so that adding business time is a bisection instead of a walk over the days."""

    def __init__(self, calendar, first: date, last: date) -> None:
        self.opens, self.closes, self.before = [], [], []
        total = 0.0
        day = first
        while day <= last:
            window = calendar.working_window(day)
            if window is not None:
                opening, closing = (w.timestamp() for w in window)
                self.opens.append(opening)
                self.closes.append(closing)
                self.before.append(total)
                total += closing - opening
            day += timedelta(days=1)
        self.ends = [b + (c - o) for b, o, c in zip(self.before, self.opens, self.closes,
                                                    strict=True)]

    def position(self, moment: float) -> float:
        """Business seconds from the timeline's start to `moment`."""
        i = bisect.bisect_right(self.opens, moment) - 1
        if i < 0:
            return 0.0
        return self.before[i] + min(moment, self.closes[i]) - self.opens[i]

    def at(self, position: float) -> float:
        i = min(bisect.bisect_left(self.ends, position), len(self.ends) - 1)
        return self.opens[i] + max(0.0, position - self.before[i])

    def add(self, moment: float, seconds: float) -> float:
        return self.at(self.position(moment) + seconds)

    def working_days(self, moment: float, days: int) -> float:
        """The close of the days-th working window from `moment` (add_working_days)."""
        i = bisect.bisect_right(self.closes, moment)
        return self.closes[min(i + days, len(self.closes) - 1)]

    def due(self, moment: float, target) -> float:
        unit = getattr(target.unit, "value", target.unit)
        if unit == "working_days":
            return self.working_days(moment, target.amount)
        return self.add(moment, target.amount * 3600)


@dataclass
class World:
    """What the generator needs from the freshly migrated database."""

    now: datetime
    years: float
    teams: list[int]
    agents_by_team: dict[int, list[int]]
    categories: list[tuple[int, int]]    # (category id, its team id)
    articles: list[int]
    policies: dict[str, object]          # priority -> domain.sla.Policy
    timeline: Timeline
    written_up: list[tuple[int, datetime]] = field(default_factory=list)


def _pick(rng: random.Random, weighted) -> object:
    values, weights = zip(*((row[0], row[-1]) for row in weighted), strict=True)
    return rng.choices(values, weights)[0]


def _moment(rng: random.Random, world: World, span: float) -> float:
    """A filing time: most during office hours on working days, the rest at any hour."""
    now = world.now.timestamp()
    while True:
        moment = now - rng.random() * span
        if rng.random() < 0.3:
            return moment
        i = bisect.bisect_right(world.timeline.opens, moment) - 1
        if i >= 0 and moment < world.timeline.closes[i]:
            return moment


def _dt(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(round(epoch), UTC)


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma))


class Batch:
    """Rows per table, flushed in chunks of CHUNK with one executemany each."""

    def __init__(self, connection, tables) -> None:
        self.connection, self.tables = connection, tables
        self.rows: dict[str, list[dict]] = {name: [] for name in tables}
        self.counts: dict[str, int] = dict.fromkeys(tables, 0)

    def add(self, table: str, row: dict) -> None:
        rows = self.rows[table]
        rows.append(row)
        if len(rows) >= CHUNK:
            self.flush()  # every table, parents first: no row before the ticket it names

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.tables):
            if self.rows[name]:
                self.connection.execute(self.tables[name].insert(), self.rows[name])
                self.counts[name] += len(self.rows[name])
                self.rows[name] = []


def tickets(batch: Batch, world: World, count: int, rng: random.Random) -> None:
    """`count` tickets with their events, messages, escalations and surveys."""
    span = world.years * 365 * DAY
    taken: set[str] = set()
    for ticket_id in range(1, count + 1):
        _ticket(batch, world, ticket_id, rng, span, taken)
    batch.flush()


def write_ups(world: World) -> list[dict]:
    """The articles written up from escalated tickets (inserted after the tickets, whose
    article_id is then set): one each, a few hours after the resolution."""
    rows = []
    for n, (ticket_id, resolved_at) in enumerate(world.written_up, start=len(world.articles) + 1):
        moment = resolved_at + timedelta(hours=5)
        rows.append({**_article(n, moment), "source_ticket_id": ticket_id, "status": "draft",
                     "visibility": "internal", "title": f"Write-up of ticket {ticket_id}"})
    return rows


def _ticket(batch: Batch, world: World, ticket_id: int, rng: random.Random, span: float,
            taken: set[str]) -> dict:
    tl, now = world.timeline, world.now.timestamp()
    created = _moment(rng, world, span)
    vi = rng.random() < 0.55
    priority = _pick(rng, PRIORITIES)
    rank = {p: r for p, r, _ in PRIORITIES}[priority]
    category_id, team_id = rng.choice(world.categories)
    channel = _pick(rng, CHANNELS)
    agents = world.agents_by_team[team_id]
    assignee = rng.choice(agents)
    policy = world.policies[priority]
    self_solved = rng.random() < 0.03  # "my problem is solved" before any answer
    replies = 0 if self_solved else _pick(rng, ((1, 58), (2, 26), (3, 11), (4, 5)))
    escalations = _pick(rng, ((0, 85), (1, 12), (2, 3)))
    reopens = _pick(rng, ((0, 92), (1, 6), (2, 2)))
    frt = None if self_solved else _lognormal(rng, FRT_MEDIAN_HOURS[priority] * 3600, 1.0)
    paused = _lognormal(rng, 5 * 3600, 0.8) if rng.random() < 0.25 and replies else 0.0
    work = _lognormal(rng, 9 * 3600, 1.1) * (1 + escalations) * (1 + 0.5 * reopens)
    start = tl.position(created)
    first_at = tl.at(start + frt) if frt is not None else None
    resolution = (frt or 0) + work
    resolved_at = tl.at(start + resolution + paused)
    if first_at is not None and first_at > now:
        status, first_at, resolved_at = "new", None, None
        replies = 0
    elif resolved_at > now:
        status, resolved_at = rng.choices(["open", "pending_customer"], [80, 20])[0], None
    else:
        status = "closed" if resolved_at + 3 * DAY < now and rng.random() < 0.85 else "resolved"
    active = resolved_at is None
    if active:
        escalations = min(escalations, 1) if status != "new" else 0
        reopens = 0
    fr_due = tl.due(created, policy.first_response)
    res_due = tl.add(tl.due(created, policy.resolution), paused)
    last = resolved_at if resolved_at is not None else now
    kinds = [_pick(rng, KINDS) for _ in range(escalations)]
    levels = sorted(_pick(rng, AUTO_LEVELS) for k in kinds if k == "automatic")
    esc_times = sorted(created + rng.random() * (last - created) for _ in kinds)
    if escalations and not active and rng.random() < 0.25:
        world.written_up.append((ticket_id, _dt(resolved_at)))
    team_after = team_id
    ticket = {
        "id": ticket_id, "reference": random_reference(rng, taken),
        "subject": rng.choice(VI if vi else EN).format(n=100000 + ticket_id,
                                                       d=rng.randint(3, 40)),
        "description": "Khiếu nại chi tiết." if vi else "The details of the complaint.",
        "description_html": "", "category_id": category_id, "priority": priority,
        "flagged_urgent": priority == "urgent", "status": status, "customer_id": None,
        "contact_name": rng.choice(NAMES), "contact_email": f"customer{ticket_id}@example.com",
        "contact_phone": "", "account_number": "", "locale": "vi" if vi else "en",
        "channel": channel, "team_id": team_id, "tier": 1, "assignee_id": assignee,
        "session_hash": hashlib.sha256(f"s{ticket_id}".encode()).hexdigest()
        if channel == "web" else "",
        "created_at": _dt(created), "updated_at": _dt(last),
        "first_response_due_at": _dt(fr_due), "resolution_due_at": _dt(res_due),
        "first_response_at": _dt(first_at), "resolved_at": _dt(resolved_at),
        "closed_at": _dt(resolved_at + 3 * DAY) if status == "closed" else None,
        "resolution_note": "" if active else ("Đã xử lý." if vi else "Sorted."),
        "lesson_learned": "", "version_id": 1,
        "sla_due_at": None if not active or status == "pending_customer" else
        _dt(fr_due if first_at is None else res_due),
        "sla_paused_at": _dt(now - 3600) if status == "pending_customer" else None,
        "sla_remaining_seconds": 3600 * 8 if status == "pending_customer" else None,
        "priority_rank": rank, "escalation_level": levels[-1] if levels else 0,
        "escalated_at": _dt(esc_times[-1]) if esc_times else None, "escalated_to_id": None,
        "risk_flag": False, "risk_reasons": [], "article_id": None,
        "first_response_seconds": round(frt) if first_at is not None else None,
        "resolution_seconds": None if active else round(resolution),
        "paused_seconds": round(paused) if not active else 0, "public_agent_replies": replies,
        "reopen_count": reopens, "escalation_count": escalations,
    }
    later: list[dict] = []  # added after the ticket: a flush never writes them before it
    for n, (kind, moment) in enumerate(zip(kinds, esc_times, strict=True)):
        level = levels.pop(0) if kind == "automatic" else 0
        to_team = rng.choice(world.teams) if kind == "functional" else team_after
        to_tier = min(3, ticket["tier"] + 1) if kind != "functional" else ticket["tier"]
        later.append({
            "ticket_id": ticket_id, "kind": kind, "level": level,
            "trigger": TRIGGERS[level] if level else "manual", "from_team_id": team_after,
            "from_tier": ticket["tier"], "from_assignee_id": assignee, "to_team_id": to_team,
            "to_tier": to_tier, "to_user_id": None,
            "reason": "" if level else "Needs a specialist.",
            "actor_id": None if level else assignee,
            "key": f"auto:{ticket_id}:L{level}:{n}" if level else None,
            "created_at": _dt(moment)})
        team_after, ticket["tier"] = to_team, to_tier
    ticket["team_id"] = team_after
    if team_after != team_id:
        ticket["assignee_id"] = rng.choice(world.agents_by_team[team_after])
    batch.add("tickets", ticket)
    for row in later:
        batch.add("escalations", row)
        _event(batch, ticket_id, "escalated", row["created_at"].timestamp(),
               "system" if row["level"] else "agent", row["actor_id"], public=True)
    _history(batch, world, ticket, rng, created, first_at, resolved_at, replies, reopens, vi)
    return ticket


def _event(batch: Batch, ticket_id: int, kind: str, moment: float, actor_kind: str,
           actor_id: int | None, *, public: bool, to_value: str = "") -> None:
    batch.add("ticket_events", {"ticket_id": ticket_id, "type": kind, "actor_id": actor_id,
                                "actor_kind": actor_kind, "from_value": "",
                                "to_value": to_value, "data": {}, "key": None,
                                "public": public, "created_at": _dt(moment)})


def _message(batch: Batch, ticket: dict, moment: float, agent: bool, body: str) -> None:
    batch.add("ticket_messages", {
        "ticket_id": ticket["id"], "author_id": ticket["assignee_id"] if agent else None,
        "author_kind": "agent" if agent else "customer",
        "author_name": "Agent" if agent else ticket["contact_name"], "body_md": body,
        "body_html": f"<p>{body}</p>", "visibility": "public", "created_at": _dt(moment)})


def _history(batch: Batch, world: World, ticket: dict, rng: random.Random, created: float,
             first_at: float | None, resolved_at: float | None, replies: int, reopens: int,
             vi: bool) -> None:
    tid, agent = ticket["id"], ticket["assignee_id"]
    _event(batch, tid, "received", created, "customer", None, public=True, to_value="new")
    _event(batch, tid, "team_assigned", created, "system", None, public=False)
    if first_at is None:
        if resolved_at is not None:  # solved by the customer before any answer
            _event(batch, tid, "resolved", resolved_at, "customer", None, public=True)
        return
    end = resolved_at if resolved_at is not None else world.now.timestamp()
    moments = [first_at] + sorted(first_at + rng.random() * (end - first_at)
                                  for _ in range(replies - 1))
    for moment in moments:
        _message(batch, ticket, moment, True, rng.choice(REPLIES_VI if vi else REPLIES_EN))
        _event(batch, tid, "agent_replied", moment, "agent", agent, public=True)
        if rng.random() < 0.5:
            answer = moment + min(rng.random() * 6 * 3600, max(0.0, end - moment) / 2)
            _message(batch, ticket, answer, False, rng.choice(CUSTOMER_VI if vi else CUSTOMER_EN))
            _event(batch, tid, "customer_replied", answer, "customer", None, public=True)
    for n in range(reopens):  # an earlier resolution, reopened by the customer
        moment = first_at + (end - first_at) * (n + 1) / (reopens + 2)
        _event(batch, tid, "resolved", moment, "agent", agent, public=True)
        _event(batch, tid, "reopened", moment + 1800, "customer", None, public=True)
    if resolved_at is None:
        return
    _event(batch, tid, "resolved", resolved_at, "agent", agent, public=True)
    if ticket["status"] == "closed":
        _event(batch, tid, "closed", resolved_at + 3 * DAY, "system", None, public=True)
    _survey(batch, world, ticket, rng, resolved_at)


def _survey(batch: Batch, world: World, ticket: dict, rng: random.Random,
            resolved_at: float) -> None:
    """About 60 % of resolved tickets are surveyed; about 40 % of those answer."""
    if rng.random() >= 0.6:
        return
    now = world.now.timestamp()
    sent = resolved_at + 3600
    answered = rng.random() < 0.4 and sent + 600 < now
    responded = sent + min(_lognormal(rng, 5 * 3600, 1.5), 6 * DAY) if answered else None
    if responded is not None and responded > now:
        responded = None
    score = _pick(rng, SCORES) if responded is not None else None
    reminded = sent + 72 * 3600 if responded is None and sent + 72 * 3600 < now else None
    lang = 1 if ticket["locale"] == "vi" else 0
    comment = ""
    if score is not None and rng.random() < 0.35:
        options = COMMENTS[score]
        comment = options[min(len(options) - 1, lang + 2 * rng.randint(0, 1))]
    batch.add("surveys", {
        "ticket_id": ticket["id"], "created_at": _dt(resolved_at), "send_after": _dt(sent),
        "sent_at": _dt(sent) if sent <= now else None,
        "reminder_due_at": _dt(sent + 72 * 3600) if sent <= now else None,
        "reminded_at": _dt(reminded), "score": score,
        "solved": None if score is None else (score >= 3 or rng.random() < 0.3),
        "comment": comment, "responded_at": _dt(responded), "updated_at": _dt(responded),
        "follow_up": score is not None and score <= 2,
        "follow_up_done_at": _dt(responded + 2 * DAY)
        if score is not None and score <= 2 and responded + 2 * DAY < now else None,
        "follow_up_by_id": None, "follow_up_note": ""})


def searches(batch: Batch, world: World, count: int, rng: random.Random) -> None:
    """Help-centre searches (8 % find nothing) and the complaint form's suggestions: shown to
    four in ten web filers and to as many browsers that filed nothing; opened, then decided
    (deflected: nothing filed within 30 minutes)."""
    now, span = world.now.timestamp(), world.years * 365 * DAY
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(SEARCHES))]
    for n in range(count):
        moment = _moment(rng, world, span)
        zero = rng.random() < 0.08
        query = rng.choice(ZERO) if zero else rng.choices(SEARCHES, weights)[0]
        batch.add("search_logs", {
            "query": query, "results_count": 0 if zero else rng.randint(1, 40),
            "clicked_slug": None, "session_hash": f"{n % 50000:064x}",
            "source": rng.choices(["page", "api", "suggest"], [70, 10, 20])[0],
            "created_at": _dt(moment)})
        if n % 2 or not world.articles:
            continue
        shown = moment + 60
        clicked = shown + 90 if rng.random() < 0.35 else None
        outcome = "" if clicked is None else rng.choices(["deflected", "filed"], [58, 42])[0]
        for k in range(3):
            opened = clicked if k == 0 else None
            batch.add("article_suggestions", {
                "session_hash": f"{n:064x}", "article_id": rng.choice(world.articles),
                "query": query, "shown_at": _dt(shown), "clicked_at": _dt(opened),
                "outcome": outcome if opened else "",
                "decided_at": _dt(opened + 1800) if opened and opened + 1800 < now else None})


def article_rows(count: int, now: datetime, rng: random.Random) -> Iterator[dict]:
    for n in range(1, count + 1):
        yield _article(n, now - timedelta(days=rng.randint(1, 900)))


def _article(n: int, moment: datetime) -> dict:
    return {"id": n, "slug": f"bench-article-{n}", "title": f"How to sort out problem {n}",
            "summary": "", "body_md": "Steps.", "body_html": "<p>Steps.</p>",
            "category_id": None, "tags": [], "visibility": "public", "status": "published",
            "language": "vi" if n % 2 else "en", "author_id": None, "source_ticket_id": None,
            "created_at": moment, "updated_at": moment, "published_at": moment,
            "deleted_at": None, "view_count": 0, "helpful_yes": 0, "helpful_no": 0,
            "version_id": 1}
