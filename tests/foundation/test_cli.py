"""Commands: create-user, demo, backup and restore."""

import os
import sqlite3

import pytest
from flask_migrate import stamp
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

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


@pytest.mark.parametrize("language, consistent, refusal", [
    ("fr", "Stock cohérent : chaque lot égale la somme de ses mouvements.", "Erreur : Rôle inconnu"),
    ("nl", "Voorraad consistent: elk lot is gelijk aan de som van zijn bewegingen.", "Fout: Onbekende rol"),
    ("en", "Stock consistent: each lot equals the sum of its movements.", "Error: Unknown role"),
])
def test_commands_speak_the_cli_language(runner, db, app, monkeypatch, language, consistent, refusal):
    """With GROCERY_CLI_LANGUAGE set, does a command report, and refuse (its "Error:" prefix too), in that
    language, writing nothing when it refuses?"""
    monkeypatch.setitem(app.config, "GROCERY_CLI_LANGUAGE", language)
    result = runner.invoke(args=["stock-check"])
    assert result.exit_code == 0 and result.output.strip() == consistent
    refused = runner.invoke(args=["create-user", "marie", "--role", "chef", "--password", "long-enough-pw"])
    assert refused.exit_code == 1 and refused.output.startswith(refusal), refused.output
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize("setting, default, expected", [
    (None, "nl", "Voorraad consistent"),  # unset: the installation's default language
    ("nl_BE.UTF-8", "fr", "Voorraad consistent"),  # a locale as LANG spells it
    ("de", "fr", "Stock cohérent"),  # not an interface language: the default
])
def test_cli_language_rule(runner, db, app, monkeypatch, setting, default, expected):
    monkeypatch.setitem(app.config, "GROCERY_CLI_LANGUAGE", setting)
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", default)
    assert runner.invoke(args=["stock-check"]).output.startswith(expected)


def test_every_command_speaks_the_cli_language(app):
    """A command added later (in the foundation or a blueprint) speaks the CLI language without more code."""
    assert {"create-user", "demo", "backup", "restore", "generate-large", "anonymise", "stock-check",
            "import-products", "import-households"} <= set(app.cli.commands)
    assert all(getattr(command, "in_cli_language", False) for command in app.cli.commands.values())


def test_a_declined_confirmation_says_nothing_changed_in_the_cli_language(tmp_path, monkeypatch):
    app = _file_app(tmp_path)
    backup = _backup_with(app, tmp_path, "kept")
    monkeypatch.setitem(app.config, "GROCERY_CLI_LANGUAGE", "nl")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["restore", str(backup)], input="n\n")
        _db.session.remove()
        _db.engine.dispose()
    assert result.exit_code == 1 and "vervangen door" in result.output
    assert "Fout: Geannuleerd: er werd niets gewijzigd." in result.output
    assert not list(tmp_path.glob("live.sqlite.before-restore*"))


