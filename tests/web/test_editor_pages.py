"""Editors (tier-2+ agents, supervisors, admins) write, preview, publish and retire articles."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import Article, ArticleRevision
from portal.services import kb
from portal.services.search import log_search, search_articles
from tests.helpers import csrf_token, post_form

NEW = "/editor/articles/new"
VERSION_RE = re.compile(r'<input[^>]*name="version"[^>]*value="([^"]*)"')
PREVIEW_RE = re.compile(r'<section class="preview-panel".*?</section>', re.S)
SAVED_RE = re.compile(r'<section class="saved-version".*?</section>', re.S)
SCRIPT_BODY = "Hello **world**\n\n<script>alert('owned')</script>\n\n[x](javascript:alert(1))"
CONFLICT = "Someone else saved this article after you opened it."


def _fields(**overrides) -> dict:
    fields = {"title": "Reset your password", "slug": "", "summary": "When you forgot it.",
              "category_id": "", "tags": "password, sign-in", "visibility": "public",
              "language": "en", "body": "## Steps\n\n1. Open **Sign in**.\n2. Choose *Forgot*.",
              "action": "save"}
    fields.update(overrides)
    return fields


def _fresh(article_id: int) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article_id)


def _revision_count(article_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(ArticleRevision).where(
        ArticleRevision.article_id == article_id))


def _create(client, **overrides) -> int:
    response = post_form(client, NEW, _fields(**overrides), from_page=NEW)
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/editor/articles/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _edit(client, article_id: int, page: str | None = None, **overrides):
    """Submit the edit form as a browser would: with the version the page was opened on."""
    path = f"/editor/articles/{article_id}"
    page = page if page is not None else client.get(path).get_data(as_text=True)
    data = _fields(**overrides)
    if "version" not in data:
        data["version"] = VERSION_RE.search(page).group(1)
    return post_form(client, path, data, from_page=path)


def _status(client, article_id: int, status: str):
    return post_form(client, f"/editor/articles/{article_id}/status", {"status": status})


@pytest.fixture
def editor(signed_in_client):
    client, user = signed_in_client("agent", tier=2, name="Trần Minh Khoa")
    return client


def test_the_article_life_cycle_from_draft_to_restored(editor):
    article_id = _create(editor, title="Reset your password")
    article = _fresh(article_id)
    assert (article.status, article.slug, article.tags) == (
        "draft", "reset-your-password", ["password", "sign-in"])
    page = editor.get(f"/editor/articles/{article_id}").get_data(as_text=True)
    assert "has been saved" in page and 'value="Reset your password"' in page
    assert _revision_count(article_id) == 1

    response = _edit(editor, article_id, title="Reset a forgotten password",
                     body="Use the **Forgot password** link.")
    assert response.status_code == 302
    article = _fresh(article_id)
    assert article.title == "Reset a forgotten password"
    assert "<strong>Forgot password</strong>" in article.body_html
    assert article.slug == "reset-your-password", "an empty slug field keeps the address"
    assert _revision_count(article_id) == 2

    assert _status(editor, article_id, "published").status_code == 302
    assert _fresh(article_id).status == "published"
    assert [hit.slug for hit in search_articles("forgotten", staff=False).hits] == [
        "reset-your-password"]
    page = editor.get(f"/editor/articles/{article_id}").get_data(as_text=True)
    assert "is published" in page and "Unpublish to draft" in page
    if "kb.article" in editor.application.view_functions:
        assert 'href="/help/articles/reset-your-password">View as customer' in page

    assert _status(editor, article_id, "archived").status_code == 302
    assert _fresh(article_id).status == "archived"
    assert search_articles("forgotten", staff=False).hits == []

    response = post_form(editor, f"/editor/articles/{article_id}/delete")
    assert response.headers["Location"] == f"/editor/articles/{article_id}"
    assert _fresh(article_id).deleted_at is not None
    page = editor.get(f"/editor/articles/{article_id}").get_data(as_text=True)
    assert "has been deleted" in page and "/restore" in page

    post_form(editor, f"/editor/articles/{article_id}/restore")
    article = _fresh(article_id)
    assert article.deleted_at is None and article.status == "archived"
    assert _revision_count(article_id) == 6

    page = editor.get(f"/editor/articles/{article_id}/revisions").get_data(as_text=True)
    assert page.count('<tr class="revision">') == 6
    assert "Trần Minh Khoa" in page and "<details>" in page
    assert "Use the **Forgot password** link." in page, "the Markdown source of a revision"


def test_preview_shows_sanitised_html_and_saves_nothing(editor):
    response = post_form(editor, NEW, _fields(body=SCRIPT_BODY, action="preview"),
                         from_page=NEW)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0
    preview = PREVIEW_RE.search(page).group(0)
    assert "<strong>world</strong>" in preview
    assert "<script" not in preview and "javascript:" not in preview
    assert "<script>alert" not in page, "the textarea keeps the text, escaped"
    assert "&lt;script&gt;alert(" in page

    article_id = _create(editor)
    before = _fresh(article_id).version_id
    response = _edit(editor, article_id, body="*changed*", action="preview")
    assert response.status_code == 200
    assert "<em>changed</em>" in PREVIEW_RE.search(response.get_data(as_text=True)).group(0)
    article = _fresh(article_id)
    assert article.version_id == before and "changed" not in article.body_md


def test_the_live_preview_endpoint_answers_sanitised_html(editor):
    response = post_form(editor, "/editor/preview", {"body": SCRIPT_BODY})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "<strong>world</strong>" in fragment
    assert "<script" not in fragment and "javascript:" not in fragment
    assert post_form(editor, "/editor/preview", {}).get_data(as_text=True) == ""
    assert editor.post("/editor/preview", data={"body": "x"}).status_code == 400, "CSRF"
    too_long = post_form(editor, "/editor/preview", {"body": "x" * 200_001})
    assert too_long.status_code == 400


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(editor, signed_in_client):
    article_id = _create(editor, body="First text.")
    path = f"/editor/articles/{article_id}"
    opened = editor.get(path).get_data(as_text=True)  # the first editor opens the form…

    colleague, _ = signed_in_client("supervisor")  # …a colleague saves in the meantime…
    assert _edit(colleague, article_id, body="The colleague's text.").status_code == 302

    response = _edit(editor, article_id, page=opened, title="My title",  # …then the first saves
                     body="My own careful text.")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert CONFLICT in html.unescape(page)
    assert "My own careful text." in page and 'value="My title"' in page, "input kept"
    assert "The colleague&#39;s text." in SAVED_RE.search(page).group(0)
    assert VERSION_RE.search(page).group(1) == VERSION_RE.search(opened).group(1), (
        "saving again from this page conflicts again")
    article = _fresh(article_id)
    assert article.body_md == "The colleague's text." and article.title == "Reset your password"

    again = _edit(editor, article_id, page=page, body="My own careful text.")
    assert again.status_code == 422 and _fresh(article_id).body_md == "The colleague's text."

    reloaded = editor.get(path).get_data(as_text=True)  # reloading starts from the new version
    assert _edit(editor, article_id, page=reloaded, body="Merged text.").status_code == 302
    assert _fresh(article_id).body_md == "Merged text."


def test_a_save_racing_another_at_the_same_moment_is_refused_too(editor, monkeypatch):
    """The other save lands between loading the article and writing it (the flush's check)."""
    article_id = _create(editor, body="First text.")
    opened = editor.get(f"/editor/articles/{article_id}").get_data(as_text=True)
    real_update = kb.update_article

    def racing_update(*args, **kwargs):
        with db.engine.begin() as connection:  # another process, committing first
            connection.execute(update(Article).where(Article.id == article_id).values(
                body_md="The racer's text.", version_id=Article.version_id + 1))
        return real_update(*args, **kwargs)

    monkeypatch.setattr(kb, "update_article", racing_update)
    response = _edit(editor, article_id, page=opened, body="Mine.")
    assert response.status_code == 422 and CONFLICT in html.unescape(response.get_data(True))
    assert "The racer&#39;s text." in SAVED_RE.search(response.get_data(as_text=True)).group(0)
    assert _fresh(article_id).body_md == "The racer's text."


def test_a_status_change_in_between_also_makes_the_open_form_stale(editor):
    article_id = _create(editor)
    opened = editor.get(f"/editor/articles/{article_id}").get_data(as_text=True)
    _status(editor, article_id, "published")
    assert _edit(editor, article_id, page=opened, body="Late.").status_code == 422


@pytest.mark.parametrize("version", ["abc", "", "-1", "99999999999999999999999", "1.5"])
def test_a_garbled_version_counts_as_a_conflict(editor, version):
    article_id = _create(editor, body="Original.")
    response = _edit(editor, article_id, page="", version=version, body="Overwrite?")
    assert response.status_code == 422 and CONFLICT in html.unescape(response.get_data(True))
    assert _fresh(article_id).body_md == "Original."


def test_slugs_are_checked_and_never_silently_shared(editor):
    for bad in ("Has Capitals", "two--hyphens", "-leading", "ünïcode", "a" * 81):
        response = post_form(editor, NEW, _fields(slug=bad), from_page=NEW)
        assert response.status_code == 422, bad
        assert f'value="{bad}"' in response.get_data(as_text=True), "input kept"
    response = post_form(editor, NEW, _fields(slug="Has Capitals"), from_page=NEW)
    assert "single hyphens" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Article)) == 0

    first = _create(editor, slug="card-refunds")
    assert _fresh(first).slug == "card-refunds"
    second = _create(editor, title="Other", slug="card-refunds")
    assert _fresh(second).slug == "card-refunds-2"
    page = editor.get(f"/editor/articles/{second}").get_data(as_text=True)
    assert "card-refunds is used by another article" in page

    assert _edit(editor, first, slug="refunds-to-cards").status_code == 302
    assert _fresh(first).slug == "refunds-to-cards"
    response = _edit(editor, first, slug="Not A Slug")
    assert response.status_code == 422 and _fresh(first).slug == "refunds-to-cards"


