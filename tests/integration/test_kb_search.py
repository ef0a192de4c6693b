"""Articles and the search index together: visibility, language, crash safety, rebuilds."""

from __future__ import annotations

import pytest

from portal.domain.errors import DomainError
from portal.extensions import db, search
from portal.services import kb
from portal.services import search as search_service
from portal.services.kb import ArticleDraft


@pytest.fixture
def billing(app):
    category = kb.ensure_category("Billing & payments")
    db.session.commit()
    return category


def publish(now, title, body, *, category=None, visibility="public", status="published",
            summary="", tags=()):
    return kb.create_article(None, ArticleDraft(
        title=title, body_md=body, summary=summary, visibility=visibility, tags=list(tags),
        category_id=category.id if category else None), now=now, status=status)


def slugs(results):
    return [hit.slug for hit in results.hits]


def test_natural_questions_find_the_answer(app, now, billing):
    publish(now, "Refund timelines", "Refunds reach your card within 5 working days.",
            category=billing)
    publish(now, "Track your parcel", "Follow the delivery of an order.")
    results = search_service.search_articles("how long until my refund arrives?", staff=False)
    assert slugs(results)[:1] == ["refund-timelines"]


@pytest.mark.parametrize("typed", ["khieu nai", "khiếu nại", "KHIẾU NẠI", "Khieu Nai 24 gio"])
def test_vietnamese_with_or_without_accents(app, now, typed):
    publish(now, "Khiếu nại được xử lý trong bao lâu?",
            "Chúng tôi trả lời khiếu nại trong 24 giờ và giải quyết trong 20 ngày làm việc.")
    assert slugs(search_service.search_articles(typed, staff=False)) == [
        "khieu-nai-duoc-xu-ly-trong-bao-lau"]


def test_highlights_mark_the_words_and_escape_everything_else(app, now):
    publish(now, "Refund <script>alert(1)</script>",
            "A refund <img src=x onerror=alert(1)> is sent back to the card you paid with.")
    [hit] = search_service.search_articles("refund", staff=False).hits
    assert '<mark class="hl' in hit.snippet_html and "refund" in hit.snippet_html.lower()
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<img" not in hit.snippet_html


def test_phrases_prefixes_and_field_filters(app, now, billing):
    publish(now, "Refund timelines", "Money back to your card.", category=billing)
    publish(now, "Card delivery", "Your new card arrives by post; no refund needed.")
    assert slugs(search_service.search_articles('"money back"', staff=False)) == [
        "refund-timelines"]
    assert set(slugs(search_service.search_articles("refu*", staff=False))) == {
        "refund-timelines", "card-delivery"}
    assert slugs(search_service.search_articles("title:refund", staff=False)) == [
        "refund-timelines"]
    assert slugs(search_service.search_articles("category:billing-payments card",
                                                staff=False)) == ["refund-timelines"]


def test_customers_never_see_internal_draft_or_archived_articles(app, now, billing):
    publish(now, "Refund approval limits", "Tier 2 approves refunds over 5 million.",
            visibility="internal", category=billing)
    publish(now, "Refund draft", "Unfinished refund text.", status="draft")
    publish(now, "Old refund rules", "Archived refund text.", status="archived")
    publish(now, "Refund timelines", "Refunds take 5 days.", category=billing)
    customer = search_service.search_articles("refund", staff=False)
    assert slugs(customer) == ["refund-timelines"] and customer.total == 1
    assert customer.facets == [("billing-payments", 1)]
    staff = search_service.search_articles("refund", staff=True)
    assert set(slugs(staff)) == {"refund-timelines", "refund-approval-limits"}
    assert staff.total == 2 and staff.facets == [("billing-payments", 2)]


def test_did_you_mean_uses_public_words_only(app, now):
    publish(now, "Password reset", "Choose a new password from the e-mailed link.")
    publish(now, "Escalation matrix", "Confidential zygomorphic procedure for agents.",
            visibility="internal")
    assert search_service.search_articles("pasword", staff=False).did_you_mean == "password"
    assert search_service.search_articles("zygomorphik", staff=False).did_you_mean is None
    assert search_service.search_articles("zygomorphik", staff=True).did_you_mean is None


def test_did_you_mean_never_offers_words_of_an_article_made_internal_later(app, now):
    """Whoosh keeps a deleted document's words in the term list until segments merge; a
    respelling must still only use words that a visible article contains now."""
    publish(now, "Refund timelines", "Refunds reach your card within 5 working days.")
    article = publish(now, "Zygomorphic refunds", "A procedure that later became secret.")
    kb.update_article(None, article, ArticleDraft(title=article.title, body_md=article.body_md,
                                                  visibility="internal"),
                      expected_version=article.version_id, now=now)
    customer = search_service.search_articles("zygomorphik refund", staff=False)
    assert customer.did_you_mean is None
    assert "zygomorphic" not in str(search_service.search_articles("zygomorphik", staff=False))


