"""Database helpers shared by the domains: a write transaction that serialises with other writers, and plain
statements for the hot paths."""

from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.sql import Executable

from grocery.extensions import db


def run_plain(statement: Executable, params: dict | list[dict]) -> CursorResult:
    """Execute a Core INSERT or UPDATE with one row of values (a dict) or once per row (a list: executemany),
    without SQLAlchemy's parameter processing per execution: the statement is compiled once per database and sent
    with Connection.exec_driver_sql (events and statement counters still see it), each value passed through its
    column type's bind processor. Every row gives every column (no Python-side default is applied); literal values
    of the statement are sent as compiled. The statement must be built once (functools.cache). For a sale's writes:
    20 rows cost about half of what execute() costs."""
    many = isinstance(params, list)
    rows = params if many else [params]
    connection = db.session.connection()
    sql, names, plan = _compiled_for(statement, connection.dialect, tuple(rows[0]))
    sent = _driver_params(rows, names, plan, connection.dialect.positional)
    return connection.exec_driver_sql(sql, sent if many else sent[0])


def rows_plain(statement: Executable, params: dict | None = None) -> list[tuple]:
    """The rows of a SELECT as the driver's own tuples, without SQLAlchemy building a Row for each: for big reads
    of integers and strings (the till's catalogue: 20,000 products). The statement is compiled once (build it
    once) and sent with exec_driver_sql; a statement with a column the database returns in another form than
    Python's (dates on SQLite, for instance) is refused with a TypeError, so nothing comes back unconverted."""
    params = params or {}
    connection = db.session.connection()
    dialect = connection.dialect
    sql, names, plan = _compiled_for(statement, dialect, tuple(params))
    if (id(statement), dialect.name) not in _PLAIN_COLUMNS_CHECKED:
        for column in statement.selected_columns:
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                raise TypeError(f"{column} needs converting on {dialect.name}: use run()")
        _PLAIN_COLUMNS_CHECKED.add((id(statement), dialect.name))
    result = connection.exec_driver_sql(sql, _driver_params([params], names, plan, dialect.positional)[0])
    rows = result.cursor.fetchall()
    result.close()
    return rows


_COMPILED: dict = {}
_PLAIN_COLUMNS_CHECKED: set = set()
_FROM_ROW = object()


def _compiled_for(statement: Executable, dialect, keys: tuple) -> tuple:
    """(SQL text, parameter names in the SQL's order, plan) of a statement built once; the plan gives, for each
    parameter, its processed literal value (or _FROM_ROW) and its bind processor (or None). The cache keeps the
    statement, so its id stays its own."""
    cache_key = (id(statement), dialect.name, keys)
    entry = _COMPILED.get(cache_key)
    if entry is None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        names = tuple(compiled.positiontup) if dialect.positional else tuple(compiled.binds)
        steps = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if name not in keys:
                steps[name] = (processor(bind.effective_value) if processor else bind.effective_value, None)
            else:
                steps[name] = (_FROM_ROW, processor)
        plan = tuple((name, *steps[name]) for name in names)
        entry = _COMPILED[cache_key] = (compiled.string, names, plan, statement)
    return entry[:3]


def _driver_params(rows: list[dict], names: tuple, plan: tuple, positional: bool) -> list:
    """Each row as the driver takes it (a tuple in the SQL's order, or a dict), values through their bind
    processors; a value shared by the rows (the same timestamp, True) is converted once."""
    converted: dict = {}

    def convert(name, processor, value):
        known = converted.get((name, id(value)))
        if known is None or known[0] is not value:
            known = converted[(name, id(value))] = (value, processor(value))
        return known[1]

    sent = []
    for row in rows:
        values = [(convert(name, processor, row[name]) if processor else row[name]) if constant is _FROM_ROW
                  else constant for name, constant, processor in plan]
        sent.append(tuple(values) if positional else dict(zip(names, values, strict=True)))
    return sent


def run(statement: Executable, params: dict | list[dict] | None = None) -> Result:
    """Execute a Core statement on the session's connection, in the session's transaction, without the ORM's work
    per call. The till's hot paths build their statements once (functools.cache) with bound parameters: building a
    select and running it through the ORM session costs about five times more than this (bench/README)."""
    return db.session.connection().execute(statement, params)


def begin_write() -> None:
    """Start the session's transaction as a write transaction, before anything is read in it.

    SQLite allows one writer at a time, and a transaction that reads and then writes fails if another writer
    committed in between. On SQLite this ends the current transaction (call it first: anything uncommitted is rolled
    back) and starts the next with BEGIN IMMEDIATE, which takes the write lock up front, waiting for it up to the
    busy timeout. On PostgreSQL it does nothing: services lock the rows they change (SELECT ... FOR UPDATE or a
    conditional UPDATE)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    if db.session().in_transaction() and _sqlite_in_transaction():
        db.session.rollback()
    db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_in_transaction() -> bool:
    """Whether SQLite itself has a transaction open on the session's connection. The sqlite3 driver opens one only
    before a write: after reads alone (loading the logged-in user) there is nothing to roll back, and the objects
    already loaded stay usable."""
    return bool(db.session.connection().connection.dbapi_connection.in_transaction)


def end_read() -> None:
    """End a read-only request's transaction with a COMMIT (it wrote nothing: same effect, same round trip) instead
    of the rollback that closing the session would send. On PostgreSQL psycopg forgets every statement it prepared on
    the connection at a rollback (and sends DEALLOCATE ALL): the till's card lookups and quotes ending in a rollback
    kept its statements from ever being prepared, so the database planned each of them again at every request.
    Call it only where nothing may have been written."""
    if db.session.get_bind().dialect.name != "sqlite" and db.session().in_transaction():
        db.session.commit()