def test_categories_and_absurd_input_are_refused_not_crashed(editor):
    category = kb.ensure_category("Billing & payments")
    db.session.commit()
    article_id = _create(editor, category_id=str(category.id))
    assert _fresh(article_id).category_id == category.id
    page = editor.get(f"/editor/articles/{article_id}").get_data(as_text=True)
    assert f'<option selected value="{category.id}">' in page or (
        f'value="{category.id}" selected' in page)

    for nonsense in ({"title": ""}, {"title": "   "}, {"body": ""}, {"title": "x" * 201},
                     {"summary": "x" * 301}, {"tags": "t," * 300}, {"category_id": "999999"},
                     {"category_id": "abc"}, {"visibility": "secret"}, {"language": "xx"},
                     {"body": "x" * 200_001}):
        response = post_form(editor, NEW, _fields(**{"title": "Kept title", **nonsense}),
                             from_page=NEW)
        assert response.status_code == 422, nonsense
        response = _edit(editor, article_id, **nonsense)
        assert response.status_code == 422, nonsense
    assert db.session.scalar(select(func.count()).select_from(Article)) == 1
    response = post_form(editor, NEW, _fields(title="Kept title", body=""), from_page=NEW)
    assert 'value="Kept title"' in response.get_data(as_text=True)


def test_status_changes_accept_only_known_states(editor):
    article_id = _create(editor)
    response = _status(editor, article_id, "emperor")
    assert response.status_code == 302 and _fresh(article_id).status == "draft"
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "can only be a draft, published or archived" in page
    _status(editor, article_id, "published")
    _status(editor, article_id, "published")  # a double click
    _status(editor, article_id, "draft")
    assert _fresh(article_id).status == "draft"
    assert _revision_count(article_id) == 3


