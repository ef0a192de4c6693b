"""Running a search in PostgreSQL, to the rules of the Whoosh backend (portal.search.query).

The plan comes from portal.search.pg_plan (matching words, ranking words, a title phrase).
The page's pieces come out as Whoosh's do: total, category and kind counts (each filter's
counts apply the other filter), the ranked hits with <mark> highlights (escaped here, never
trusted from the database), whether the top hit answers the question, and did-you-mean.
"""

from __future__ import annotations

import re
from html import escape

from sqlalchemy import (
    Boolean,
    Integer,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
)

from portal.extensions import db
from portal.search.analysis import folding_analyzer
from portal.search.pg_plan import (
    PORTAL,
    Plan,
    matches,
    plan_query,
    tsquery,
)
from portal.search.pg_schema import documents as D
from portal.search.pg_schema import words as W
from portal.search.query import (
    ARTICLE,
    CONFIDENT_COVERAGE,
    KINDS,
    SNIPPET_CHARS,
    THREAD,
    Hit,
    SearchResults,
    respelled,
    split_filters,
)

# Weights of D, C (body), B (tags), A (title): like the Whoosh field boosts (1, 1.5, 1.5).
RANK_WEIGHTS = "'{0.1, 0.4, 0.6, 0.6}'::float4[]"
TITLE_PHRASE_BONUS = 0.3
PREVIEW_CHARS = 1500
START, STOP = "\ue000", "\ue001"  # private-use marks around highlighted words, then escaped
TITLE_HEADLINE = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
SNIPPET_HEADLINE = (f'StartSel={START}, StopSel={STOP}, MaxFragments=2, MaxWords=30, '
                    f'MinWords=12, ShortWord=2, FragmentDelimiter=" … "')
MARK_CLASSES = 5  # like Whoosh's HtmlFormatter: t0 … t4, recycled


# --- running it -----------------------------------------------------------------------------

def _visible(*, staff: bool, kind: str = "", category: str = "") -> list:
    """Conditions on search_documents for what a visitor may see (of a kind, in a category)."""
    conditions = [D.c.visibility.in_(("public", "internal")) if staff
                  else D.c.visibility == "public"]
    if kind:
        conditions.append(D.c.kind == kind)
    if category:
        conditions.append(D.c.category == category)
    return conditions


def _counts(plan: Plan, *, staff: bool) -> dict[tuple[str, str], int]:
    rows = db.session.execute(
        select(D.c.kind, D.c.category, func.count())
        .where(*_visible(staff=staff), matches(D.c.document, plan.matching))
        .group_by(D.c.kind, D.c.category))
    return {(kind, category): n for kind, category, n in rows}


def _marked(headline: str | None) -> str:
    """ts_headline's output with our private marks, as escaped text and <mark> tags."""
    if not headline or START not in headline:
        return ""
    seen: dict[str, int] = {}
    pieces = re.split(f"{START}(.*?){STOP}", headline, flags=re.DOTALL)
    out = []
    for number, piece in enumerate(pieces):
        piece = escape(piece.replace(START, "").replace(STOP, ""), quote=False)
        if number % 2 == 0:
            out.append(piece)
        elif piece:
            term = seen.setdefault(piece, len(seen) % MARK_CLASSES)
            out.append(f'<mark class="hl t{term}">{piece}</mark>')
    return "".join(out)


def _headline(source, query: str, options: str):
    """ts_headline over the text without our private marks (a document cannot fake one)."""
    cleaned = func.translate(source, START + STOP, "")
    return func.ts_headline(PORTAL, cleaned, tsquery(query), options)


def _ranked(plan: Plan, *, staff: bool, kind: str, category: str, page: int,
            per_page: int) -> list:
    """The best page*per_page documents' numbers and scores; the fields and highlights of
    the page's rows and of the top one (whose coverage says whether it answers)."""
    score = func.ts_rank(literal_column(RANK_WEIGHTS), D.c.document, tsquery(plan.scoring), 1)
    if plan.phrase:
        score = score + case((matches(func.ts_filter(D.c.document, literal_column("'{a}'")),
                                       plan.phrase), TITLE_PHRASE_BONUS), else_=0)
    score = score.label("score")
    ranked = (select(D.c.key, score, D.c.kind.label("k"), D.c.object_id.label("o"))
              .where(*_visible(staff=staff, kind=kind, category=category),
                     matches(D.c.document, plan.matching))
              .order_by(score.desc(), D.c.kind, D.c.object_id).limit(page * per_page)
              .cte("ranked"))
    numbered = select(ranked.c.key, ranked.c.score, func.row_number().over(
        order_by=(ranked.c.score.desc(), ranked.c.k, ranked.c.o)).label("n")).subquery()
    covered = sum((cast(matches(D.c.document, query), Integer) for query in plan.coverage),
                  literal(0))
    preview = func.left(D.c.body, PREVIEW_CHARS)
    columns = [numbered.c.n, numbered.c.score, D.c.kind, D.c.slug, D.c.title, D.c.category,
               D.c.category_name, D.c.visibility, preview.label("preview"),
               case((numbered.c.n == 1, covered)).label("covered")]
    if plan.marks:
        columns += [_headline(D.c.title, plan.marks, TITLE_HEADLINE).label("title_marked"),
                    _headline(preview, plan.marks, SNIPPET_HEADLINE).label("snippet_marked")]
    else:
        columns += [null().label("title_marked"), null().label("snippet_marked")]
    offset = (page - 1) * per_page
    return list(db.session.execute(
        select(*columns).join_from(numbered, D, D.c.key == numbered.c.key)
        .where(or_(numbered.c.n == 1, numbered.c.n > offset)).order_by(numbered.c.n)))


