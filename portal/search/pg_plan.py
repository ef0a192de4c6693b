"""Planning a search for PostgreSQL, by the rules of the Whoosh backend's plan (portal.search.plan).

A plain question's words are OR-ed; the rarest words that are not stop words decide what matches,
taken while their postings fit the budget; the other words only add to the score. Quoted
phrases, prefixes, field filters, `+word`/`AND` and `-word`/`NOT` keep their meaning. Words become
lexemes in the database (`to_tsvector('portal', word)`, the documents' own analysis), and the
tsqueries are written from those lexemes, quoted, never from typed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from portal.extensions import db
from portal.search import plan as whoosh_plan
from portal.search.analysis import STOP_WORDS, fold
from portal.search.pg_schema import documents as D
from portal.search.plan import MAX_QUERY_CHARS, SYNTAX

WORD = re.compile(r"[^\W_]+")  # as the PostgreSQL parser splits words (apostrophes too)
FIELD_WEIGHTS = {"title": "A", "tags": "B", "body": "C"}
PORTAL = literal_column("'portal'::regconfig")  # the text search configuration (migration 0010)


def tsquery(value: str | None):
    return cast(bindparam(None, value, type_=String), TSQUERY)


def matches(vector, query: str | None):
    return vector.op("@@", return_type=Boolean)(tsquery(query))


def quote_lexeme(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def any_of(parts: list[str]) -> str:
    return " | ".join(f"( {part} )" for part in parts)


def words_of(typed: str) -> list[str]:
    return WORD.findall(fold(typed))


def lexemes(words: list[str]) -> dict[str, list[str]]:
    """Each word's lexemes under the documents' own analysis (one round trip)."""
    unique = list(dict.fromkeys(words))
    if not unique:
        return {}
    rows = db.session.execute(text(
        "SELECT w, ARRAY(SELECT lexeme FROM unnest(to_tsvector('portal', w))) "
        "FROM unnest(CAST(:words AS text[])) AS w"), {"words": unique})
    return {word: list(found) for word, found in rows}


# --- what was typed -> tsqueries ------------------------------------------------------------

@dataclass
class Clause:
    """One thing typed: a word, a prefix, a phrase; maybe in one field; maybe +/-."""

    words: list[str]
    prefix: bool = False
    weight: str = ""  # "", or A/B/C for title/tags/body
    sign: str = ""  # "", "+" (required) or "-" (excluded)

    @property
    def plain(self) -> bool:
        return len(self.words) == 1 and not (self.prefix or self.weight or self.sign)

    def tsquery(self, found: dict[str, list[str]]) -> str | None:
        if self.prefix:
            return f"{quote_lexeme(self.words[0])}:*{self.weight}"
        suffix = f":{self.weight}" if self.weight else ""
        items = [f"{quote_lexeme(lexeme)}{suffix}" for word in self.words for lexeme in found[word]]
        return " <-> ".join(items) or None


TOKEN = re.compile(r'([+-]?)(?:([A-Za-z_]+):)?(?:"([^"]*)"|([^\s"]+))')


def parse(typed: str) -> list[Clause]:
    """The clauses of a query that uses syntax (quotes, prefixes, fields, operators)."""
    typed = re.sub(r"[?()\[\]{}^~]", " ", typed)  # a question mark ends a question
    if any(name.lower() not in FIELD_WEIGHTS for name in re.findall(r"([A-Za-z_]+):", typed)):
        typed = typed.replace(":", " ")  # `visibility:internal` and the like are words
    clauses, sign = [], ""
    for match in TOKEN.finditer(typed):
        op, fieldname, phrase, word = match.groups()
        if phrase is None and fieldname is None and word in ("AND", "OR", "NOT", "ANDNOT"):
            if word == "AND" and clauses and not clauses[-1].sign:
                clauses[-1].sign = "+"
            sign = {"AND": "+", "NOT": "-", "ANDNOT": "-"}.get(word, "")
            continue
        weight = FIELD_WEIGHTS.get((fieldname or "").lower(), "")
        raw = phrase if phrase is not None else word
        words = words_of(raw)
        if words:
            prefix = phrase is None and raw.endswith("*") and len(words) == 1
            clauses.append(Clause(words, prefix=prefix, weight=weight, sign=op or sign))
        sign = ""
    return clauses


@dataclass
class Plan:
    matching: str  # tsquery text: what decides the results
    scoring: str  # tsquery text: what ranks them (matching plus the words that only rank)
    marks: str | None  # tsquery text: the words to highlight (no stop words)
    phrase: str | None  # tsquery text: the question's words as a title phrase (a bonus)
    coverage: list[str] = field(default_factory=list)  # one tsquery per content word


def _frequencies(queries: list[str], budget: float) -> list[int]:
    """Per query, its postings over title, tags and body, as Whoosh counts a word's document
    frequency in each field; counted on at most budget+1 documents (more is over budget)."""
    counts = []
    for query in queries:
        found = select(D.c.document.label("doc")).where(matches(D.c.document, query)) \
            .limit(int(budget) + 1).subquery()
        postings = sum(cast(matches(func.ts_filter(found.c.doc, literal_column(weights)),
                                     query), Integer)
                       for weights in ("'{a}'", "'{b}'", "'{c}'"))
        counts.append(select(func.coalesce(func.sum(postings), 0)).scalar_subquery())
    return [int(value) for value in db.session.execute(select(*counts)).one()]


def _common(queries: list[str], count: int) -> dict[str, int]:
    """Estimated document counts of the words the table's statistics know as common (ANALYZE's
    most common lexemes): counting their postings would visit thousands of rows. The rarer
    words, which decide what matches, are counted exactly."""
    rows = db.session.execute(text(
        "SELECT e.lexeme, e.share FROM pg_stats s, unnest(s.most_common_elems::text::text[], "
        "s.most_common_elem_freqs) AS e(lexeme, share) WHERE s.tablename = 'search_documents' "
        "AND s.attname = 'document' AND e.lexeme = ANY(CAST(:lexemes AS text[]))"),
        {"lexemes": [query.strip("'") for query in queries]})
    estimated = {quote_lexeme(lexeme): max(int(share * count), 1)
                 for lexeme, share in rows if share}
    return {query: n for query, n in estimated.items() if query in queries}


def _split_by_budget(clauses: list[tuple[str, bool]]) -> tuple[list[str], list[str]]:
    """(matching, ranking-only) of a plain question's (tsquery, is stop word) pairs, by the
    rules of portal.search.plan._split_by_budget (its budget settings are read from there)."""
    if len(clauses) == 1:
        return [clauses[0][0]], []
    count = db.session.scalar(select(func.count()).select_from(D)) or 0
    budget = max(whoosh_plan.MATCH_BUDGET_SHARE * count, whoosh_plan.MATCH_BUDGET_MIN)
    frequency = _common([q for q, _ in clauses], count)
    counted = [q for q, _ in clauses if q not in frequency]
    frequency.update(zip(counted, _frequencies(counted, budget), strict=True) if counted else ())
    ordered = sorted(clauses, key=lambda clause: frequency[clause[0]])
    found = [clause for clause in ordered if frequency[clause[0]]]
    candidates = [clause for clause in found if not clause[1]] or found or ordered
    matching, spent = [], 0
    for query, _stop in candidates:
        spent += frequency[query]
        if matching and spent > budget:
            break
        matching.append(query)
    ranking = [query for query, _stop in ordered
               if query not in matching and frequency[query] <= budget]
    return matching, ranking


def plan_query(typed: str) -> Plan | None:
    """The plan for `typed`, or None when nothing searchable was typed."""
    typed = " ".join(typed.split())[:MAX_QUERY_CHARS]
    all_words = words_of(typed)
    clauses = parse(typed) if SYNTAX.search(typed) else [Clause([word]) for word in all_words]
    found = lexemes(all_words + [word for clause in clauses for word in clause.words])
    content = [word for word in all_words if word not in STOP_WORDS]
    coverage = list(dict.fromkeys(quote_lexeme(lexeme) for word in content
                                  for lexeme in found[word]))
    marks = list(dict.fromkeys(
        query for clause in clauses if clause.sign != "-"
        if not (clause.plain and clause.words[0] in STOP_WORDS)
        for query in [clause.tsquery(found)] if query))
    marks_query = any_of(marks) if marks else None

    if all(clause.plain for clause in clauses):  # a plain question: the budget decides
        pairs = list({query: (query, clause.words[0] in STOP_WORDS) for clause in clauses
                      for query in [clause.tsquery(found)] if query}.values())
        if not pairs:
            return None
        matching, ranking = _split_by_budget(pairs)
        sequence = [lexeme for clause in clauses for lexeme in found[clause.words[0]]]
        phrase = " <-> ".join(quote_lexeme(lexeme) + ":A" for lexeme in sequence) \
            if len(sequence) >= 2 else None
        return Plan(matching=any_of(matching), scoring=any_of(matching + ranking),
                    marks=marks_query, phrase=phrase, coverage=coverage)

    queries = [(clause.sign, query) for clause in clauses for query in [clause.tsquery(found)]
               if query]
    required = [query for sign, query in queries if sign == "+"]
    optional = [query for sign, query in queries if not sign]
    excluded = [query for sign, query in queries if sign == "-"]
    if not required and not optional:
        return None
    matching = " & ".join(f"( {query} )" for query in required) if required else any_of(optional)
    if excluded:
        matching = f"( {matching} ) & !( {any_of(excluded)} )"
    return Plan(matching=matching, scoring=any_of([matching, *optional]), marks=marks_query,
                phrase=None, coverage=coverage)
