"""About three months of support history for the demo, so that every report chart shows
something real: complaints filed, answered, escalated, resolved, reopened and surveyed through
the same services the pages use, each at its own past moment on the business calendar.

Every ticket's story is planned first (deterministically, from one seed), then all the steps of
all the tickets are played in time order, interleaved with what the worker would have done at
those moments: the SLA sweep (automatic escalations) and the survey e-mails; agents close most
resolved tickets with a lesson learned (the real worker closes the rest). Help-centre searches
and the complaint form's article suggestions (with their deflected / filed outcomes) are
written as rows directly.

Idempotent: tickets carry the submission key "hist-<n>" and are skipped when they exist; the
searches are written once, in one transaction. E-mails about events older than a day are
marked sent (they would have gone out then), so a fresh `make run` does not print hundreds.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import func, select, update

from portal.domain.business_calendar import BusinessCalendar, add_business_time
from portal.domain.errors import DomainError
from portal.domain.tickets import Channel, Status, Visibility
from portal.extensions import db
from portal.models import (
    Article,
    ArticleSuggestion,
    ComplaintCategory,
    OutboxMessage,
    SearchLog,
    Team,
    Ticket,
    User,
)
from portal.services import auto_escalation, escalation, knowledge_capture, sla_settings, surveys
from portal.services import demo_history_data as words
from portal.services import tickets as ticket_service

PREFIX = "hist-"
DAYS = 90
TICKETS = 200  # through the services, about 50 ms each: `make run` seeds on a fresh start
SEED = 20261124
SUPERVISOR = "supervisor@example.com"
CUSTOMERS = ["ha.pham@example.com", "khoi.vo@example.com", "bao.dang@example.com",
             "john.carter@example.com", "emily.nguyen@example.com"]
TICKS = (time(9, 0), time(15, 0))  # when the worker's jobs run, local time, on working days
SCORES = (1, 2, 3, 4, 5)
SCORE_WEIGHTS = (6, 6, 12, 32, 44)
SEARCH_MARK = hashlib.sha256(b"hist-searches").hexdigest()


@dataclass
class Plan:
    key: str
    filed_at: datetime
    category: str
    locale: str
    subject: str
    description: str
    customer: str | None           # a demo customer's e-mail, or None for a guest
    guest: tuple[str, str]
    urgent: bool
    by_phone: bool                 # filed by an agent for a caller (channel "agent")
    agent: str
    steps: list[tuple[datetime, str, dict]] = field(default_factory=list)


@dataclass
class Cast:
    people: dict[str, User]
    teams: dict[str, Team]
    categories: dict[str, ComplaintCategory]
    agents_by_team: dict[str, list[str]]


def _cast() -> Cast:
    people = {user.email: user for user in db.session.scalars(select(User))}
    teams = {team.name: team for team in db.session.scalars(select(Team).where(Team.active))}
    categories = {c.slug: c for c in db.session.scalars(select(ComplaintCategory).where(
        ComplaintCategory.active)) if c.slug in words.COMPLAINTS and c.default_team}
    agents = {name: sorted(u.email for u in team.members if u.is_staff and u.active
                           and u.role == "agent") for name, team in teams.items()}
    return Cast(people, teams, categories, agents)


# --- planning ---------------------------------------------------------------------------------

def _filing_moment(rng: random.Random, now: datetime, calendar: BusinessCalendar) -> datetime:
    """Mostly during office hours on working days, sometimes in the evening or at a weekend."""
    while True:
        moment = now - timedelta(days=DAYS) + timedelta(seconds=rng.uniform(0, DAYS * 86400))
        if moment >= now - timedelta(hours=2):
            continue
        if rng.random() < 0.2:
            return moment
        window = calendar.working_window(moment.astimezone(calendar.zone).date())
        if window and window[0] <= moment < window[1]:
            return moment


def _plan(n: int, rng: random.Random, now: datetime, calendar: BusinessCalendar,
          cast: Cast) -> Plan:
    slug = rng.choice(sorted(cast.categories))
    locale = rng.choice(["vi", "vi", "en"])
    subject, description = rng.choice(words.COMPLAINTS[slug][locale])
    customer = rng.choice(CUSTOMERS) if rng.random() < 0.6 else None
    team = cast.categories[slug].default_team.name
    agent = rng.choice(cast.agents_by_team.get(team) or [SUPERVISOR])
    plan = Plan(key=f"{PREFIX}{n:04d}", filed_at=_filing_moment(rng, now, calendar),
                category=slug, locale=locale, subject=subject, description=description,
                customer=customer, guest=rng.choice(words.GUESTS)[:2],
                urgent=rng.random() < 0.1, by_phone=rng.random() < 0.12, agent=agent)

    def later(start: datetime, hours: float) -> datetime:
        return add_business_time(calendar, start, timedelta(hours=max(hours, 0.05)))

    def add(at: datetime, action: str, **data) -> datetime:
        plan.steps.append((at, action, data))
        return at

    t = add(later(plan.filed_at, rng.uniform(0.1, 1.0)), "assign")
    late = rng.random() < 0.1  # answered after the first-response target: the sweep escalates
    t = later(plan.filed_at, rng.uniform(26, 30) if late else rng.lognormvariate(1.0, 0.8))
    if rng.random() < 0.25:
        t = add(t, "ask")
        t = add(t + timedelta(hours=rng.uniform(3, 30)), "answer", text=0)
        t = add(later(t, rng.uniform(0.5, 4)), "reply")
    else:
        t = add(t, "reply")
    if rng.random() < 0.12:
        t = add(later(t, rng.uniform(1, 6)), rng.choice(["functional", "hierarchical"]))
        t = add(later(t, rng.uniform(1, 8)), "reply", extra=True)
    if plan.urgent and rng.random() < 0.25:
        return plan  # stuck: the sweep takes it to levels 2 and 3
    if rng.random() < 0.2:
        t = add(later(t, rng.uniform(1, 10)), "reply", extra=True)
    t = add(later(t, rng.lognormvariate(1.5, 0.9)), "resolve")
    if rng.random() < 0.07:  # the customer says it is not fixed: reopened, resolved again
        t = add(t + timedelta(hours=rng.uniform(20, 70)), "answer", text=2)
        t = add(later(t, rng.uniform(1, 6)), "reply", extra=True)
        t = add(later(t, rng.uniform(1, 6)), "resolve")
    if rng.random() < 0.45:
        score = rng.choices(SCORES, SCORE_WEIGHTS)[0]
        add(t + timedelta(hours=rng.uniform(2, 60)), "survey", score=score,
            solved=score >= 3 or rng.random() < 0.5, comment=rng.random() < 0.4)
    escalated = any(action in ("functional", "hierarchical") for _, action, _ in plan.steps)
    if escalated and rng.random() < 0.4:
        add(t + timedelta(days=1), "write_up")
    if rng.random() < 0.7:  # closed by the agent with the lesson learned, for training
        add(t + timedelta(days=rng.uniform(2, 12)), "close")
    return plan


# --- playing --------------------------------------------------------------------------------

def _file(plan: Plan, cast: Cast) -> Ticket:
    customer = cast.people.get(plan.customer) if plan.customer else None
    name, email = (customer.name, customer.email) if customer else plan.guest
    agent = cast.people[plan.agent] if plan.by_phone else None
    draft = ticket_service.ComplaintDraft(
        subject=plan.subject, description=plan.description, contact_name=name,
        contact_email=email, category_id=cast.categories[plan.category].id,
        urgent=plan.urgent, submission_key=plan.key, locale=plan.locale,
        channel=Channel.AGENT if agent else Channel.WEB,
        customer=customer if agent else None)
    return ticket_service.file_complaint(draft, actor=agent or customer,
                                         now=plan.filed_at).ticket


def _step(ticket: Ticket, plan: Plan, action: str, data: dict, at: datetime, cast: Cast,
          rng: random.Random) -> None:
    agent = ticket_service.as_staff(cast.people[plan.agent])
    supervisor = cast.people[SUPERVISOR]
    lang = plan.locale
    if action == "assign":
        ticket_service.assign(ticket, ticket_service.as_staff(supervisor), now=at,
                              team_id=ticket.team_id, assignee_id=cast.people[plan.agent].id)
    elif action in ("reply", "ask"):
        body = words.QUESTIONS[lang] if action == "ask" else rng.choice(words.REPLIES[lang])
        ticket_service.staff_reply(ticket, agent, body, visibility=Visibility.PUBLIC, now=at,
                                   then_status=Status.PENDING_CUSTOMER if action == "ask"
                                   else None)
    elif action == "answer":
        ticket_service.customer_reply(ticket, ticket_service.as_customer(ticket, ticket.customer),
                                      words.CUSTOMER_ANSWERS[lang][data["text"]], now=at)
    elif action == "functional":
        others = [t for name, t in sorted(cast.teams.items()) if t.id != ticket.team_id]
        escalation.escalate_functional(ticket, agent, to_team_id=rng.choice(others).id,
                                       reason=words.REASONS[action], now=at)
    elif action == "hierarchical":
        upper = ticket.tier + 1 if ticket.tier < 3 else None
        escalation.escalate_hierarchical(ticket, agent, to_tier=upper,
                                         to_user_id=None if upper else supervisor.id,
                                         reason=words.REASONS[action], now=at)
    elif action == "resolve":
        ticket_service.change_status(ticket, Status.RESOLVED, agent, now=at,
                                     note=rng.choice(words.RESOLUTIONS[lang]))
    elif action == "close":
        ticket_service.change_status(ticket, Status.CLOSED, agent, now=at,
                                     note=rng.choice(words.LESSONS[lang]))
    elif action == "survey":
        _answer_survey(ticket, data, at, lang)
    elif action == "write_up":
        knowledge_capture.write_up(ticket, supervisor, now=at)


def _answer_survey(ticket: Ticket, data: dict, at: datetime, lang: str) -> None:
    survey = surveys.survey_for_ticket(ticket)
    if survey is None or survey.responded_at is not None or survey.send_after > at:
        return
    if survey.sent_at is None:
        surveys.send_due(at)
    surveys.respond(survey, score=data["score"], solved=data["solved"],
                    comment=words.COMMENTS[lang][data["score"]] if data["comment"] else None,
                    now=at)


def _ticks(now: datetime, calendar: BusinessCalendar) -> list[tuple[datetime, bool]]:
    """The moments the worker's jobs are replayed at (fewer than the real worker's, which
    runs every minute, to keep seeding fast), each with whether it is the day's first."""
    zone, first = calendar.zone, (now - timedelta(days=DAYS)).astimezone(calendar.zone).date()
    moments = []
    for offset in range(DAYS + 1):
        day = first + timedelta(days=offset)
        if calendar.working_window(day) is None:
            continue
        for n, moment in enumerate(TICKS):
            at = datetime.combine(day, moment, zone).astimezone(now.tzinfo)
            if at < now:
                moments.append((at, n == 0))
    return moments


