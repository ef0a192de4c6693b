"""Running a search: match, rank, count, facet, highlight, correct, and suggest titles.

What matches and what ranks is planned in portal.search.plan. Here the plan runs against one
searcher with the visitor's visibility applied, and the page's pieces are assembled: the total
and the category counts (from the matching documents, never scored), the top hits (scored, with
highlighted title and snippet), whether the top hit answers the question, and did-you-mean.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from html import escape
from weakref import WeakKeyDictionary

from whoosh import highlight
from whoosh.query import And, Or, Prefix, Query, Term
from whoosh.searching import Searcher

from portal.search.analysis import STOP_TERMS, folding_analyzer, stem_word, text_analyzer
from portal.search.plan import MAX_QUERY_CHARS, SEARCH_FIELDS, Plan, plan_query

# Share of the question's content words the top hit must contain to count as an answer; below
# it the page says it has no confident answer and offers the complaint form first.
CONFIDENT_COVERAGE = 0.5
ARTICLE, THREAD = "article", "thread"
KINDS = ("", ARTICLE, THREAD)  # "" is every kind
SNIPPET_CHARS = 220
# How many candidates the matching words pick for the full scoring to rank (see _ranked).
RERANK_DEPTH = 40


@dataclass
class Hit:
    kind: str
    slug: str
    title: str
    title_html: str
    snippet_html: str
    category: str
    category_name: str
    visibility: str
    score: float


@dataclass
class SearchResults:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 10
    facets: list[tuple[str, int]] = field(default_factory=list)  # category slug, count
    kinds: dict[str, int] = field(default_factory=dict)  # kind → count, for the type filter
    kind: str = ""  # the kind shown ("" for all)
    did_you_mean: str | None = None
    confident: bool = False  # the top hit covers enough of the question to call it an answer
    unavailable: bool = False  # the index could not answer (being rebuilt): say so, not "none"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def visibility_filter(*, staff: bool) -> Query:
    """Customers and guests see public documents only; staff also see internal ones."""
    if staff:
        return Or([Term("visibility", "public"), Term("visibility", "internal")])
    return Term("visibility", "public")


# Sets of document numbers that depend only on the index state a searcher sees, so each is
# computed once per searcher (searchers are reused until the index changes).
_HIDDEN: WeakKeyDictionary[Searcher, frozenset[int]] = WeakKeyDictionary()
_BY_CATEGORY: WeakKeyDictionary[Searcher, dict[str, frozenset[int]]] = WeakKeyDictionary()
_BY_KIND: WeakKeyDictionary[Searcher, dict[str, frozenset[int]]] = WeakKeyDictionary()


def hidden_from_customers(searcher: Searcher) -> frozenset[int]:
    """Document numbers customers may not see. Internal documents are few: the set is small."""
    hidden = _HIDDEN.get(searcher)
    if hidden is None:
        hidden = _HIDDEN[searcher] = frozenset(
            searcher.docs_for_query(Term("visibility", "internal")))
    return hidden


def documents_by_category(searcher: Searcher) -> dict[str, frozenset[int]]:
    """Category slug → its document numbers: facet counts become set intersections."""
    groups = _BY_CATEGORY.get(searcher)
    if groups is None:
        groups = _BY_CATEGORY[searcher] = {
            slug: frozenset(searcher.docs_for_query(Term("category", slug)))
            for slug in (value.decode() if isinstance(value, bytes) else value
                         for value in searcher.reader().lexicon("category"))}
    return groups


def documents_by_kind(searcher: Searcher) -> dict[str, frozenset[int]]:
    """Kind ("article", "thread") → its document numbers: the type filter and its counts
    become set intersections, like the category facets."""
    groups = _BY_KIND.get(searcher)
    if groups is None:
        groups = _BY_KIND[searcher] = {
            kind: frozenset(searcher.docs_for_query(Term("kind", kind)))
            for kind in (ARTICLE, THREAD)}
    return groups


def allowed_filter(*, staff: bool, kind: str = "") -> Query:
    """What a visitor may see of one kind (or of every kind)."""
    allowed = visibility_filter(staff=staff)
    return And([allowed, Term("kind", kind)]) if kind else allowed


CATEGORY_FILTER = re.compile(r"(?:^|\s)category:([a-z0-9-]+)", re.IGNORECASE)


def split_filters(text: str) -> tuple[str, str]:
    """`category:billing refund` → ("refund", "billing"): a category filter restricts."""
    match = CATEGORY_FILTER.search(text)
    if not match:
        return text, ""
    return (text[:match.start()] + " " + text[match.end():]).strip(), match.group(1).lower()


def _formatter() -> highlight.HtmlFormatter:
    # HtmlFormatter escapes the text; only its own <mark> tags are mark-up.
    return highlight.HtmlFormatter(tagname="mark", classname="hl", termclass="t", between=" … ")


def highlight_terms(searcher: Searcher, query: Query) -> frozenset[str]:
    """The words to mark: what the query looks for in title and body (prefixes expanded),
    without stop words, which would light up every other word of a snippet."""
    reader = searcher.reader()
    # Leaf by leaf: Whoosh's existing_terms() on a compound query reuses its `fieldname`
    # argument as a loop variable, so after the first leaf it skipped every other field's words
    # (a two-word question lit up nothing in the snippet).
    found = {text.decode() if isinstance(text, bytes) else text
             for leaf in query.leaves() if leaf.field() in ("title", "body")
             for _fieldname, text in leaf.existing_terms(reader, expand=True)}
    return frozenset(found - STOP_TERMS)


def _marked(text: str, words: frozenset[str], fragmenter, *, top: int) -> str:
    if not words or not text:
        return ""
    return highlight.highlight(text, words, text_analyzer(), fragmenter, _formatter(), top=top,
                               minscore=1)


def _hit(stored: dict, score: float, words: frozenset[str]) -> Hit:
    title, preview = stored["title"], stored["preview"]
    snippet = _marked(preview, words, highlight.ContextFragmenter(maxchars=200, surround=60),
                      top=2)
    if not snippet:
        snippet = escape(preview[:SNIPPET_CHARS] + ("…" if len(preview) > SNIPPET_CHARS else ""))
    title_html = _marked(title, words, highlight.WholeFragmenter(), top=1) or escape(title)
    return Hit(kind=stored["kind"], slug=stored["slug"], title=title, title_html=title_html,
               snippet_html=snippet, category=stored["category"],
               category_name=stored["category_name"], visibility=stored["visibility"],
               score=round(float(score or 0), 3))


def _coverage(searcher: Searcher, docnum: int, words: tuple[str, ...]) -> float:
    """Share of the question's content words that document `docnum` contains."""
    if not words:
        return 0.0
    reader, found = searcher.reader(), 0
    for word in words:
        for fieldname in SEARCH_FIELDS:
            if (fieldname, word) not in reader:
                continue
            postings = reader.postings(fieldname, word)
            if not postings.is_active():
                continue  # the term list still holds words of deleted documents until a merge
            postings.skip_to(docnum)
            if postings.is_active() and postings.id() == docnum:
                found += 1
                break
    return found / len(words)


