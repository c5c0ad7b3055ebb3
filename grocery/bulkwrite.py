"""Bulk writes for the generated datasets (grocery.largedata): rows as dicts, inserted with executemany in batches,
or on PostgreSQL with COPY (psycopg's `cursor.copy`), several times faster for millions of rows.

COPY bypasses SQLAlchemy: the columns a row does not name take their Python-side default here (a scalar, or a
callable such as utcnow evaluated once per call), or the database's default when they have none. A table whose
columns need SQLAlchemy's own conversion (JSON, a type decorator other than UTCDateTime, whose aware datetimes
psycopg writes as they are) is written with executemany on every database."""

from sqlalchemy import JSON, func, insert, select, text
from sqlalchemy.types import TypeDecorator

from grocery.extensions import db
from grocery.types import UTCDateTime

BATCH = 20_000
#: Under this many rows, executemany is as fast as COPY: small tables keep it (the tests on PostgreSQL set it to 0
#: to exercise COPY with small sizes).
COPY_FROM = 5_000

_WITH_EXPLICIT_IDS: set[str] = set()


def _chunks(rows, size=BATCH):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def insert_rows(model, rows: list[dict], bar=None) -> None:
    """Insert `rows` (dicts naming the same columns) into `model`'s table. Rows of a site-owned table without a
    site go to the current site (grocery.sites.context.current_site_id). On PostgreSQL, COPY_FROM rows
    or more go by COPY when the table allows it."""
    if not rows:
        return
    table = model.__table__
    if "site_id" in table.c and "site_id" not in rows[0]:
        from grocery.sites.context import current_site_id

        site_id = current_site_id()
        for row in rows:
            row["site_id"] = site_id
    use_copy = len(rows) >= COPY_FROM and is_postgresql()
    columns = _copy_columns(table, rows[0]) if use_copy else None
    if columns is not None:
        _copy(table, rows, columns, bar)
    else:
        for chunk in _chunks(rows):
            db.session.execute(insert(model), chunk)
            if bar is not None:
                bar.update(len(chunk))
    if "id" in rows[0]:
        _WITH_EXPLICIT_IDS.add(table.name)


def _copyable(column) -> bool:
    kind = column.type
    if isinstance(kind, JSON):
        return False
    return not isinstance(kind, TypeDecorator) or isinstance(kind, UTCDateTime)


def _copy_columns(table, first: dict) -> list[tuple[str, object, bool]] | None:
    """[(column name, default value, whether the row names it)] for COPY, or None when the table needs
    executemany (a column COPY cannot write as it is, a default only SQLAlchemy can compute)."""
    columns = []
    for column in table.c:
        named = column.name in first
        if named:
            if not _copyable(column):
                return None
            columns.append((column.name, None, True))
            continue
        default = column.default
        if default is None or (column.primary_key and column.autoincrement):
            continue  # NULL, the database's default, or the id sequence
        if default.is_scalar:
            columns.append((column.name, default.arg, False))
        elif default.is_callable:
            columns.append((column.name, default.arg(None), False))
        else:
            return None
        if not _copyable(column):
            return None
    return columns


def _copy(table, rows: list[dict], columns, bar) -> None:
    db.session.flush()
    raw = db.session.connection().connection.driver_connection  # psycopg.Connection, in the session's transaction
    names = ", ".join(f'"{name}"' for name, _default, _named in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for chunk in _chunks(rows):
            for row in chunk:
                copy.write_row([row[name] if named else default for name, default, named in columns])
            if bar is not None:
                bar.update(len(chunk))


def advance_sequences() -> None:
    """PostgreSQL: rows inserted with their own ids leave the tables' id sequences behind; move each past the
    highest id, or the next row the application adds would collide (SQLite takes max(id) + 1 by itself)."""
    if not is_postgresql():
        _WITH_EXPLICIT_IDS.clear()
        return
    for table in sorted(_WITH_EXPLICIT_IDS):
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    _WITH_EXPLICIT_IDS.clear()


def next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1
