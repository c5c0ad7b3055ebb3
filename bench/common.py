"""Shared by the benchmark scripts: an app on a SQLite file or a PostgreSQL database with fast password hashing,
and the datasets' stores (create, copy, remove)."""

import os
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grocery import create_app
from grocery.config import Config


def make_app(path: Path | str):
    """The application on the SQLite file `path` (or a database URL), without CSRF (the scripts post directly),
    fast hashes."""

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = path if isinstance(path, str) else f"sqlite:///{path}"
        WTF_CSRF_ENABLED = False
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105

    return create_app(BenchConfig)


def remove_database(path: Path) -> None:
    """Delete a SQLite file and its write-ahead log."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


class SqliteStore:
    """Datasets as SQLite files in a folder."""

    label = "SQLite"

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def url(self, name: str) -> Path:
        return self.folder / f"grocery-bench-{name}.sqlite"

    def exists(self, name: str) -> bool:
        return self.url(name).exists()

    def remove(self, name: str) -> None:
        remove_database(self.url(name))

    def working_copy(self, name: str) -> Path:
        """A fresh copy to measure on (sales spend budgets and stock: every run starts from the same state), on
        disk before measuring so that writing it does not disturb the timings."""
        copy = self.url(f"{name}-run")
        remove_database(copy)
        source, target = sqlite3.connect(self.url(name)), sqlite3.connect(copy)
        source.backup(target)
        target.close()
        source.close()
        os.sync()
        return copy


class PostgresStore:
    """Datasets as databases grocery_bench_<name> on a PostgreSQL server (a URL without database name)."""

    label = "PostgreSQL"

    def __init__(self, server: str) -> None:
        self.server = server.rstrip("/")

    def url(self, name: str) -> str:
        return f"{self.server}/grocery_bench_{name.replace('-', '_')}"

    def _admin(self, sql: str) -> list:
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as connection:
            cursor = connection.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def exists(self, name: str) -> bool:
        database = self.url(name).rsplit("/", 1)[1]
        return bool(self._admin(f"SELECT 1 FROM pg_database WHERE datname = '{database}'"))  # noqa: S608

    def remove(self, name: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {self.url(name).rsplit('/', 1)[1]} WITH (FORCE)")

    def create(self, name: str) -> None:
        self._admin(f"CREATE DATABASE {self.url(name).rsplit('/', 1)[1]}")

    def working_copy(self, name: str) -> str:
        """A fresh copy (CREATE DATABASE ... TEMPLATE), analysed, to measure on."""
        self.remove(f"{name}-run")
        source, copy = self.url(name).rsplit("/", 1)[1], self.url(f"{name}-run").rsplit("/", 1)[1]
        self._admin(f"CREATE DATABASE {copy} TEMPLATE {source}")
        import psycopg

        with psycopg.connect(self.url(f"{name}-run"), autocommit=True) as connection:
            connection.execute("ANALYZE")
        return self.url(f"{name}-run")


def build_dataset(store, name: str, sizes: dict, regenerate: bool, password: str) -> None:
    """The generated dataset `name` (generate_history with `sizes`, as `flask generate-large`) and a cashier
    `bench`, built once unless `regenerate`."""
    if store.exists(name) and not regenerate:
        return
    store.remove(name)
    if hasattr(store, "create"):
        store.create(name)
    app = make_app(store.url(name))
    with app.app_context():
        from flask_migrate import upgrade

        from grocery.auth.services import create_user
        from grocery.extensions import db
        from grocery.largedata import generate_history

        upgrade()
        create_user(None, username="bench", password=password, role="cashier", display_name="Bench")
        db.session.commit()
        started = time.perf_counter()
        generate_history(**sizes, echo=lambda *_a, **_k: None)
        db.session.commit()
        print(f"generated {name} {sizes} in {time.perf_counter() - started:.0f} s", flush=True)
        db.engine.dispose()  # PostgreSQL copies a database only when nobody is connected to it