def _ranked(searcher: Searcher, plan: Plan, allowed: set[int], *,
            limit: int) -> list[tuple[int, float]]:
    """The best `limit` of `allowed` as (docnum, score), best first.

    Two stages: the matching words alone pick the RERANK_DEPTH best candidates (a plain OR of
    words, so Whoosh can skip posting blocks that cannot reach them); then the optional part
    (common words, phrase boosts) adds its score to just those candidates.
    """
    first = searcher.search(plan.matching, filter=allowed, limit=max(RERANK_DEPTH, limit))
    scores = {hit.docnum: hit.score for hit in first}
    if plan.optional is not None:
        extra = score_documents(searcher, plan.optional, sorted(scores))
        for docnum, score in extra.items():
            scores[docnum] += score
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]


def score_documents(searcher: Searcher, query: Query, docnums: list[int]) -> dict[int, float]:
    """Scores of `query` for the given (ascending) document numbers that it matches, found by
    skipping the query's matcher to each one instead of scoring every match."""
    scores: dict[int, float] = {}
    context = searcher.context()
    for subsearcher, offset in searcher.leaf_searchers():
        end = offset + subsearcher.doc_count_all()
        matcher = query.matcher(subsearcher, context)
        for docnum in docnums:
            if not offset <= docnum < end:
                continue
            local = docnum - offset
            if matcher.is_active() and matcher.id() < local:
                matcher.skip_to(local)
            if not matcher.is_active():
                break
            if matcher.id() == local:
                scores[docnum] = matcher.score()
    return scores


# Recent result pages per searcher. A searcher lives until the index changes (the next request
# then opens a new one), so a cached page is never staler than the index; and searchers are
# per thread, so no lock is needed. Visitors ask the same questions again and again (the
# editors' report's top searches); at 50k documents a page costs ~100 ms to compute and a few
# kilobytes to keep.
RESULT_CACHE_SIZE = 256
_RESULTS: WeakKeyDictionary[Searcher, OrderedDict] = WeakKeyDictionary()


def _copy(results: SearchResults) -> SearchResults:
    """A copy the caller may change (the search page rewrites its hits' highlights)."""
    return replace(results, hits=[replace(hit) for hit in results.hits],
                   facets=list(results.facets), kinds=dict(results.kinds))


def run_search(searcher: Searcher, text: str, *, staff: bool, category: str = "",
               page: int = 1, per_page: int = 10, kind: str = ARTICLE) -> SearchResults:
    """One page of results of `kind` ("article", "thread", "" for every kind). Each filter's
    counts (categories, kinds) apply the other filter but not their own, like facets."""
    cache = _RESULTS.setdefault(searcher, OrderedDict())
    key = (text, staff, category, page, per_page, kind)
    if key in cache:
        cache.move_to_end(key)
        return _copy(cache[key])
    results = _run_search(searcher, text, staff=staff, category=category, page=page,
                          per_page=per_page, kind=kind)
    cache[key] = results
    if len(cache) > RESULT_CACHE_SIZE:
        cache.popitem(last=False)
    return _copy(results)


