"""Every row of every table in the test database, to prove a request changed nothing.

access_world.snapshot() reads only the tables customer A's objects live in; the CSRF and
"GET never changes state" tests (tests/web/test_csrf_everywhere.py, test_get_is_safe.py) read
the whole database, tables the models do not know included (the PostgreSQL search index's),
so a write anywhere shows up. A test may leave out columns or tables that a read is allowed to
write (an article's view count); it names each with its reason.

Reading 40-odd tables takes tens of milliseconds; after each of a crawl's thousands of GETs
that is minutes. StatementWatch sees every statement the app's engine sends: a request that
sent nothing but reads cannot have changed a row, so only after one that sent something else
is the database read again.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, literal_column, select, table

from portal.extensions import db

Snapshot = dict[str, list[str]]


def table_names() -> list[str]:
    """Every table in the database, read from the database itself (not from the models)."""
    return sorted(inspect(db.engine).get_table_names())


def snapshot(names: list[str], *, ignored_tables=frozenset(),
             ignored_columns=frozenset()) -> Snapshot:
    """{table: its rows, sorted} for `names` but `ignored_tables`, without the
    (table, column) pairs in `ignored_columns`."""
    db.session.rollback()  # end the test's own transaction: read what the requests committed
    found = {}
    for name in names:
        if name in ignored_tables:
            continue
        result = db.session.execute(select(literal_column("*")).select_from(table(name)))
        kept = [i for i, column in enumerate(result.keys())
                if (name, column) not in ignored_columns]
        found[name] = sorted(repr(tuple(row[i] for i in kept)) for row in result)
    db.session.rollback()
    return found


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """What changed, per table: how many rows appeared and went, and one of each."""
    found = []
    for name in before:
        old, new = set(before[name]), set(after[name])
        if old != new:
            gone, added = sorted(old - new), sorted(new - old)
            example = (added or gone)[0][:160]
            found.append(f"{name} (+{len(added)} -{len(gone)} rows, e.g. {example})")
    return found


# First words of statements that change no row (a transaction's own bookkeeping included).
READ_STATEMENTS = frozenset({"SELECT", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN",
                             "COMMIT", "SHOW", "SET"})


class StatementWatch:
    """Within `with`, notes each statement the app's engine sends that is not a read."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def _seen(self, _connection, _cursor, statement, _parameters, _context, _many) -> None:
        words = statement.split(None, 1)
        if not words or words[0].upper() not in READ_STATEMENTS:
            self.writes.append(statement)

    def __enter__(self) -> StatementWatch:
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self._seen)