def _worker(at: datetime, calendar: BusinessCalendar, sweep_until: datetime,
            daily: bool) -> None:
    """What the worker does at `at`: the SLA sweep (only before other demo tickets were
    active, so their designed SLA states stay as they are) and, once a day, the survey
    e-mails. (Agents close tickets with a lesson learned; the worker closes the rest later.)"""
    if at < sweep_until:
        auto_escalation.sweep(at, calendar=calendar)
    if daily:
        surveys.send_due(at)


def _sweep_until(now: datetime) -> datetime:
    """The filing time of the oldest active ticket that is not part of this history."""
    first = db.session.scalar(select(func.min(Ticket.created_at)).where(
        Ticket.status.in_([s.value for s in Status if s.is_active]),
        ~func.coalesce(Ticket.submission_key, "").startswith(PREFIX)))
    return first or now


def seed_demo_history(now: datetime, *, tickets: int = TICKETS, seed: int = SEED) -> int:
    """Play the history's tickets that do not exist yet, then the searches; return how many
    tickets were added."""
    cast = _cast()
    if SUPERVISOR not in cast.people or not cast.categories:
        return 0
    calendar = sla_settings.load_calendar()
    rng = random.Random(seed)
    plans = [_plan(n, rng, now, calendar, cast) for n in range(tickets)]
    existing = set(db.session.scalars(select(Ticket.submission_key).where(
        Ticket.submission_key.startswith(PREFIX))))
    plans = [plan for plan in plans if plan.key not in existing]
    outbox_before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
    if plans:
        _play(plans, now, calendar, cast, random.Random(seed + 1))
    _searches(now, random.Random(seed + 2))
    db.session.execute(update(OutboxMessage).where(
        OutboxMessage.id > outbox_before, OutboxMessage.status == "pending",
        OutboxMessage.created_at < now - timedelta(days=1))
        .values(status="sent", sent_at=OutboxMessage.created_at))
    db.session.commit()
    return len(plans)


