"""Commands: create-user, demo, backup and restore."""

import os
import sqlite3

import pytest
from sqlalchemy import func, select

from grocery import create_app
from grocery.auth.models import User
from grocery.config import TestingConfig
from grocery.extensions import db as _db


def test_create_user_command(runner, db):
    result = runner.invoke(args=["create-user", "marie", "--role", "coordinator", "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.username == "marie")) == "coordinator"


@pytest.mark.parametrize("args, message", [
    (["create-user", "x1", "--role", "chef", "--password", "long-enough-pw"], "Rôle inconnu"),
    (["create-user", "x2", "--role", "cashier", "--password", "short"], "au moins 10"),
])
def test_create_user_command_refusals(runner, db, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_create_user_command_duplicate(runner, db):
    runner.invoke(args=["create-user", "dup", "--role", "cashier", "--password", "long-enough-pw"])
    result = runner.invoke(args=["create-user", "DUP", "--role", "admin", "--password", "long-enough-pw"])
    assert result.exit_code != 0 and "déjà pris" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_demo_loads_accounts_and_refuses_twice(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "caisse" in result.output
    assert db.session.scalar(select(func.count(User.id))) >= 5
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0
    skipped = runner.invoke(args=["demo", "--skip-if-loaded"])
    assert skipped.exit_code == 0


def test_backup_and_restore_round_trip(tmp_path):
    """Does a backup of a live SQLite database restore with its data?"""

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'live.sqlite'}"

    app = create_app(FileConfig)
    runner = app.test_cli_runner()
    with app.app_context():
        _db.create_all()
        assert runner.invoke(args=["create-user", "kept", "--role", "admin",
                                   "--password", "long-enough-pw"]).exit_code == 0
        backup = tmp_path / "backup.sqlite"
        result = runner.invoke(args=["backup", str(backup)])
        assert result.exit_code == 0, result.output
        with sqlite3.connect(backup) as check:
            assert check.execute("select username from users").fetchall() == [("kept",)]
        assert runner.invoke(args=["backup", str(backup)]).exit_code != 0  # never overwrites
        runner.invoke(args=["create-user", "later", "--role", "cashier", "--password", "long-enough-pw"])
        _db.session.remove()
        result = runner.invoke(args=["restore", str(backup), "--yes"])
        assert result.exit_code == 0, result.output
        names = _db.session.scalars(select(User.username)).all()
        assert names == ["kept"]
        _db.session.remove()
        _db.engine.dispose()


def test_backup_on_postgresql_explains_pg_dump(runner, app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    result = runner.invoke(args=["backup", os.devnull])
    assert result.exit_code != 0 and "pg_dump" in result.output
