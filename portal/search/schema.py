"""What the index holds for each searchable thing (articles now; forum threads later)."""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from portal.search.analysis import folding_analyzer, text_analyzer

PREVIEW_CHARS = 1500  # highlight a stored excerpt, not whole bodies (the measured hot spot)


def build_schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True),  # "article:12"
        kind=ID(stored=True, sortable=True),
        slug=ID(stored=True),
        title=TEXT(analyzer=text_analyzer(), stored=True, field_boost=3.0, phrase=True),
        body=TEXT(analyzer=text_analyzer(), phrase=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True, field_boost=2.0),
        category=ID(stored=True, sortable=True),
        category_name=STORED(),
        visibility=ID(stored=True),
        language=ID(stored=True),
        popularity=NUMERIC(stored=True, sortable=True),
        preview=STORED(),
        # Vocabulary for did-you-mean and suggestions: only public documents fill it.
        spell=TEXT(analyzer=folding_analyzer(), spelling=True),
        title_words=TEXT(analyzer=folding_analyzer()),
    )


@dataclass
class SearchDocument:
    """One thing to index, as plain values (built by the services from database rows)."""

    kind: str
    object_id: int
    slug: str
    title: str
    body: str
    category: str
    category_name: str
    visibility: str
    language: str = "en"
    tags: list[str] = field(default_factory=list)
    popularity: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"

    def fields(self) -> dict:
        public = self.visibility == "public"
        return {
            "key": self.key, "kind": self.kind, "slug": self.slug, "title": self.title,
            "body": self.body, "tags": ",".join(self.tags), "category": self.category,
            "category_name": self.category_name, "visibility": self.visibility,
            "language": self.language, "popularity": self.popularity,
            "preview": self.body[:PREVIEW_CHARS],
            "spell": f"{self.title} {self.body}" if public else "",
            "title_words": self.title,
        }