def _play(plans: list[Plan], now: datetime, calendar: BusinessCalendar, cast: Cast,
          rng: random.Random) -> None:
    sweep_until = _sweep_until(now)
    timeline: list[tuple[datetime, int, Callable[[], None]]] = []
    ids: dict[str, int] = {}
    for order, plan in enumerate(plans):
        timeline.append((plan.filed_at, order, lambda p=plan: ids.__setitem__(
            p.key, _file(p, cast).id)))
        for at, action, data in plan.steps:
            if at < now:
                timeline.append((at, order, lambda p=plan, a=action, d=data, t=at: _run(
                    ids, p, a, d, t, cast, rng)))
    for at, daily in _ticks(now, calendar):
        timeline.append((at, -1, lambda t=at, d=daily: _worker(t, calendar, sweep_until, d)))
    for _at, _order, action in sorted(timeline, key=lambda item: (item[0], item[1])):
        action()


def _run(ids: dict[str, int], plan: Plan, action: str, data: dict, at: datetime, cast: Cast,
         rng: random.Random) -> None:
    ticket = db.session.get(Ticket, ids[plan.key]) if plan.key in ids else None
    if ticket is None:
        return
    try:
        _step(ticket, plan, action, data, at, cast, rng)
    except DomainError:  # a step the ticket's state no longer allows (e.g. swept meanwhile)
        db.session.rollback()


