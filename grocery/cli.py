"""Flask commands of the foundation: create-user, demo, backup, restore."""

import shlex
import sqlite3
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from grocery.auth.roles import Role
from grocery.demo import DEMO_LOADERS
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.timeutil import utcnow

#: Demo accounts: username, display name, role. They share DEMO_PASSWORD.
DEMO_USERS = [
    ("admin", "Anne Admin", Role.ADMIN),
    ("coordination", "Claire Coordinatrice", Role.COORDINATOR),
    ("social", "Sophie Assistante sociale", Role.SOCIAL_WORKER),
    ("stock", "Samir Gestionnaire de stock", Role.STOCK_MANAGER),
    ("caisse", "Karim Caissier", Role.CASHIER),
]
DEMO_PASSWORD = "demo-grocery-2026"  # noqa: S105 - documented demo password, demo data only


def _sqlite_path() -> Path | None:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise click.ClickException("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _print_demo_logins(usernames: set[str] | None = None) -> None:
    """The demo accounts (all, or those named) and their password."""
    click.echo(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
    for username, name, role in DEMO_USERS:
        if usernames is None or username in usernames:
            click.echo(f"  {username:<14} {Role(role).value:<14} {name}")


def _pg_connection_options(url) -> str:
    """pg_dump/pg_restore options naming the database of a SQLAlchemy URL (host, port, user, database; never the
    password, which the tools ask for or read from ~/.pgpass)."""
    options = []
    if url.host:
        options.append(f"--host={shlex.quote(url.host)}")
    if url.port:
        options.append(f"--port={url.port}")
    if url.username:
        options.append(f"--username={shlex.quote(url.username)}")
    options.append(f"--dbname={shlex.quote(url.database or '')}")
    return " ".join(options)


def _demo_logins_in_use() -> set[str]:
    """The demo accounts of this database that still open with the demo password: a real database (whose
    accounts are not these, or whose passwords were changed) gives none, and its accounts are never printed."""
    from grocery.auth.models import User

    users = db.session.scalars(select(User).where(User.username.in_([u for u, _n, _r in DEMO_USERS]))).all()
    roles = {username: role for username, _name, role in DEMO_USERS}
    return {user.username for user in users
            if user.is_active and Role(user.role) == Role(roles[user.username]) and user.check_password(DEMO_PASSWORD)}


def _sqlite_copy(source_path: Path, target_path: Path) -> None:
    """A consistent copy of a live SQLite database, page by page, through the sqlite3 backup API."""
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def register_cli(app: Flask) -> None:
    from grocery.largedata import register_largedata_cli

    register_largedata_cli(app)

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", required=True, help="admin, coordinator, social_worker, stock_manager or cashier")
    @click.option("--name", "display_name", default=None, help="Name shown to colleagues.")
    @click.option("--language", default="fr", show_default=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                  help="Prompted when omitted; at least 10 characters.")
    def create_user_command(username, role, display_name, language, password):
        """Create a staff account."""
        from grocery.auth.services import create_user

        try:
            user = create_user(None, username=username, password=password, role=role, display_name=display_name,
                               preferred_language=language)
        except GroceryError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(f"Compte créé : {user.username} ({user.role})")

    @app.cli.command("demo")
    @click.option("--skip-if-loaded", is_flag=True, help="Exit quietly when the database already has accounts.")
    def demo_command(skip_if_loaded: bool):
        """Load realistic demo data in French (refuses a database that already has accounts)."""
        from grocery.auth.models import User
        from grocery.auth.services import create_user

        if db.session.scalar(select(func.count(User.id))):
            if skip_if_loaded:
                click.echo("La base contient déjà des comptes : données de démonstration non rechargées.")
                in_use = _demo_logins_in_use()
                if in_use:
                    _print_demo_logins(in_use)
                else:
                    click.echo("Ce ne sont pas les comptes de démonstration : connectez-vous avec les vôtres.")
                return
            raise click.ClickException("the database already has accounts: demo data goes into an empty database")
        for username, name, role in DEMO_USERS:
            create_user(None, username=username, password=DEMO_PASSWORD, role=role, display_name=name)
        db.session.flush()
        for _order, name, loader in DEMO_LOADERS:
            click.echo(f"- {name}: {loader()}")
        db.session.commit()
        _print_demo_logins()

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(path: Path):
        """Copy the SQLite database while the app runs (sqlite3 backup API). For PostgreSQL, use pg_dump."""
        source_path = _sqlite_path()
        if source_path is None:
            url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
            connection = _pg_connection_options(url)
            click.echo("This database is PostgreSQL: back it up with pg_dump (it is consistent while the app runs):\n"
                       f"  pg_dump --format=custom --file={shlex.quote(str(path))} {connection}\n"
                       "To restore it: stop the app, then\n"
                       f"  pg_restore --clean --if-exists {connection} "
                       f"{shlex.quote(str(path))}\n"
                       "and start the app again. The password is asked for, or read from ~/.pgpass or PGPASSWORD.")
            return
        if path.exists():
            raise click.ClickException(f"{path} exists already: choose a new file name")
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source_path, path)
        click.echo(f"Sauvegarde écrite : {path} ({path.stat().st_size} octets)")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(path: Path, yes: bool):
        """Replace the SQLite database by a backup. Refused while a process serves the app (stop it first) and
        for a file that is not a grocery database at a known migration; the current database is kept aside in a
        new timestamped file."""
        from grocery.serving import AppServing, no_process_serving

        target_path = _sqlite_path()
        if target_path is None:
            connection = _pg_connection_options(make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]))
            raise click.ClickException(
                "this database is PostgreSQL: stop the app, then restore a pg_dump file with\n"
                f"  pg_restore --clean --if-exists {connection} {shlex.quote(str(path))}\nand start the app again")
        if path.resolve() == target_path.resolve():
            raise click.ClickException(f"{path} is the database itself: choose a backup file")
        revision = _check_backup(path)
        db.session.remove()
        db.engine.dispose()
        try:
            with no_process_serving(target_path.resolve()):
                if not yes:
                    click.confirm(f"Replace {target_path} by {path} (migration {revision})?", abort=True)
                if target_path.exists():
                    aside = _new_safety_copy_path(target_path)
                    _sqlite_copy(target_path, aside)
                    click.echo(f"Ancienne base gardée : {aside}")
                _sqlite_copy(path, target_path)
        except AppServing as serving:
            raise click.ClickException(
                f"the application is serving this database (a process holds {serving}): stop gunicorn or "
                "flask run, then restore; nothing was changed") from None
        click.echo(f"Base restaurée depuis {path} (migration {revision})")
        if revision != _known_revisions()[0]:
            click.echo("Cette sauvegarde précède la dernière migration : lancez « flask --app grocery db upgrade ».")


