"""Full-text search over Whoosh. The database is the truth; this index is derived from it."""
