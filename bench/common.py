"""Shared by the benchmark scripts: an app on a SQLite file with fast password hashing, a fresh database file."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grocery import create_app
from grocery.config import Config


def make_app(path: Path):
    """The application on the SQLite file `path`, without CSRF (the scripts post directly), fast hashes."""

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
        WTF_CSRF_ENABLED = False
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105

    return create_app(BenchConfig)


def remove_database(path: Path) -> None:
    """Delete a SQLite file and its write-ahead log."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