#: Tables every grocery database has had since the first migration.
FOUNDATION_TABLES = frozenset({"users", "login_attempts", "audit_events", "settings"})


def _known_revisions() -> list[str]:
    """The migration revisions of this code, newest first."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    from grocery import ROOT

    config = AlembicConfig()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return [script.revision for script in ScriptDirectory.from_config(config).walk_revisions()]


def _check_backup(path: Path) -> str:
    """A backup is a sound SQLite file of a grocery database at a migration this code knows, with the tables of
    that migration (every model's table at the newest one); returns the revision. Nothing is changed."""
    try:
        check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise click.ClickException(f"{path} cannot be opened as a SQLite database: {error}") from None
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise click.ClickException(f"{path} is not a sound SQLite database")
        tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            raise click.ClickException(f"{path} is not a grocery database (no migration version in it)")
        versions = [row[0] for row in check.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{path} is not a SQLite database: {error}") from None
    finally:
        check.close()
    known = _known_revisions()
    if len(versions) != 1 or versions[0] not in known:
        raise click.ClickException(f"{path} is at migration {', '.join(versions) or 'none'}, unknown to this version "
                                   f"of grocery (known: {known[-1]} to {known[0]}): nothing was changed")
    expected = set(db.metadata.tables) if versions[0] == known[0] else FOUNDATION_TABLES
    missing = sorted(expected - tables)
    if missing:
        raise click.ClickException(f"{path} lacks the tables {', '.join(missing)} of a grocery database at "
                                   f"migration {versions[0]}: nothing was changed")
    return versions[0]


def _new_safety_copy_path(target: Path) -> Path:
    """A new file name for the copy of the current database: an earlier copy is never overwritten."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 1000):
        candidate = target.with_name(f"{target.name}.before-restore-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            candidate.touch(exist_ok=False)  # claims the name; the copy fills it
        except FileExistsError:
            continue
        return candidate
    raise click.ClickException(f"too many safety copies named {target.name}.before-restore-{stamp}")