def test_demo_loads_accounts_and_refuses_twice(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "caisse" in result.output
    assert db.session.scalar(select(func.count(User.id))) >= 5
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0
    skipped = runner.invoke(args=["demo", "--skip-if-loaded"])
    assert skipped.exit_code == 0 and "demo-grocery-2026" in skipped.output and "caisse" in skipped.output


def test_demo_skip_if_loaded_prints_no_account_of_a_real_database(runner, db):
    """`make run` on a real database (accounts of its own, or demo passwords changed) prints no demo account."""
    created = runner.invoke(args=["create-user", "admin", "--role", "admin", "--password", "a-real-password"])
    assert created.exit_code == 0
    result = runner.invoke(args=["demo", "--skip-if-loaded"])
    assert result.exit_code == 0
    assert "demo-grocery-2026" not in result.output and "caisse" not in result.output
    assert "pas les comptes de démonstration" in result.output


def test_demo_skip_if_loaded_prints_only_the_demo_accounts_still_open(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    caisse = db.session.scalar(select(User).where(User.username == "caisse"))
    caisse.set_password("changed-by-the-grocery")
    db.session.commit()
    result = runner.invoke(args=["demo", "--skip-if-loaded"])
    assert "  social " in result.output and "  caisse " not in result.output


def test_backup_and_restore_round_trip(tmp_path):
    """Does a backup of a live SQLite database restore with its data?"""

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'live.sqlite'}"

    app = create_app(FileConfig)
    runner = app.test_cli_runner()
    with app.app_context():
        _db.create_all()
        stamp()
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
    result = runner.invoke(args=["backup", "/backups/grocery.dump"])
    assert result.exit_code == 0, result.output  # advice, not an error
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    assert (f"pg_dump --format=custom --file=/backups/grocery.dump --host={url.host}" in result.output
            and f"--username={url.username} --dbname={url.database}" in result.output)
    assert "pg_restore --clean --if-exists --host=" in result.output
    assert not os.path.exists("/backups/grocery.dump")


def test_pg_connection_options_name_host_port_user_and_database():
    from grocery.cli import _pg_connection_options

    url = make_url("postgresql://grocery:secret@db.example:5433/grocery")
    assert _pg_connection_options(url) == "--host=db.example --port=5433 --username=grocery --dbname=grocery"
    assert "secret" not in _pg_connection_options(url)


# --------------------------------------------------------------------------- restore: refusals and safety copies


def _file_app(tmp_path, name="live.sqlite"):
    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / name}"

    app = create_app(FileConfig)
    with app.app_context():
        _db.create_all()
        stamp()
        _db.session.remove()
    return app


def _usernames(path):
    with sqlite3.connect(path) as check:
        return sorted(row[0] for row in check.execute("select username from users"))


def _backup_with(app, tmp_path, username):
    runner = app.test_cli_runner()
    with app.app_context():
        runner.invoke(args=["create-user", username, "--role", "admin", "--password", "long-enough-pw"])
        backup = tmp_path / f"{username}.sqlite"
        assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
        _db.session.remove()
    return backup


SERVER = """
import sys, time
from grocery import create_app
from grocery.config import TestingConfig

class FileConfig(TestingConfig):
    SQLALCHEMY_DATABASE_URI = sys.argv[1]

app = create_app(FileConfig)
assert app.test_client().get("/health").status_code == 200
print("serving", flush=True)
time.sleep(120)
"""


def test_restore_refuses_while_the_app_serves(tmp_path):
    """While a process serves the app from the database, is restore refused with nothing changed? Once that
    process is gone (even killed with -9), does it go through?"""
    import signal
    import subprocess
    import sys

    from grocery import ROOT

    app = _file_app(tmp_path)
    backup = _backup_with(app, tmp_path, "old")
    with app.app_context():
        app.test_cli_runner().invoke(args=["create-user", "sold-later", "--role", "cashier",
                                           "--password", "long-enough-pw"])
        _db.session.remove()
        _db.engine.dispose()
    server = subprocess.Popen([sys.executable, "-c", SERVER, app.config["SQLALCHEMY_DATABASE_URI"]], cwd=ROOT,  # noqa: S603
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "serving"
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["restore", str(backup), "--yes"])
        assert result.exit_code != 0 and "sert cette base" in result.output, result.output
        assert _usernames(tmp_path / "live.sqlite") == ["old", "sold-later"]
        assert not list(tmp_path.glob("live.sqlite.before-restore*"))
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
        server.stdout.close()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["restore", str(backup), "--yes"])
        _db.session.remove()
        _db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert _usernames(tmp_path / "live.sqlite") == ["old"]


