"""The XSS corpus in Chromium: no payload opens a dialog or runs at all.

One complaint (subject, details, name, every payload in customer replies, agent replies and
internal notes), one forum thread (title, opening post, replies) and one article (title, body)
carry the corpus of tests/security_corpus/xss.py. The guest's status page, the agent's
workspace, the thread and the article are opened with a `dialog` handler that records every
alert/confirm/prompt, and a `pageerror` handler. The browser context bypasses the portal's CSP
for this test, so what is tested is the escaping and sanitising: an injected script would run
here, not just be blocked. On each page the live DOM is also audited with the browser's own
parsing: no element with an on* attribute, no link, image, frame or form whose resolved URL is
javascript:/vbscript:/data: (data:image in <img> excepted), no script but the site's own files.
Handlers that need a click or hover are not triggered; the audit finds them instead.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.domain.accounts import Role
from portal.domain.kb import Status as ArticleStatus
from portal.domain.tickets import Visibility
from portal.extensions import db
from portal.models import ForumCategory
from portal.services import forum, kb, tickets
from portal.services.kb import ArticleDraft
from portal.services.users import UserChanges, create_user
from tests.browser.actions import sign_in
from tests.browser.conftest import BLOCKING_IMPACTS, format_violations
from tests.security_corpus.xss import PAYLOADS
from tests.security_figures import record_figure
from tests.web.test_xss_corpus import (
    NAME_MAX,
    line_of,
    markdown_batches,
    packed,
    self_contained,
    text_of,
)
from tests.web.track_support import file_ticket

PASSWORD = "correct horse 7"

_AUDIT = """() => {
  const problems = [];
  const origin = location.origin;
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      if (attr.toLowerCase().startsWith('on')) {
        problems.push(`${el.tagName} has ${attr}=${el.getAttribute(attr)}`);
      }
    }
    for (const name of ['href', 'src', 'action', 'formAction', 'data', 'poster']) {
      const value = el[name];
      if (typeof value !== 'string' || !value) { continue; }
      let protocol;
      try { protocol = new URL(value, location.href).protocol; } catch (e) { continue; }
      const dataImage = el.tagName === 'IMG'
        && /^data:image\\/(png|gif|jpeg|webp)[;,]/i.test(value);
      if (['javascript:', 'vbscript:', 'data:'].includes(protocol) && !dataImage) {
        problems.push(`${el.tagName} ${name}=${value}`);
      }
    }
  }
  for (const script of document.scripts) {
    if (!script.src || !script.src.startsWith(origin + '/static/')) {
      problems.push(`script ${script.src || script.textContent.slice(0, 80)}`);
    }
  }
  for (const tag of ['iframe', 'frame', 'object', 'embed', 'base', 'meta[http-equiv]']) {
    for (const el of document.querySelectorAll(tag)) { problems.push(`element ${el.outerHTML}`); }
  }
  return problems;
}"""


@pytest.fixture
def browser_context_args(browser_context_args):
    """This module's pages run without the CSP: the escaping alone must keep scripts out."""
    return {**browser_context_args, "bypass_csp": True}


def _seed(live_server) -> dict[str, str]:
    """The complaint, the thread and the article; returns their addresses."""
    now = datetime.now(UTC)
    batches = markdown_batches(PAYLOADS)
    with live_server.app.app_context():
        supervisor = create_user(None, UserChanges(
            email="sam@example.com", name=line_of(packed(PAYLOADS, NAME_MAX)[0]),
            role=Role.SUPERVISOR, tier=None, locale="en", team_ids=[]),
            password=PASSWORD, now=now)
        author = create_user(None, UserChanges(
            email="ana@example.com", name=line_of(packed(PAYLOADS, NAME_MAX)[1]),
            role=Role.CUSTOMER, tier=None, locale="en", team_ids=[]),
            password=PASSWORD, now=now)
        filing = file_ticket(now, subject=line_of(packed(PAYLOADS, 200)[0]),
                             description=text_of(batches[0]),
                             contact_name=line_of(packed(PAYLOADS, NAME_MAX)[2]), uploads=[])
        ticket, staff = filing.ticket, tickets.as_staff(supervisor)
        for batch in batches:
            body = text_of(batch)
            tickets.customer_reply(ticket, tickets.as_customer(ticket), body, now=now)
            tickets.staff_reply(ticket, staff, body, visibility=Visibility.PUBLIC, now=now)
            tickets.staff_reply(ticket, staff, body, visibility=Visibility.INTERNAL, now=now)
        forum.ensure_default_categories()
        category = db.session.query(ForumCategory).filter_by(slug="questions").one()
        thread = forum.start_thread(author, category_id=category.id,
                                    title=line_of(packed(PAYLOADS, 200)[1]),
                                    body=text_of(batches[1]), now=now)
        for i, batch in enumerate(batches):
            forum.reply(thread, author, text_of(batch) + f"\n\nreply {i}", now=now)
        article = kb.create_article(supervisor, ArticleDraft(
            title=line_of(packed(PAYLOADS, 200)[2]),
            body_md=text_of([p for p in PAYLOADS if self_contained(p)])),
            now=now, status=ArticleStatus.PUBLISHED)
        db.session.commit()
        places = {"status page": f"/t/{filing.token}",
                  "workspace": f"/agent/tickets/{ticket.reference}",
                  "thread": f"/forum/t/{thread.id}", "article": f"/help/articles/{article.slug}"}
        db.session.remove()
    return places


def test_no_payload_opens_a_dialog_or_runs(page, live_server, visit, submit, axe):
    places = _seed(live_server)
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.type} "
                                                     f"{dialog.message!r}"), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    problems, inaccessible = [], []

    def open_(name: str) -> None:
        response = page.goto(live_server.page_url(places[name]))
        assert response is not None and response.status == 200, name
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # late handlers: onerror after a failed load, ontoggle
        assert page.get_by_text("XQ001A").count() > 0, f"{name} shows the payloads"
        problems.extend(f"{name}: {found}" for found in page.evaluate(_AUDIT))
        blocking = [v for v in axe.violations(page) if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            inaccessible.append(format_violations(page.url, blocking))

    for name in ("status page", "thread", "article"):
        open_(name)
    sign_in(page, visit, submit, "sam@example.com", PASSWORD)
    open_("workspace")

    record_figure("Inputs", "XSS corpus in Chromium: dialogs opened and scripts run",
                  f"{len(dialogs)} dialogs, {len(problems)} scripts on {len(places)} pages",
                  "no dialog opens", not dialogs and not problems)
    assert dialogs == [], "\n".join(dialogs)
    assert errors == [], "\n".join(errors)
    assert problems == [], "\n".join(problems)
    assert inaccessible == [], "\n".join(inaccessible)  # every page passes axe, as elsewhere