def _hit(row) -> Hit:
    preview = row.preview or ""
    snippet = _marked(row.snippet_marked) or escape(
        preview[:SNIPPET_CHARS] + ("…" if len(preview) > SNIPPET_CHARS else ""), quote=False)
    return Hit(kind=row.kind, slug=row.slug, title=row.title,
               title_html=_marked(row.title_marked) or escape(row.title, quote=False),
               snippet_html=snippet, category=row.category, category_name=row.category_name,
               visibility=row.visibility, score=round(float(row.score or 0), 3))


def run_search(typed: str, *, staff: bool, category: str = "", page: int = 1,
               per_page: int = 10, kind: str = ARTICLE) -> SearchResults:
    """One page of results of `kind` ("article", "thread", "" for every kind)."""
    words, typed_category = split_filters(typed)
    category = category or typed_category
    kind = kind if kind in KINDS else ARTICLE
    results = SearchResults(query=typed, page=max(page, 1), per_page=per_page, kind=kind)
    plan = plan_query(words)
    if plan is None:
        return results
    counts = _counts(plan, staff=staff)
    results.kinds = {name: sum(n for (k, c), n in counts.items()
                               if k == name and (not category or c == category))
                     for name in (ARTICLE, THREAD)}
    by_category: dict[str, int] = {}
    for (k, c), n in counts.items():
        if c and (not kind or k == kind):
            by_category[c] = by_category.get(c, 0) + n
    results.facets = sorted(by_category.items(), key=lambda facet: (-facet[1], facet[0]))
    results.total = sum(n for (k, c), n in counts.items()
                        if (not kind or k == kind) and (not category or c == category))
    if results.total:
        rows = _ranked(plan, staff=staff, kind=kind, category=category, page=results.page,
                       per_page=per_page)
        offset = (results.page - 1) * per_page
        results.hits = [_hit(row) for row in rows if row.n > offset]
        if rows and plan.coverage:
            results.confident = (rows[0].covered or 0) / len(plan.coverage) >= \
                CONFIDENT_COVERAGE
    if results.total == 0 or len(results.hits) < 3:
        results.did_you_mean = did_you_mean(words, staff=staff, kind=kind)
    return results


# --- did you mean, suggestions ----------------------------------------------------------------

def _known(word: str, visible: list) -> bool:
    """A word a document the visitor may see holds: in a title or tag as typed, or anywhere
    as a searched lexeme."""
    in_titles = select(W.c.key).join(D, D.c.key == W.c.key).where(W.c.word == word, *visible)
    searched = select(D.c.key).where(
        D.c.document.op("@@", return_type=Boolean)(func.plainto_tsquery(PORTAL, word)),
        *visible)
    return bool(db.session.scalar(select(or_(exists(in_titles), exists(searched)))))


def _respellings(word: str, visible: list) -> list[str]:
    """Title and tag words of visible documents close to `word` (trigrams; same first
    letter and at most two letters longer or shorter, as Whoosh's corrector asks)."""
    return list(db.session.scalars(
        select(W.c.word).join(D, D.c.key == W.c.key)
        .where(W.c.word.op("%", return_type=Boolean)(word),
               func.left(W.c.word, 1) == word[:1],
               func.abs(func.length(W.c.word) - len(word)) <= 2, *visible)
        .group_by(W.c.word)
        .order_by(func.max(func.similarity(W.c.word, word)).desc(), func.count().desc(),
                  W.c.word)
        .limit(3)))


def did_you_mean(typed: str, *, staff: bool, kind: str = ARTICLE) -> str | None:
    """A respelling of the unknown words from the titles of `kind` the visitor may see,
    offered only if it finds something."""
    visible = _visible(staff=staff, kind=kind)
    suggestion = respelled(typed, known=lambda word: _known(word, visible),
                           respellings=lambda word: _respellings(word, visible))
    if suggestion is None:
        return None
    plan = plan_query(suggestion)
    if plan is None:
        return None
    found = db.session.scalar(select(exists(select(D.c.key).where(
        *visible, matches(D.c.document, plan.matching)))))
    return suggestion if found else None


def _like_prefix(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def suggest_titles(prefix_text: str, *, staff: bool, limit: int = 5) -> list[tuple[str, str]]:
    """Article titles for suggest-as-you-type: every typed word, the last one as a prefix."""
    words = [token.text for token in folding_analyzer()(prefix_text[:100])]
    if not words or len(words[-1]) < 2 and len(words) == 1:
        return []
    def has(condition):
        return exists(select(W.c.key).where(W.c.key == D.c.key, condition))

    conditions = [has(W.c.word == word) for word in words[:-1]]
    conditions.append(has(W.c.word.like(_like_prefix(words[-1]), escape="\\")))
    rows = db.session.execute(
        select(D.c.slug, D.c.title).where(*_visible(staff=staff, kind=ARTICLE), *conditions)
        .order_by(D.c.popularity.desc(), func.length(D.c.title), D.c.title).limit(limit))
    return [(slug, title) for slug, title in rows]
