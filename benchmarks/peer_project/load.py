"""Load the peer through its own ORM: queues, staff, tickets and their follow-ups.

    PEER_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/portal_peer_x \
        ../.peer/venv/bin/python load.py --tickets 10000 --password '…'

Run in this folder with the peer's venv (benchmarks/peer.py does). It migrates, then makes six
queues, 24 staff users plus the benchmark's staff user, and --tickets tickets with one to four
follow-ups each (the opening one, staff answers, customer replies, the odd private note), in
English and Vietnamese, shaped like Portal's benchmark tickets (benchmarks/agent_queue.py: the
same subjects and names, --backlog open tickets from the last two weeks, the rest resolved or
closed over a year). Tickets and follow-ups go in with bulk_create, which is still the ORM
(the models' own save() would add nothing but time at 10k tickets). Prints one JSON line: the
staff user's credentials and one open ticket's public-view parameters.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the Portal checkout
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

import django  # noqa: E402 (the settings module must be named first)

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402 (needs django.setup())
from django.contrib.auth.hashers import make_password  # noqa: E402 (needs django.setup())
from django.core.management import call_command  # noqa: E402 (needs django.setup())
from django.utils import timezone  # noqa: E402 (needs django.setup())
from helpdesk.models import FollowUp, Queue, Ticket, mk_secret  # noqa: E402 (needs setup)

from benchmarks.agent_queue import EN, NAMES, TEAMS, VI  # noqa: E402 (sys.path line above)

STAFF_EMAIL = "bench-staff@example.com"
SUBMITTER = "bench-customer@example.com"
ANSWERS = {
    "en": ["Thanks for telling us, we are looking into it.", "We have refunded the amount; "
           "it shows on your statement within five working days.", "Could you send us the "
           "order number and a photo of the parcel?", "The courier confirms a new delivery "
           "date; we will follow it up."],
    "vi": ["Cảm ơn anh/chị đã phản hồi, chúng tôi đang kiểm tra.", "Chúng tôi đã hoàn tiền, "
           "số tiền sẽ về tài khoản trong năm ngày làm việc.", "Anh/chị vui lòng gửi mã đơn "
           "hàng và ảnh chụp kiện hàng.", "Đơn vị vận chuyển đã hẹn ngày giao mới, chúng tôi "
           "sẽ theo dõi tiếp."],
}
REPLIES = {"en": ["Still nothing, please hurry.", "Thank you, that solved it."],
           "vi": ["Vẫn chưa nhận được, mong được xử lý sớm.", "Cảm ơn, đã giải quyết xong."]}


def people(password: str):
    """Staff and the submitter, saved one by one so that helpdesk's signals make their
    settings; the password is hashed once (each hash costs a third of a second)."""
    users, hashed = get_user_model().objects, make_password(password)

    def user(name, email, is_staff=True):
        return users.create(username=name, email=email, password=hashed, is_staff=is_staff)
    staff = [user(f"agent{n}", f"agent{n}@example.com") for n in range(24)]
    user("bench-customer", SUBMITTER, is_staff=False)  # the public submitter
    return [*staff, user("bench-staff", STAFF_EMAIL)]


def tickets(n: int, backlog: int, queues, staff, rng: random.Random):
    """Unsaved tickets and their languages; ticket 1 is the submitter's open one that the
    public view shows."""
    now = timezone.now()
    share = min(1.0, backlog / n)
    rows, languages = [], []
    for number in range(1, n + 1):
        language = "vi" if rng.random() < 0.5 else "en"
        languages.append(language)
        active = number == 1 or rng.random() < share
        if active:
            created = now - timedelta(minutes=rng.randint(1, 14 * 24 * 60))
            status = rng.choices([Ticket.OPEN_STATUS, Ticket.REOPENED_STATUS], [90, 10])[0]
        else:
            created = now - timedelta(minutes=rng.randint(1, 365 * 24 * 60))
            status = rng.choices([Ticket.RESOLVED_STATUS, Ticket.CLOSED_STATUS], [25, 75])[0]
        subject = rng.choice(VI if language == "vi" else EN).format(n=100000 + number,
                                                                 d=rng.randint(3, 40))
        rows.append(Ticket(
            title=subject, queue=rng.choice(queues), created=created,
            modified=created + timedelta(minutes=rng.randint(0, 600)),
            submitter_email=SUBMITTER if number == 1 else f"customer{number}@example.com",
            assigned_to=rng.choice(staff) if rng.random() < 0.7 else None, status=status,
            description=f"{subject}. {rng.choice(NAMES)} — {rng.choice(REPLIES[language])}",
            resolution="" if active else rng.choice(ANSWERS[language]),
            priority=rng.choices([1, 2, 3, 4, 5], [5, 20, 50, 15, 10])[0],
            due_date=created + timedelta(days=rng.randint(1, 10)), secret_key=mk_secret()))
    return rows, languages


def follow_ups(ticket: Ticket, language: str, staff, rng: random.Random, count: int, *,
               all_public: bool = False):
    at = ticket.created
    made = [FollowUp(ticket=ticket, date=at, title="Ticket Opened", comment=ticket.description,
                     public=True, new_status=Ticket.OPEN_STATUS)]
    for index in range(1, count):
        at = at + timedelta(hours=rng.randint(1, 30))
        if index % 2:  # staff: an answer, now and then a private note
            public = all_public or rng.random() < 0.85
            made.append(FollowUp(ticket=ticket, date=at, user=ticket.assigned_to
                                 or rng.choice(staff), title="Comment", public=public,
                                 comment=rng.choice(ANSWERS[language]) if public
                                 else "Internal note: checked with the courier."))
        else:
            made.append(FollowUp(ticket=ticket, date=at, title="Comment", public=True,
                                 comment=rng.choice(REPLIES[language])))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=10000)
    parser.add_argument("--backlog", type=int, default=800)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(8)
    queues = [Queue.objects.create(title=name, slug=name.lower()) for name in TEAMS]
    staff = people(args.password)
    # created/modified are auto_now(_add): switched off so the tickets keep their history dates
    for name in ("created", "modified"):
        field = Ticket._meta.get_field(name)
        field.auto_now = field.auto_now_add = False
    rows, languages = tickets(args.tickets, args.backlog, queues, staff, rng)
    made = Ticket.objects.bulk_create(rows, batch_size=2000)
    ups = []
    for ticket, language in zip(made, languages, strict=True):
        if ticket is made[0]:  # the measured one: opened, answered, replied to
            ups += follow_ups(ticket, language, staff, rng, 3, all_public=True)
        else:
            ups += follow_ups(ticket, language, staff, rng,
                              rng.choices([1, 2, 3, 4], [15, 35, 30, 20])[0])
    FollowUp.objects.bulk_create(ups, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    first = made[0]
    print(json.dumps({
        "staff": {"username": "bench-staff", "email": STAFF_EMAIL},
        "public": {"ticket": first.ticket_for_url, "email": SUBMITTER, "key": first.secret_key,
                   "title": first.title},
        "tickets": len(made), "follow_ups": len(ups),
        "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