def test_restore_never_overwrites_an_earlier_safety_copy(tmp_path):
    """Two restores in a row: are both former databases kept, each in its own timestamped file?"""
    app = _file_app(tmp_path)
    backup = _backup_with(app, tmp_path, "first")
    with app.app_context():
        runner = app.test_cli_runner()
        runner.invoke(args=["create-user", "second", "--role", "cashier", "--password", "long-enough-pw"])
        _db.session.remove()
        assert runner.invoke(args=["restore", str(backup), "--yes"]).exit_code == 0
        runner.invoke(args=["create-user", "third", "--role", "cashier", "--password", "long-enough-pw"])
        _db.session.remove()
        assert runner.invoke(args=["restore", str(backup), "--yes"]).exit_code == 0
        _db.session.remove()
        _db.engine.dispose()
    copies = sorted(tmp_path.glob("live.sqlite.before-restore-*"))
    assert len(copies) == 2
    assert sorted(_usernames(copy) for copy in copies) == [["first", "second"], ["first", "third"]]


def test_restore_refuses_what_is_not_a_grocery_database(tmp_path):
    """A foreign SQLite file, an unknown migration, missing tables, a text file: refused, nothing replaced."""
    app = _file_app(tmp_path)
    _backup_with(app, tmp_path, "keep")
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("create table notes (id integer primary key)")
    unknown = tmp_path / "unknown.sqlite"
    with sqlite3.connect(unknown) as conn:
        conn.execute("create table alembic_version (version_num varchar(32) primary key)")
        conn.execute("insert into alembic_version values ('9999_from_the_future')")
    gutted = tmp_path / "gutted.sqlite"
    _sqlite = tmp_path / "live.sqlite"
    with sqlite3.connect(_sqlite) as source, sqlite3.connect(gutted) as target:
        source.backup(target)
    with sqlite3.connect(gutted) as conn:
        conn.execute("drop table sales")
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all " * 100)
    with app.app_context():
        for path, message in ((foreign, "n'est pas une base de grocery"), (unknown, "inconnue de cette version"),
                              (gutted, "les tables sales"), (text, "SQLite")):
            result = app.test_cli_runner().invoke(args=["restore", str(path), "--yes"])
            assert result.exit_code != 0 and message in result.output, (path, result.output)
        _db.session.remove()
        _db.engine.dispose()
    assert _usernames(_sqlite) == ["keep"]
    assert not list(tmp_path.glob("live.sqlite.before-restore*"))


def test_restore_on_postgresql_explains_pg_restore(runner, app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    result = runner.invoke(args=["restore", os.devnull, "--yes"])
    assert result.exit_code != 0 and "pg_restore" in result.output


# --------------------------------------------------------------------------- production settings


@pytest.mark.parametrize("url, key, missing", [
    (None, None, "GROCERY_DATABASE_URL and GROCERY_SECRET_KEY"),
    ("postgresql://grocery@db/grocery", None, "needs GROCERY_SECRET_KEY"),
    (None, "k" * 64, "needs GROCERY_DATABASE_URL"),
])
def test_production_refuses_to_start_without_database_url_or_secret_key(tmp_path, url, key, missing):
    """GROCERY_ENV=production never falls back to a SQLite file or a generated key: it refuses, saying what to set."""
    from grocery.config import ConfigurationError, ProductionConfig

    class Production(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = key

    with pytest.raises(ConfigurationError, match=missing):
        create_app(Production)


def test_production_starts_with_both_settings(tmp_path):
    from grocery.config import ProductionConfig

    class Production(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'prod.sqlite'}"
        SECRET_KEY = "k" * 64

    app = create_app(Production)
    assert app.config["SECRET_KEY"] == "k" * 64
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("prod.sqlite")


def test_production_environment_without_settings_stops_the_command(tmp_path):
    """The same refusal from the command line, as an operator meets it."""
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items()
           if key not in ("GROCERY_DATABASE_URL", "GROCERY_SECRET_KEY")}
    env["GROCERY_ENV"] = "production"
    result = subprocess.run([sys.executable, "-c", "from grocery import create_app; create_app()"], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "GROCERY_ENV=production needs GROCERY_DATABASE_URL and GROCERY_SECRET_KEY" in result.stderr
