"""SQL pieces the reports share: the business-time-zone day of a timestamp, and nearest-rank
percentiles, each exact and the same on SQLite and PostgreSQL.

PostgreSQL converts with AT TIME ZONE. SQLite has no time zones, so `prepare` registers a
deterministic Python function on the connection the session uses (a DST change inside the
period is still counted on the right day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, cast, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal.domain.metrics import rank_numerator

LOCAL_DAY = "portal_local_day"


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day_of(stored: str | None, zone: str) -> str | None:
    """SQLite's stored UTC text (e.g. "2026-03-09 03:00:00.000000") -> the local ISO date."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return moment.astimezone(_zone(zone)).date().isoformat()


def prepare(session: Session) -> None:
    """Make `local_day` usable on the session's connection (a no-op on PostgreSQL)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.create_function(
            LOCAL_DAY, 2, local_day_of, deterministic=True)


def local_day(session: Session, column, zone: str) -> ColumnElement:
    """The calendar day of `column` in `zone`, as SQL. The zone is written into the statement
    (quoted by the dialect), so that GROUP BY repeats exactly the selected expression."""
    name = literal(zone, literal_execute=True)
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(name, column), Date)
    return getattr(func, LOCAL_DAY)(column, name)


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _rank(p: float, count) -> ColumnElement:
    """ceil(p × count) in integer SQL arithmetic."""
    numerator, denominator = rank_numerator(p)
    return (count * numerator + denominator - 1) // denominator


def percentiles(session: Session, value, group, where: list, ps=(0.5, 0.9)) -> tuple[
        dict[float, int], dict[object, dict[float, int]]]:
    """The nearest-rank percentiles of `value` over the rows matching `where`: overall, and per
    value of `group` (e.g. the assignee), in one statement: PostgreSQL's percentile_disc
    (the first value whose cumulative share reaches p: rank ceil(p × n)) over grouping sets,
    elsewhere window functions."""
    if session.get_bind().dialect.name == "postgresql":
        return _percentiles_pg(session, value, group, where, ps)
    ranked = select(
        value.label("v"), group.label("g"),
        func.row_number().over(order_by=value).label("rn"),
        func.count().over().label("n"),
        func.row_number().over(partition_by=group, order_by=value).label("grn"),
        func.count().over(partition_by=group).label("gn"),
    ).where(*where, value.is_not(None)).subquery()
    wanted_all = or_(*(ranked.c.rn == _rank(p, ranked.c.n) for p in ps))
    wanted_group = or_(*(ranked.c.grn == _rank(p, ranked.c.gn) for p in ps))
    rows = session.execute(select(ranked.c.v, ranked.c.g, ranked.c.rn, ranked.c.n,
                                  ranked.c.grn, ranked.c.gn)
                           .where(or_(wanted_all, wanted_group)))
    overall: dict[float, int] = {}
    grouped: dict[object, dict[float, int]] = {}
    for v, g, rn, n, grn, gn in rows:
        for p in ps:
            numerator, denominator = rank_numerator(p)
            if rn == (n * numerator + denominator - 1) // denominator:
                overall[p] = v
            if grn == (gn * numerator + denominator - 1) // denominator:
                grouped.setdefault(g, {})[p] = v
    return overall, grouped


def _percentiles_pg(session: Session, value, group, where: list, ps):
    columns = [func.percentile_disc(p).within_group(value) for p in ps]
    rows = session.execute(
        select(group, func.grouping(group), *columns).where(*where, value.is_not(None))
        .group_by(func.grouping_sets(tuple_(group), tuple_()))).all()
    overall: dict[float, int] = {}
    grouped: dict[object, dict[float, int]] = {}
    for g, is_total, *values in rows:
        target = overall if is_total else grouped.setdefault(g, {})
        target.update({p: int(v) for p, v in zip(ps, values, strict=True) if v is not None})
    return overall, grouped


def between(column, start: datetime, end: datetime) -> ColumnElement:
    """start ≤ column < end."""
    return and_(column >= start, column < end)
