"""PostgreSQL full-text search for SEARCH_BACKEND=postgres (tsvector + GIN, unaccent, pg_trgm)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 13:00:00

On PostgreSQL only (SQLite keeps the Whoosh index and gets nothing here):

- the `portal` text search configuration: English, with `unaccent` before a Snowball English
  stemmer (the PostgreSQL manual's unaccent recipe), so "khieu nai" meets "khiếu nại" and
  "don hang" meets "đơn hàng". The stemmer has no stop-word list: stop words stay in the index
  ("log out" is not "log in"), as in the Whoosh index; the query decides what they count for.
- `portal_unaccent(text)`: unaccent as an IMMUTABLE function (unaccent itself is only STABLE,
  because its dictionary could change), usable in indexes and generated columns.
- `search_documents`: one row per searchable thing, with its tsvector (title A, tags B, body C)
  kept by a generated column and a GIN index.
- `search_words`: the words of each document's title and tags, accent-folded as typed and not
  stemmed, with a trigram index: did-you-mean respells from them, suggest-as-you-type
  completes them.

These tables are the index, not the source of truth: they are left out of the models (and of
autogenerate) and can be rebuilt from the database at any time (`flask search rebuild`).
A UTF-8 database locale other than C is needed for the parser to see Vietnamese letters as
letters (C.UTF-8 or en_US.UTF-8 both do).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

WORD_TYPES = 'asciiword, asciihword, hword_asciipart, word, hword, hword_part'
NUMBER_WORD_TYPES = 'numword, numhword, hword_numpart'


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    if not _postgresql():
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    schema = op.get_bind().execute(sa.text(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'"
    )).scalar_one()
    op.execute(f"""
        CREATE OR REPLACE FUNCTION portal_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1) $$
    """)
    op.execute('CREATE TEXT SEARCH DICTIONARY portal_stem (TEMPLATE = snowball, Language = english)')
    op.execute('CREATE TEXT SEARCH CONFIGURATION portal (COPY = english)')
    op.execute(f'ALTER TEXT SEARCH CONFIGURATION portal ALTER MAPPING FOR {WORD_TYPES} '
               f'WITH {schema}.unaccent, portal_stem')
    op.execute(f'ALTER TEXT SEARCH CONFIGURATION portal ALTER MAPPING FOR {NUMBER_WORD_TYPES} '
               f'WITH {schema}.unaccent, simple')
    op.execute("""
        CREATE TABLE search_documents (
            key varchar(60) PRIMARY KEY,
            kind varchar(20) NOT NULL,
            object_id integer NOT NULL,
            slug varchar(200) NOT NULL,
            title text NOT NULL,
            body text NOT NULL,
            tags text NOT NULL DEFAULT '',
            category varchar(200) NOT NULL DEFAULT '',
            category_name text NOT NULL DEFAULT '',
            visibility varchar(20) NOT NULL,
            language varchar(10) NOT NULL DEFAULT 'en',
            popularity integer NOT NULL DEFAULT 0,
            document tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('portal'::regconfig, title), 'A')
                || setweight(to_tsvector('portal'::regconfig, tags), 'B')
                || setweight(to_tsvector('portal'::regconfig, body), 'C')) STORED
        )
    """)
    op.execute('CREATE INDEX ix_search_documents_document ON search_documents USING gin (document)')
    op.execute('CREATE INDEX ix_search_documents_visible '
               'ON search_documents (visibility, kind, category)')
    op.execute("""
        CREATE TABLE search_words (
            key varchar(60) NOT NULL REFERENCES search_documents (key) ON DELETE CASCADE,
            word varchar(100) NOT NULL,
            PRIMARY KEY (key, word)
        )
    """)
    op.execute('CREATE INDEX ix_search_words_word ON search_words (word text_pattern_ops)')
    op.execute('CREATE INDEX ix_search_words_trigrams ON search_words USING gin (word gin_trgm_ops)')


def downgrade():
    if not _postgresql():
        return
    op.execute('DROP TABLE IF EXISTS search_words')
    op.execute('DROP TABLE IF EXISTS search_documents')
    op.execute('DROP TEXT SEARCH CONFIGURATION IF EXISTS portal')
    op.execute('DROP TEXT SEARCH DICTIONARY IF EXISTS portal_stem')
    op.execute('DROP FUNCTION IF EXISTS portal_unaccent(text)')
    # The index is gone: its host row must not claim a position (a new one rebuilds). The
    # extensions stay: other databases objects may use them, and they hold no data.
    op.execute("DELETE FROM search_hosts WHERE host_id = 'postgres'")
