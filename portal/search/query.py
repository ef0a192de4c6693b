"""Turning what a customer typed into results: parse, score, filter, highlight, correct.

Customers type whole questions. Requiring every word (a parser's default AND) finds nothing for
most of them, so the words are OR-ed with a coordination boost (documents matching more of the
words rank higher) and a phrase-proximity boost. Quoted phrases, prefixes (`refu*`) and field
filters (`title:refund`, `category:billing`) still work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from whoosh import highlight
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.qparser.plugins import BoostPlugin, EveryPlugin, RangePlugin
from whoosh.query import And, NullQuery, Or, Phrase, Prefix, Query, Term
from whoosh.searching import Searcher

from portal.search.analysis import folding_analyzer, terms

SEARCH_FIELDS = ("title", "body", "tags")
# Share of the question's distinct terms the top hit must contain to count as an answer; below
# it the page says it has no confident answer and offers the complaint form first.
CONFIDENT_COVERAGE = 0.5
FILTER_FIELDS = {"title", "body", "tags", "category"}
MAX_QUERY_CHARS = 300


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
    did_you_mean: str | None = None
    confident: bool = False  # the top hit covers enough of the question to call it an answer

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def visibility_filter(*, staff: bool) -> Query:
    """Customers and guests see public documents only; staff also see internal ones."""
    if staff:
        return Or([Term("visibility", "public"), Term("visibility", "internal")])
    return Term("visibility", "public")


def _parser(schema) -> MultifieldParser:
    parser = MultifieldParser(list(SEARCH_FIELDS), schema, group=OrGroup.factory(0.9))
    for plugin in (BoostPlugin, RangePlugin, EveryPlugin):
        parser.remove_plugin_class(plugin)
    return parser


def _uses_only_allowed_fields(query: Query) -> bool:
    return all(fieldname in FILTER_FIELDS for fieldname, _ in query.iter_all_terms())


CATEGORY_FILTER = re.compile(r"(?:^|\s)category:([a-z0-9-]+)", re.IGNORECASE)


def split_filters(text: str) -> tuple[str, str]:
    """`category:billing refund` → ("refund", "billing"): a category filter restricts."""
    match = CATEGORY_FILTER.search(text)
    if not match:
        return text, ""
    return (text[:match.start()] + " " + text[match.end():]).strip(), match.group(1).lower()


def build_query(schema, text: str) -> Query:
    """The scoring query for `text` (empty → NullQuery)."""
    text = " ".join(text.split())[:MAX_QUERY_CHARS]
    if not text:
        return NullQuery
    parser = _parser(schema)
    parsed = parser.parse(text)
    if not _uses_only_allowed_fields(parsed):  # `visibility:internal` and the like are words
        parsed = parser.parse(text.replace(":", " "))
    words = terms(text)
    if len(words) < 2 or '"' in text:
        return parsed
    return Or([parsed,
               Phrase("title", words, slop=2, boost=3.0),
               Phrase("body", words, slop=4, boost=2.0)])


def _formatter() -> highlight.HtmlFormatter:
    # HtmlFormatter escapes the text; only its own <mark> tags are mark-up.
    return highlight.HtmlFormatter(tagname="mark", classname="hl", termclass="t", between=" … ")


def _hit(hit) -> Hit:
    title_html = hit.highlights("title", minscore=0)
    snippet = hit.highlights("body", text=hit["preview"], top=2)
    if not snippet:
        preview = hit["preview"]
        snippet = escape(preview[:220] + ("…" if len(preview) > 220 else ""))
    return Hit(kind=hit["kind"], slug=hit["slug"], title=hit["title"],
               title_html=title_html or escape(hit["title"]), snippet_html=snippet,
               category=hit["category"], category_name=hit["category_name"],
               visibility=hit["visibility"], score=round(float(hit.score or 0), 3))


def run_search(searcher: Searcher, text: str, *, staff: bool, category: str = "",
               page: int = 1, per_page: int = 10) -> SearchResults:
    words, typed_category = split_filters(text)
    category = category or typed_category
    query = build_query(searcher.schema, words)
    results = SearchResults(query=text, page=max(page, 1), per_page=per_page)
    if query is NullQuery:
        return results
    allowed = visibility_filter(staff=staff)
    everything = searcher.search(query, filter=allowed, groupedby="category",
                                 limit=results.page * per_page, terms=True)
    counts = {slug: len(docs) for slug, docs in everything.groups("category").items()}
    if category:
        shown = searcher.search(query, filter=And([allowed, Term("category", category)]),
                                limit=results.page * per_page)
    else:
        shown = everything
    results.total = len(shown)
    results.confident = _coverage(everything, words) >= CONFIDENT_COVERAGE
    shown.fragmenter = highlight.ContextFragmenter(maxchars=200, surround=60)
    shown.formatter = _formatter()
    for hit in shown[(results.page - 1) * per_page: results.page * per_page]:
        results.hits.append(_hit(hit))
    results.facets = sorted(counts.items(), key=lambda facet: (-facet[1], facet[0]))
    if results.total == 0 or len(results.hits) < 3:
        results.did_you_mean = did_you_mean(searcher, words, staff=staff)
    return results


def _coverage(results, text: str) -> float:
    """Share of the query's distinct terms that the top hit contains."""
    wanted = set(terms(text))
    if not wanted or not results.scored_length():
        return 0.0
    found = {value.decode() if isinstance(value, bytes) else value
             for _field, value in results[0].matched_terms()}
    return len(wanted & found) / len(wanted)


def _visible_word(searcher: Searcher, word: str, allowed: Query) -> bool:
    """Whether a document the visitor may see holds `word` now. The term list alone is not
    enough: Whoosh keeps a deleted document's words there until its segment is merged."""
    return bool(len(searcher.search(Term("spell", word), filter=allowed, limit=1)))


def did_you_mean(searcher: Searcher, text: str, *, staff: bool) -> str | None:
    """A respelling drawn from the public vocabulary, offered only if it finds something."""
    words = [token.text for token in folding_analyzer()(text[:MAX_QUERY_CHARS])]
    reader = searcher.reader()
    corrector = searcher.corrector("spell")
    allowed = visibility_filter(staff=staff)
    corrected, changed = [], False
    for word in words:
        if len(word) > 2 and not word.isdigit() and reader.doc_frequency("spell", word) == 0:
            suggestions = [candidate for candidate in
                           corrector.suggest(word, limit=3, maxdist=2, prefix=1)
                           if _visible_word(searcher, candidate, allowed)]
            if suggestions:
                corrected.append(suggestions[0])
                changed = True
                continue
        corrected.append(word)
    if not changed:
        return None
    suggestion = " ".join(corrected)
    check = searcher.search(build_query(searcher.schema, suggestion), filter=allowed, limit=1)
    return suggestion if len(check) else None


def suggest_titles(searcher: Searcher, prefix_text: str, *, staff: bool,
                   limit: int = 5) -> list[tuple[str, str]]:
    """Titles for suggest-as-you-type: every typed word, the last one as a prefix."""
    words = [token.text for token in folding_analyzer()(prefix_text[:100])]
    if not words or len(words[-1]) < 2 and len(words) == 1:
        return []
    clauses = [Term("title_words", word) for word in words[:-1]]
    clauses.append(Prefix("title_words", words[-1]))
    results = searcher.search(And(clauses), filter=visibility_filter(staff=staff), limit=limit)
    return [(hit["slug"], hit["title"]) for hit in results]