def test_suggestions_complete_titles_for_the_right_audience(app, now):
    publish(now, "Đổi mật khẩu", "Cách đổi mật khẩu.")
    publish(now, "Đổi thẻ nội bộ", "Quy trình nội bộ.", visibility="internal")
    assert [title for _, title in search_service.suggestions("doi m", staff=False)] == [
        "Đổi mật khẩu"]
    assert len(search_service.suggestions("đổi", staff=True)) == 2
    assert len(search_service.suggestions("đổi", staff=False)) == 1


def test_pagination_and_total(app, now):
    for n in range(13):
        publish(now, f"Delivery question {n}", "Where is my parcel delivery?")
    page2 = search_service.search_articles("delivery", staff=False, page=2, per_page=10)
    assert page2.total == 13 and len(page2.hits) == 3 and page2.pages == 2


def test_deleted_documents_leave_a_searcher_that_was_already_open(app, now):
    article = publish(now, "Refund timelines", "Refunds take 5 days.")
    assert search_service.search_articles("refund", staff=False).total == 1  # searcher open
    kb.set_status(None, article, "archived", now=now)
    assert search_service.search_articles("refund", staff=True).total == 0


def test_unpublishing_and_deleting_take_articles_out_of_search(app, now):
    article = publish(now, "Refund timelines", "Refunds take 5 days.")
    kb.set_status(None, article, "archived", now=now)
    assert search_service.search_articles("refund", staff=True).total == 0
    kb.set_status(None, article, "published", now=now)
    assert search_service.search_articles("refund", staff=False).total == 1
    kb.soft_delete(None, article, now=now)
    assert search_service.search_articles("refund", staff=True).total == 0


def test_a_crash_between_commit_and_indexing_loses_nothing(app, now, monkeypatch):
    publish(now, "Seed", "An article, so the index exists.")
    monkeypatch.setattr(kb, "apply_pending", lambda: 0)  # the process "dies" after commit
    publish(now, "Refund timelines", "Refunds take 5 days.")
    assert search_service.pending_count() == 1
    assert search_service.search_articles("refund", staff=False).total == 0
    assert search_service.apply_pending(timeout=30) == 1  # what the worker does next
    assert search_service.search_articles("refund", staff=False).total == 1
    assert search_service.pending_count() == 0


def test_a_locked_index_leaves_the_change_queued(app, now, monkeypatch):
    from whoosh.index import LockError

    def locked(*args, **kwargs):
        raise LockError("held by another writer")

    publish(now, "Seed", "An article so the index exists.")
    monkeypatch.setattr(search.index, "apply", locked)
    publish(now, "Refund timelines", "Refunds take 5 days.")  # the request still succeeds
    assert search_service.pending_count() == 1
    monkeypatch.undo()
    assert search_service.apply_pending(timeout=30) == 1
    assert search_service.search_articles("refund", staff=False).total == 1


@pytest.mark.whoosh_only  # the index folder's generations and files
def test_missing_or_corrupt_index_is_rebuilt_not_a_500(app, now, caplog):
    publish(now, "Refund timelines", "Refunds take 5 days.")
    generation = search.index.current_generation()
    search.index.forget_searcher()
    for path in generation.iterdir():
        path.write_bytes(b"garbage")
    assert search_service.search_articles("refund", staff=False).total == 1
    assert "rebuilding it from the database" in caplog.text
    (search.index.root / "CURRENT").unlink()
    search.index.forget_searcher()
    assert search_service.search_articles("refund", staff=False).total == 1


@pytest.mark.whoosh_only  # the index folder's generations and files
def test_rebuild_swaps_generations_while_searches_keep_answering(app, now):
    publish(now, "Refund timelines", "Refunds take 5 days.")
    before = search.index.current_generation()
    searcher = search.index.searcher()
    assert search_service.rebuild() == 1
    assert search.index.current_generation() != before and not before.exists()
    assert search_service.search_articles("refund", staff=False).total == 1
    assert searcher is not search.index.searcher()


def test_stale_edit_is_refused_and_nothing_is_overwritten(app, now):
    article = publish(now, "Refund timelines", "Version one.")
    opened_at = article.version_id
    kb.update_article(None, article, ArticleDraft(title="Refund timelines", body_md="Two."),
                      expected_version=opened_at, now=now)
    with pytest.raises(DomainError) as error:
        kb.update_article(None, article, ArticleDraft(title="Mine", body_md="Stale."),
                          expected_version=opened_at, now=now)
    assert error.value.code == "stale_edit"
    db.session.refresh(article)
    assert article.body_md == "Two." and len(kb.revisions(article)) == 2


