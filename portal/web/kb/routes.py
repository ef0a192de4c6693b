import html
import re
import secrets

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from portal.domain.errors import NotFound
from portal.services import deflection, forum_search, kb, kb_cache, kb_views
from portal.services import search as search_service
from portal.services.forum_index import CATEGORY_PREFIX
from portal.web import page_cache
from portal.web.forum.labels import CATEGORY_NAMES as FORUM_CATEGORY_NAMES
from portal.web.helpers import json_response, rate_limit, session_id, utc_now
from portal.web.kb.forms import (
    COMMENT_LABEL,
    MAX_PAGE,
    MAX_SUGGEST_CHARS,
    FeedbackForm,
    api_limit,
    clean_query,
    page_number,
    plausible_slug,
    search_args,
    search_kind,
    search_log_id,
)

bp = Blueprint("kb", __name__)

PER_PAGE = 10
CATEGORY_PER_PAGE = 30
SUGGESTIONS = 5
_MARK_TAG = re.compile(r"</?mark\b[^>]*>")
_MARKED = re.compile(r'<mark class="hl t(\d{1,3})">(.*?)</mark>', re.DOTALL)


# --- helpers --------------------------------------------------------------------------------

def _is_staff() -> bool:
    return bool(current_user.is_authenticated and current_user.is_staff)


