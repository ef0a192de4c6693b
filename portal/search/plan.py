"""From what a customer typed to the two queries a search runs: what matches, and what ranks.

Customers type whole questions. Requiring every word (a parser's default AND) finds nothing for
most of them, so the words are OR-ed. Stop words stay in the index because they carry meaning
("log out" is not "log in"), but a word found in a large share of the documents ("how", "my",
"change") must not decide what matches: the union of its postings is most of the index, and
scoring all of it is what makes a pure-Python engine slow. So, as in the classic "common terms"
query:

- the **matching** query is the OR of the question's rarest words that are not stop words,
  taken while their postings stay within a budget that grows with the index (at least one);
- the **optional** query holds the question's other words (those whose postings alone fit the
  budget) and a phrase-proximity boost on the title: they add to the scores of what the
  matching words found, and add no document to it.

Quoted phrases, prefixes (`refu*`) and field filters (`title:refund`) keep their meaning; a
query that uses them is matched as parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.qparser.plugins import BoostPlugin, EveryPlugin, RangePlugin
from whoosh.query import AndMaybe, NullQuery, Or, Phrase, Query, Term
from whoosh.query.compound import DefaultOr
from whoosh.searching import Searcher

from portal.search.analysis import STOP_TERMS, content_terms, terms

SEARCH_FIELDS = ("title", "body", "tags")
FILTER_FIELDS = {"title", "body", "tags", "category"}
MAX_QUERY_CHARS = 300
# The matching words are the question's rarest, taken while the postings they add up to stay
# within a budget (always at least the rarest one); the other words only rank. The budget grows
# with the index but never below MATCH_BUDGET_MIN documents, so a small help centre matches on
# every word exactly as typed.
MATCH_BUDGET_SHARE = 0.05
MATCH_BUDGET_MIN = 2000
TITLE_PHRASE_BOOST = 3.0


@dataclass(frozen=True)
class Plan:
    matching: Query  # decides which documents are results (and so the total and the facets)
    optional: Query | None  # only adds to their scores: the common words, the phrase boosts
    words: tuple[str, ...]  # the question's content words (no stop words), for confidence

    @property
    def scoring(self) -> Query:
        """The whole ranking query: what matches, plus what only adds to the score."""
        return AndMaybe(self.matching, self.optional) if self.optional else self.matching


def _or(clauses: list[Query]) -> Query:
    """OR as a tree of union matchers. Whoosh's default for small indexes preloads every
    clause into arrays the size of the index, which cost 10 ms a question at 150 articles."""
    return DefaultOr(clauses)


def _parser(schema) -> MultifieldParser:
    parser = MultifieldParser(list(SEARCH_FIELDS), schema, group=OrGroup)
    for plugin in (BoostPlugin, RangePlugin, EveryPlugin):
        parser.remove_plugin_class(plugin)
    return parser


def _uses_only_allowed_fields(query: Query) -> bool:
    return all(fieldname in FILTER_FIELDS for fieldname, _ in query.iter_all_terms())


def _frequency(clause: Query, searcher: Searcher) -> int:
    """How many documents a word's clause (its terms in every searched field) can match."""
    return sum(searcher.doc_frequency(fieldname, text)
               for fieldname, text in clause.iter_all_terms())


def _is_stop_word(clause: Query) -> bool:
    return all(text in STOP_TERMS for _fieldname, text in clause.iter_all_terms())


def _split_by_budget(clauses: list[Query], searcher: Searcher) -> tuple[list, list]:
    """(matching, ranking-only) clauses of a question's words.

    Matching: the rarest words that are not stop words (stop words only when no other word of
    the question is in the index), taken while their postings fit the budget, at least one.
    Ranking-only: the other words whose postings alone fit the budget. A word found in more
    documents than that says next to nothing about any of them, and is left out.
    """
    budget = max(MATCH_BUDGET_SHARE * searcher.doc_count(), MATCH_BUDGET_MIN)
    frequency = {id(clause): _frequency(clause, searcher) for clause in clauses}
    ordered = sorted(clauses, key=lambda clause: frequency[id(clause)])
    found = [clause for clause in ordered if frequency[id(clause)]]
    candidates = [clause for clause in found if not _is_stop_word(clause)] or found or ordered
    matching, spent = [], 0
    for clause in candidates:
        spent += frequency[id(clause)]
        if matching and spent > budget:
            break
        matching.append(clause)
    ranking = [clause for clause in ordered
               if clause not in matching and frequency[id(clause)] <= budget]
    return matching, ranking


def _flat_terms(query: Query) -> list[Term] | None:
    """The terms of a query made only of ORs and terms, else None."""
    if type(query) is Term:
        return [query]
    if not isinstance(query, Or):
        return None
    found = []
    for clause in query.subqueries:
        inner = _flat_terms(clause)
        if inner is None:
            return None
        found += inner
    return found


def _single_words(query: Query) -> list[Query] | None:
    """One clause per word (its terms in every field) of a plain OR of words, else None
    (phrases, prefixes, required words…)."""
    found = _flat_terms(query)
    if found is None:
        return None
    by_word: dict[str, list[Term]] = {}
    for term in found:
        by_word.setdefault(term.text, []).append(term)
    return [_or(group) if len(group) > 1 else group[0] for group in by_word.values()]


# Characters that give a query syntax; text without them is plain words and skips the parser
# (Whoosh's parser costs a few milliseconds a query).
SYNTAX = re.compile(r"""["*:()\[\]{}^~]|(?:^|\s)[-+]|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b""")


def _words_query(sequence: list[str]) -> Query:
    """A plain question: each distinct word in any searched field, OR-ed."""
    return _or([_or([Term(fieldname, word) for fieldname in SEARCH_FIELDS])
               for word in dict.fromkeys(sequence)])


def _parse(schema, text: str) -> Query:
    text = text.replace("?", " ")  # a question mark ends a question; it is not a wildcard
    parser = _parser(schema)
    parsed = parser.parse(text)
    if not _uses_only_allowed_fields(parsed):  # `visibility:internal` and the like are words
        parsed = parser.parse(text.replace(":", " "))
    return parsed


def plan_query(searcher: Searcher, text: str) -> Plan | None:
    """The plan for `text`, or None when nothing searchable was typed."""
    text = " ".join(text.split())[:MAX_QUERY_CHARS]
    sequence = terms(text)
    plain = not SYNTAX.search(text)
    if plain and not sequence:
        return None
    parsed = _words_query(sequence) if plain else _parse(searcher.schema, text)
    if parsed is NullQuery:
        return None
    words = tuple(dict.fromkeys(content_terms(text)))
    clauses = _single_words(parsed)
    if clauses is None:
        return Plan(matching=parsed, optional=None, words=words)

    rare, optional = _split_by_budget(clauses, searcher)
    matching = _or(rare) if len(rare) > 1 else rare[0]
    if len(sequence) >= 2:
        optional.append(Phrase("title", sequence, slop=2, boost=TITLE_PHRASE_BOOST))
    return Plan(matching=matching, optional=_or(optional) if optional else None, words=words)