def test_markdown_is_sanitised(app, now):
    article = publish(now, "XSS", "Hi <script>alert(1)</script> [x](javascript:alert(1)) "
                                  "<img src=x onerror=alert(1)> **bold**")
    assert "<script" not in article.body_html and "javascript:" not in article.body_html
    assert "onerror" not in article.body_html and "<strong>bold</strong>" in article.body_html


def test_votes_one_per_voter_and_changeable(app, now):
    article = publish(now, "Refund timelines", "Refunds take 5 days.")
    kb.vote(article, voter_key="session:a", user=None, helpful=True, comment="", now=now)
    kb.vote(article, voter_key="session:a", user=None, helpful=False, comment="unclear", now=now)
    kb.vote(article, voter_key="session:b", user=None, helpful=True, comment="", now=now)
    db.session.refresh(article)
    assert (article.helpful_yes, article.helpful_no) == (1, 1)


def test_search_log_and_report(app, now):
    search_service.log_search("Khiếu Nại", 0, session_id="s1", source="page", now=now)
    log_id = search_service.log_search("refund", 3, session_id="s1", source="page", now=now)
    search_service.log_search("refund", 2, session_id="s2", source="page", now=now)
    search_service.record_click(log_id, "refund-timelines", session_id="someone-else")
    search_service.record_click(log_id, "refund-timelines", session_id="s1")
    report = search_service.search_report(now)
    assert report["top"][0] == ("refund", 2)
    assert report["no_results"] == [("khieu nai", 1)]


def test_confident_only_when_the_top_hit_covers_the_question(app, now):
    publish(now, "Refund timelines", "Refunds reach your card within 5 working days.")
    assert search_service.search_articles("refund card days", staff=False).confident
    weak = search_service.search_articles("refund for my broken washing machine", staff=False)
    assert weak.total == 1 and not weak.confident


def test_stop_words_count_so_log_out_is_not_log_in(app, now):
    publish(now, "Log in to your account", "Enter your e-mail and password to log in.")
    publish(now, "Log out of every device", "Choose log out on the account page.")
    assert slugs(search_service.search_articles("how do I log out", staff=False))[0] == (
        "log-out-of-every-device")


def test_a_question_mark_ends_a_question_and_is_no_wildcard(app, now):
    publish(now, "Refund timelines", "Refunds take 5 days.")
    assert slugs(search_service.search_articles("where is my refund?", staff=False)) == [
        "refund-timelines"]
    assert slugs(search_service.search_articles("refund? (card)", staff=False)) == [
        "refund-timelines"]


def test_common_words_rank_but_do_not_match_in_a_large_index(app, now, monkeypatch):
    """At scale a word in most documents would make every search score the whole index; it
    only reorders what the rarer words found."""
    import portal.search.plan as plan

    monkeypatch.setattr(plan, "MATCH_BUDGET_MIN", 3)
    for n in range(4):
        publish(now, f"Delivery note {n}", "Parcels travel by road.")
    publish(now, "Change your delivery address", "Change the address before dispatch.")
    publish(now, "Cancel an order", "Change or cancel an order before dispatch.")
    results = search_service.search_articles("change delivery address", staff=False)
    # "address" is the rarest word and fills the budget; "change" and "delivery" only rank.
    assert slugs(results) == ["change-your-delivery-address"] and results.total == 1
    monkeypatch.setattr(plan, "MATCH_BUDGET_MIN", 2000)
    search.index.forget_searcher()  # the budget is fixed in a running process: no cached page
    assert search_service.search_articles("change delivery address", staff=False).total == 6


def test_highlights_mark_the_words_of_the_question_not_its_stop_words(app, now):
    publish(now, "Refund timelines", "The refund reaches the card in 5 days.")
    hit = search_service.search_articles("when is the refund", staff=False).hits[0]
    assert '<mark class="hl t' in hit.snippet_html and ">refund</mark>" in hit.snippet_html
    assert ">the</mark>" not in hit.snippet_html.lower()


@pytest.mark.whoosh_only  # the index folder's generations and files
def test_an_index_built_for_another_schema_is_rebuilt(app, now, caplog):
    from portal.search.index import SCHEMA_FILE

    publish(now, "Refund timelines", "Refunds take 5 days.")
    (search.index.current_generation() / SCHEMA_FILE).write_text("1")
    search.index.forget_searcher()
    assert search_service.search_articles("refund", staff=False).total == 1
    assert "another schema version" in caplog.text