def _voter_key(*, create: bool) -> str:
    """Who is voting: the account when signed in, else a hash of the session id."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    sid = session_id() if create else session.get("sid", "")
    return "session:" + search_service.session_hash(sid) if sid else ""


def _readable_article(slug: str, *, staff: bool):
    if not plausible_slug(slug):
        abort(404)
    try:
        return kb.readable_article(slug, is_staff=staff)
    except NotFound:
        abort(404)


def _plain_snippet(snippet_html: str) -> str:
    """Hit.snippet_html is escaped text plus <mark> tags: drop the tags, unescape the text."""
    return html.unescape(_MARK_TAG.sub("", snippet_html))


def _as_markup(highlighted: str) -> Markup:
    """A highlight (escaped text plus the highlighter's <mark> tags) rebuilt as Markup: every
    piece of text is escaped again here and only our own <mark> tags are kept, so the template
    marks nothing safe and nothing else in the text can become mark-up."""
    result, position = Markup(""), 0
    for match in _MARKED.finditer(highlighted):
        result += escape(html.unescape(highlighted[position:match.start()]))
        result += Markup('<mark class="hl t{}">{}</mark>').format(
            match.group(1), html.unescape(match.group(2)))
        position = match.end()
    return result + escape(html.unescape(highlighted[position:]))


def _highlighted(hits: list) -> list:
    for hit in hits:
        hit.title_html, hit.snippet_html = _as_markup(hit.title_html), _as_markup(
            hit.snippet_html)
    return hits


def _category_names() -> dict[str, str]:
    """Index category slug → name, for help-centre and forum categories alike (the seeded
    forum categories in the visitor's language)."""
    names = {CATEGORY_PREFIX + slug: str(FORUM_CATEGORY_NAMES.get(slug, name))
             for slug, name in forum_search.category_names()}
    names.update((category.slug, category.name) for category in kb.categories())
    return names


# --- pages ----------------------------------------------------------------------------------

@bp.get("/help")
def index():
    """Topics, popular and recent articles: per-process cached lists (services/kb_cache);
    for anonymous visitors the whole page (web/page_cache), while the search log's stamp holds."""
    staff = _is_staff()
    return page_cache.page("help", kb_cache.stamp(), lambda: render_template(
        "kb/index.html", lists=_index_lists(staff)))


def _index_lists(staff: bool) -> Markup:
    """The topics and the two lists as HTML, rendered again only when one of the lists was
    rebuilt (their counts, dates and plurals cost more than the rest of the page)."""
    sources = (kb_cache.topics(is_staff=staff), kb_cache.popular(is_staff=staff),
               kb_cache.recent(is_staff=staff))
    key = ("help centre", staff, str(get_locale()), str(get_timezone()), request.script_root)
    return kb_cache.fragment(key, sources, lambda: render_template(
        "kb/_index_lists.html", categories=sources[0], popular=sources[1], recent=sources[2]))


@bp.get("/help/categories/<category_slug>")
def category(category_slug: str):
    if not plausible_slug(category_slug):
        abort(404)
    found = kb_cache.category_by_slug(category_slug)
    if found is None:
        abort(404)
    staff = _is_staff()
    if not staff and all(card.id != found.id for card, _n in kb_cache.topics(is_staff=False)):
        abort(404)  # no article customers may read: a staff-only topic, not shown to them
    page = page_number(request.args.get("page"), last=MAX_PAGE)

    def render() -> str:
        articles, total = kb.category_articles(found, is_staff=staff, page=page,
                                               per_page=CATEGORY_PER_PAGE)
        pages = max(1, -(-total // CATEGORY_PER_PAGE))
        if page > pages:  # past the end: the last page
            articles, total = kb.category_articles(found, is_staff=staff, page=pages,
                                                   per_page=CATEGORY_PER_PAGE)
        return render_template("kb/category.html", category=found, articles=articles,
                               total=total, page=min(page, pages), pages=pages)

    return page_cache.page("help category", kb_cache.stamp(), render, args=frozenset({"page"}))


@bp.get("/help/articles/<slug>")
def article(slug: str):
    """The article is read fresh, as one row (its votes change without a log row); its
    category and related articles come from kb_cache; views are written in batches (kb_views)."""
    staff = _is_staff()
    if not plausible_slug(slug):
        abort(404)
    try:
        found = kb_cache.article_for_page(slug, is_staff=staff)
    except NotFound:
        abort(404)
    search_ref = request.args.get("from_search")
    if search_ref:
        search_service.record_click(search_ref, found.slug, session_id=session.get("sid", ""))
    suggestion_id = search_log_id(request.args.get("from_suggestion"))
    if suggestion_id is not None:  # opened from the complaint form's suggestions
        deflection.record_click(suggestion_id, session_id=session_id(), now=utc_now())

    def render() -> str:
        return render_template(
            "kb/article.html", article=found, comment_label=COMMENT_LABEL,
            category=kb_cache.categories_by_id().get(found.category_id),
            my_vote=kb.feedback_of(found, _voter_key(create=False)),
            related=kb_cache.related(found, is_staff=staff))

    # A visitor with a session id may have voted (my_vote): such pages are rendered for them.
    page = page_cache.page("article", tuple(found), render)  # the row holds the stamp
    kb_views.record(found.id)
    return page


@bp.post("/help/articles/<slug>/feedback")
@rate_limit("RATELIMIT_FEEDBACK")
def feedback(slug: str):
    found = _readable_article(slug, staff=_is_staff())
    back = url_for("kb.article", slug=found.slug, _anchor="feedback")
    form = FeedbackForm()
    if not form.validate_on_submit():
        errors = [str(error) for errors in form.errors.values() for error in errors]
        flash(" ".join(errors) or _("Your feedback could not be saved. Please try again."),
              "error")
        return redirect(back)
    user = current_user._get_current_object() if current_user.is_authenticated else None
    kb.vote(found, voter_key=_voter_key(create=True), user=user,
            helpful=form.helpful.data == "yes", comment=form.comment.data or "", now=utc_now())
    flash(_("Thank you for your feedback."), "success")
    return redirect(back)


@bp.get("/search")
@rate_limit("RATELIMIT_SEARCH", scope="search")
def search():
    """Anonymous visitors' result pages are kept (web/page_cache) while the search log's stamp
    and the index's position hold; each search is still logged, and its ref (which the result
    links carry to count click-throughs) is put into the page."""
    args = search_args(request.args)
    staff = _is_staff()
    logged = bool(args.q and search_service.normalize_query(args.q))
    cacheable = page_cache.applies(SEARCH_SESSION_KEYS, SEARCH_ARGS)
    validity = (kb_cache.stamp(), search_service.index_position()) if cacheable else None
    kept = page_cache.lookup("search", validity) if cacheable else None
    unavailable = False  # kept pages never are
    if kept is not None:
        html, total = kept.html, kept.extra
    else:
        html, total, unavailable = _search_page(args, staff=staff, log_mark=logged)
        if cacheable and not unavailable:
            page_cache.store("search", validity, html, total)
    if logged:  # not when the index could not answer: it would count as "no results"
        ref = None if unavailable else search_service.log_search(
            args.q, total, session_id=session_id(), source="page", now=utc_now())
        html = html.replace(LOG_MARK, ref or "")
    return page_cache.served(html)


# Where a search's ref goes in its page (rendered before the search is logged). Random per
# process, so it cannot be typed into the page.
LOG_MARK = "log" + secrets.token_hex(12)
SEARCH_ARGS = frozenset({"q", "category", "page", "kind"})
SEARCH_SESSION_KEYS = frozenset({"sid"})  # the search session id changes nothing on the page


def _search_page(args, *, staff: bool, log_mark: bool) -> tuple[str, int, bool]:
    """The search page's HTML (LOG_MARK for the search's ref when `log_mark`), the result
    count, and whether the index could not answer (such a page is not kept)."""
    results, answered = None, set()
    if args.q:
        results = search_service.search_articles(args.q, staff=staff, category=args.category,
                                                 page=args.page, per_page=PER_PAGE,
                                                 kind=args.kind)
        if results.total and args.page > results.pages:  # past the end: show the last page
            results = search_service.search_articles(
                args.q, staff=staff, category=args.category, page=results.pages,
                per_page=PER_PAGE, kind=args.kind)
        hits, answered = forum_search.checked_hits(results.hits)
        results.hits = _highlighted(hits)
    popular = kb_cache.popular(is_staff=staff) if not results or not results.total else []
    names = _category_names()
    facets = [(slug, names.get(slug, slug), count)
              for slug, count in (results.facets if results else []) if slug]
    html = render_template("kb/search.html", q=args.q, category=args.category,
                           category_name=names.get(args.category, args.category),
                           category_names=names,
                           kind=args.kind, answered=answered, hit_url=forum_search.hit_url,
                           results=results, search_ref=LOG_MARK if log_mark else None,
                           facets=facets, popular=popular)
    return html, results.total if results else 0, bool(results and results.unavailable)


# --- JSON -----------------------------------------------------------------------------------

@bp.get("/api/search")
@rate_limit("RATELIMIT_SEARCH", scope="search")
def api_search():
    """Articles only, unless `kind` asks for "thread" or "all"."""
    q = clean_query(request.args.get("q"))
    if not q:
        return json_response({"results": [], "total": 0, "did_you_mean": None,
                              "unavailable": False})
    results = search_service.search_articles(q, staff=_is_staff(),
                                             per_page=api_limit(request.args.get("limit")),
                                             kind=search_kind(request.args.get("kind"),
                                                              "article"))
    hits, _answered = forum_search.checked_hits(results.hits)
    if not results.unavailable:
        search_service.log_search(q, results.total, session_id=session_id(), source="api",
                                  now=utc_now())
    return json_response({
        "results": [{"kind": hit.kind, "slug": hit.slug, "title": hit.title,
                     "url": forum_search.hit_url(hit),
                     "snippet": _plain_snippet(hit.snippet_html), "score": hit.score}
                    for hit in hits],
        "total": results.total,
        "did_you_mean": results.did_you_mean,
        "unavailable": results.unavailable,
    })


@bp.get("/api/suggest")
@rate_limit("RATELIMIT_SUGGEST")
def suggest():
    q = clean_query(request.args.get("q"), MAX_SUGGEST_CHARS)
    pairs = search_service.suggestions(q, staff=_is_staff(), limit=SUGGESTIONS) if q else []
    return json_response({"suggestions": [
        {"title": title, "url": url_for("kb.article", slug=slug)} for slug, title in pairs]})
