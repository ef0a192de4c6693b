"""What the index holds for each searchable thing (articles now; forum threads later)."""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from portal.search.analysis import folding_analyzer, text_analyzer

PREVIEW_CHARS = 1500  # highlight a stored excerpt, not whole bodies (the measured hot spot)


# Bump when the fields or their analysis change: an index built with another version is
# rebuilt from the database on first use (see SearchIndex).
SCHEMA_VERSION = 4
TITLE_BOOST = 1.5


def build_schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True),  # "article:12"
        kind=ID(stored=True, sortable=True),
        slug=ID(stored=True),
        title=TEXT(analyzer=text_analyzer(), stored=True, field_boost=TITLE_BOOST, phrase=True),
        # Positions in the body serve quoted phrases ("error 0x8007"); the automatic phrase boost
        # reads title positions only (decoding body positions for every question cost more than
        # the 0.4 points of hit@1 it brought).
        body=TEXT(analyzer=text_analyzer(), phrase=True),
        tags=TEXT(analyzer=text_analyzer(), field_boost=1.5),
        category=ID(stored=True, sortable=True),
        category_name=STORED(),
        visibility=ID(stored=True),
        language=ID(stored=True),
        popularity=NUMERIC(stored=True, sortable=True),
        preview=STORED(),
        # Titles and tags as typed (folded, not stemmed): suggest-as-you-type completes them
        # and did-you-mean draws its respellings from them. Whole bodies as a second,
        # unstemmed vocabulary made 58 % of a full build (measured at 10k documents).
        title_words=TEXT(analyzer=folding_analyzer(), phrase=False, spelling=True),
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
        return {
            "key": self.key, "kind": self.kind, "slug": self.slug, "title": self.title,
            "body": self.body, "tags": " ".join(self.tags), "category": self.category,
            "category_name": self.category_name, "visibility": self.visibility,
            "language": self.language, "popularity": self.popularity,
            "preview": self.body[:PREVIEW_CHARS],
            "title_words": " ".join([self.title, *self.tags]),
        }