def _run_search(searcher: Searcher, text: str, *, staff: bool, category: str, page: int,
                per_page: int, kind: str) -> SearchResults:
    words, typed_category = split_filters(text)
    category = category or typed_category
    kind = kind if kind in KINDS else ARTICLE
    results = SearchResults(query=text, page=max(page, 1), per_page=per_page, kind=kind)
    plan = plan_query(searcher, words)
    if plan is None:
        return results
    matched = set(searcher.docs_for_query(plan.matching))
    if not staff:
        matched -= hidden_from_customers(searcher)
    groups = documents_by_category(searcher)
    by_kind = documents_by_kind(searcher)
    in_category = matched & groups.get(category, frozenset()) if category else matched
    results.kinds = {name: len(in_category & docs) for name, docs in by_kind.items()}
    if kind:
        matched &= by_kind[kind]
    counts = {slug: len(matched & docs) for slug, docs in groups.items()}
    if category:
        matched &= groups.get(category, frozenset())
    results.total = len(matched)
    results.facets = sorted(((slug, n) for slug, n in counts.items() if n),
                            key=lambda facet: (-facet[1], facet[0]))
    if matched:
        ranked = _ranked(searcher, plan, matched, limit=results.page * per_page)
        marks = highlight_terms(searcher, plan.scoring)
        for docnum, score in ranked[(results.page - 1) * per_page:]:
            results.hits.append(_hit(searcher.stored_fields(docnum), score, marks))
        results.confident = _coverage(searcher, ranked[0][0], plan.words) >= CONFIDENT_COVERAGE
    if results.total == 0 or len(results.hits) < 3:
        results.did_you_mean = did_you_mean(searcher, words, staff=staff, kind=kind)
    return results


VOCABULARY = "title_words"


def _visible_word(searcher: Searcher, word: str, allowed: Query) -> bool:
    """Whether a document the visitor may see holds `word` now. The term list alone is not
    enough: it holds internal titles too, and Whoosh keeps a deleted document's words there
    until its segment is merged."""
    return bool(len(searcher.search(Term(VOCABULARY, word), filter=allowed, limit=1)))


def _known(reader, word: str) -> bool:
    """A word the index holds anywhere: in a title or tag as typed, or as a searched term."""
    if reader.doc_frequency(VOCABULARY, word):
        return True
    term = stem_word(word)
    return any(reader.doc_frequency(fieldname, term) for fieldname in SEARCH_FIELDS)


def respelled(text: str, *, known: Callable[[str], bool],
              respellings: Callable[[str], list[str]]) -> str | None:
    """The question with each unknown word (3+ letters, not a number) replaced by its best
    respelling, or None when no word changed. Both backends' did-you-mean use it."""
    corrected, changed = [], False
    for word in (token.text for token in folding_analyzer()(text[:MAX_QUERY_CHARS])):
        if len(word) > 2 and not word.isdigit() and not known(word):
            suggestions = respellings(word)
            if suggestions:
                corrected.append(suggestions[0])
                changed = True
                continue
        corrected.append(word)
    return " ".join(corrected) if changed else None


def did_you_mean(searcher: Searcher, text: str, *, staff: bool,
                 kind: str = ARTICLE) -> str | None:
    """A respelling of the unknown words from the titles of `kind` the visitor may see,
    offered only if it finds something."""
    reader = searcher.reader()
    corrector = searcher.corrector(VOCABULARY)
    allowed = allowed_filter(staff=staff, kind=kind)
    suggestion = respelled(text, known=lambda word: _known(reader, word), respellings=lambda word: [
        candidate for candidate in corrector.suggest(word, limit=3, maxdist=2, prefix=1)
        if _visible_word(searcher, candidate, allowed)])
    if suggestion is None:
        return None
    plan = plan_query(searcher, suggestion)
    check = searcher.search(plan.matching, filter=allowed, limit=1) if plan else []
    return suggestion if len(check) else None


def suggest_titles(searcher: Searcher, prefix_text: str, *, staff: bool,
                   limit: int = 5) -> list[tuple[str, str]]:
    """Article titles for suggest-as-you-type: every typed word, the last one as a prefix."""
    words = [token.text for token in folding_analyzer()(prefix_text[:100])]
    if not words or len(words[-1]) < 2 and len(words) == 1:
        return []
    clauses = [Term("title_words", word) for word in words[:-1]]
    clauses.append(Prefix("title_words", words[-1]))
    results = searcher.search(And(clauses), filter=allowed_filter(staff=staff, kind=ARTICLE),
                              limit=limit)
    return [(hit["slug"], hit["title"]) for hit in results]