def test_the_list_filters_by_status_and_hides_deleted_articles(editor):
    draft = _create(editor, title="Draft about invoices")
    published = _create(editor, title="Published about parcels")
    _status(editor, published, "published")
    deleted = _create(editor, title="Deleted about vouchers")
    post_form(editor, f"/editor/articles/{deleted}/delete", follow_redirects=True)

    page = editor.get("/editor/articles").get_data(as_text=True)
    assert "Draft about invoices" in page and "Published about parcels" in page
    assert "Deleted about vouchers" not in page
    assert 'href="/editor/articles/new"' in page
    page = editor.get("/editor/articles?status=published").get_data(as_text=True)
    assert "Published about parcels" in page and "Draft about invoices" not in page
    page = editor.get("/editor/articles?status=deleted").get_data(as_text=True)
    assert "Deleted about vouchers" in page and "Draft about invoices" not in page
    page = editor.get("/editor/articles?status=nonsense").get_data(as_text=True)
    assert "Draft about invoices" in page and "Deleted about vouchers" not in page
    assert f"/editor/articles/{draft}" in page


def test_unknown_articles_are_404(editor):
    assert editor.get("/editor/articles/424242").status_code == 404
    assert editor.get("/editor/articles/424242/revisions").status_code == 404
    for action in ("status", "delete", "restore"):
        response = post_form(editor, f"/editor/articles/424242/{action}", {"status": "draft"})
        assert response.status_code == 404, action
    response = post_form(editor, "/editor/articles/424242", _fields(version="1"))
    assert response.status_code == 404


def test_the_search_report_lists_top_and_fruitless_searches(editor, now):
    for text, found, days_ago in [("refund", 3, 1), ("Refund", 2, 2), ("refund", 1, 3),
                                  ("change address", 0, 1), ("change address", 0, 2),
                                  ("old search", 0, 40)]:
        log_search(text, found, session_id="s", source="page",
                   now=now - timedelta(days=days_ago))
    log_search("api only", 0, session_id="s", source="api", now=now)

    page = editor.get("/editor/search-report").get_data(as_text=True)
    assert "articles to write next" in page
    top = page.split('id="top-heading"', 1)[1]
    fruitless = page.split('id="no-results-heading"', 1)[1].split('id="top-heading"', 1)[0]
    assert re.search(r"refund.*?<td class=\"num\">3</td>", top, re.S)
    assert re.search(r"change address.*?<td class=\"num\">2</td>", fruitless, re.S)
    assert "refund" not in fruitless
    assert "old search" not in page and "api only" not in page
    assert "/editor/articles/new?title=change+address" in page
    if "kb.search" in editor.application.view_functions:
        assert "/search?q=change+address" in page


def test_tier_one_agents_and_customers_are_refused(signed_in_client):
    for role, tier in (("agent", 1), ("customer", None)):
        client, _ = signed_in_client(role, tier=tier)
        assert client.get("/editor/articles").status_code == 403
        assert client.get(NEW).status_code == 403
        response = client.post("/editor/preview", data={"csrf_token": csrf_token(client),
                                                        "body": "x"})
        assert response.status_code == 403


def test_supervisors_and_admins_edit_too(signed_in_client):
    for role in ("supervisor", "admin"):
        client, _ = signed_in_client(role)
        assert client.get("/editor/articles").status_code == 200
        assert _create(client, title=f"By a {role}")