def _searches(now: datetime, rng: random.Random) -> None:
    """Help-centre searches and complaint-form suggestions over the 90 days (written once)."""
    if db.session.scalar(select(SearchLog.id).where(SearchLog.session_hash == SEARCH_MARK)):
        return
    articles = list(db.session.scalars(select(Article.id).where(
        Article.status == "published", Article.visibility == "public").order_by(Article.id)))
    start = now - timedelta(days=DAYS)
    for n in range(DAYS * 9):
        at = start + timedelta(seconds=rng.uniform(0, DAYS * 86400 - 3600))
        session = SEARCH_MARK if n == 0 else hashlib.sha256(f"hist-{n}".encode()).hexdigest()
        if rng.random() < 0.08:
            query, results = rng.choice(words.ZERO_SEARCHES), 0
        else:
            query, results = rng.choices(words.SEARCHES, [1 / (i + 1) for i in range(
                len(words.SEARCHES))])[0]
        db.session.add(SearchLog(query=query, results_count=results, session_hash=session,
                                 source="page", created_at=at))
        if n % 3 or not articles:
            continue
        clicked = at + timedelta(minutes=2) if rng.random() < 0.4 else None
        outcome = rng.choices(["deflected", "filed"], [62, 38])[0] if clicked else ""
        for k, article in enumerate(rng.sample(articles, min(3, len(articles)))):
            opened = clicked if k == 0 else None
            db.session.add(ArticleSuggestion(
                session_hash=session, article_id=article, query=query,
                shown_at=at + timedelta(minutes=1), clicked_at=opened,
                outcome=outcome if opened else "",
                decided_at=opened + timedelta(minutes=30) if opened else None))
    db.session.commit()
