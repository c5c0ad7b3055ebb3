"""Flask commands of the foundation: create-user, demo, backup, restore; every command speaks the CLI language."""

import shlex
import sqlite3
from functools import wraps
from pathlib import Path

import click
from flask import Flask, current_app, has_app_context
from flask.cli import ScriptInfo
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from grocery.auth.roles import Role
from grocery.demo import DEMO_LOADERS
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.i18n import cli_language, locale_for
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


class CliError(click.ClickException):
    """A command's refusal, shown with its "Error:" prefix in the CLI language (click's own is English and is
    printed after the command has left its language)."""

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.text = gettext("Error: %(message)s", message=self.message)

    def show(self, file=None) -> None:
        click.echo(self.text, file=file, err=file is None)


def _in_cli_language(command: click.Command) -> None:
    """Run `command` in the CLI language (grocery.i18n.cli_language), inside the application context its callback
    would push anyway: its messages, its refusals (a plain ClickException becomes a CliError) and a confirmation
    declined. Usage errors (a missing argument, a bad option) stay click's own."""
    invoke = command.invoke

    @wraps(invoke)
    def invoke_in_language(ctx: click.Context):
        if has_app_context():
            return _invoke_translated(invoke, ctx)
        with ctx.ensure_object(ScriptInfo).load_app().app_context():
            return _invoke_translated(invoke, ctx)

    command.invoke = invoke_in_language
    command.in_cli_language = True


def _invoke_translated(invoke, ctx: click.Context):
    with force_locale(locale_for(cli_language())):
        try:
            return invoke(ctx)
        except (click.UsageError, CliError):
            raise
        except click.ClickException as error:
            raise CliError(error.format_message()) from None
        except click.Abort:
            raise CliError(gettext("Cancelled: nothing was changed.")) from None


def speak_cli_language(app: Flask) -> None:
    """Every command of the application (the foundation's and the blueprints') in the CLI language."""
    for command in app.cli.commands.values():
        if not getattr(command, "in_cli_language", False):
            _in_cli_language(command)


def _sqlite_path() -> Path | None:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise CliError(gettext("An in-memory SQLite database cannot be backed up."))
    return Path(url.database)


def _print_demo_logins(usernames: set[str] | None = None) -> None:
    """The demo accounts (all, or those named) and their password."""
    click.echo(gettext("Demo accounts (password: %(password)s):", password=DEMO_PASSWORD))
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
    """The foundation's commands, then every command of the application made to speak the CLI language."""
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
            raise CliError(error.message) from None
        db.session.commit()
        click.echo(gettext("Account created: %(username)s (%(role)s)", username=user.username, role=user.role))

    @app.cli.command("demo")
    @click.option("--skip-if-loaded", is_flag=True, help="Exit quietly when the database already has accounts.")
    def demo_command(skip_if_loaded: bool):
        """Load realistic demo data in French (refuses a database that already has accounts)."""
        from grocery.auth.models import User
        from grocery.auth.services import create_user

        if db.session.scalar(select(func.count(User.id))):
            if skip_if_loaded:
                click.echo(gettext("The database already has accounts: demo data not loaded again."))
                in_use = _demo_logins_in_use()
                if in_use:
                    _print_demo_logins(in_use)
                else:
                    click.echo(gettext("These are not the demo accounts: sign in with your own."))
                return
            raise CliError(gettext("The database already has accounts: demo data goes into an empty database."))
        for username, name, role in DEMO_USERS:
            create_user(None, username=username, password=DEMO_PASSWORD, role=role, display_name=name)
        db.session.flush()
        for _order, name, loader in DEMO_LOADERS:
            click.echo(gettext("- %(part)s: %(summary)s", part=name, summary=loader()))
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
            click.echo(gettext(
                "This database is PostgreSQL: back it up with pg_dump (it is consistent while the app runs):\n"
                "  %(dump)s\nTo restore it: stop the app, then\n  %(restore)s\nand start the app again. The "
                "password is asked for, or read from ~/.pgpass or PGPASSWORD.",
                dump=f"pg_dump --format=custom --file={shlex.quote(str(path))} {connection}",
                restore=f"pg_restore --clean --if-exists {connection} {shlex.quote(str(path))}"))
            return
        if path.exists():
            raise CliError(gettext("%(path)s exists already: choose a new file name.", path=path))
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source_path, path)
        size = path.stat().st_size
        click.echo(ngettext("Backup written: %(path)s (%(num)d byte)", "Backup written: %(path)s (%(num)d bytes)",
                            size, path=path))

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
            raise CliError(gettext(
                "This database is PostgreSQL: stop the app, then restore a pg_dump file with\n  %(restore)s\nand "
                "start the app again.",
                restore=f"pg_restore --clean --if-exists {connection} {shlex.quote(str(path))}"))
        if path.resolve() == target_path.resolve():
            raise CliError(gettext("%(path)s is the database itself: choose a backup file.", path=path))
        revision = _check_backup(path)
        db.session.remove()
        db.engine.dispose()
        try:
            with no_process_serving(target_path.resolve()):
                if not yes:
                    click.confirm(gettext("Replace %(target)s by %(path)s (migration %(revision)s)?",
                                          target=target_path, path=path, revision=revision), abort=True)
                if target_path.exists():
                    aside = _new_safety_copy_path(target_path)
                    _sqlite_copy(target_path, aside)
                    click.echo(gettext("Previous database kept: %(path)s", path=aside))
                _sqlite_copy(path, target_path)
        except AppServing as serving:
            raise CliError(gettext(
                "The application is serving this database (a process holds %(lock)s): stop gunicorn or flask run, "
                "then restore. Nothing was changed.", lock=serving)) from None
        click.echo(gettext("Database restored from %(path)s (migration %(revision)s)", path=path, revision=revision))
        if revision != _known_revisions()[0]:
            click.echo(gettext("This backup precedes the latest migration: run “%(command)s”.",
                               command="flask --app grocery db upgrade"))

    speak_cli_language(app)  # last: the blueprints' commands are registered by now


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
        raise CliError(gettext("%(path)s cannot be opened as a SQLite database: %(error)s", path=path,
                               error=error)) from None
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise CliError(gettext("%(path)s is not a sound SQLite database.", path=path))
        tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            raise CliError(gettext("%(path)s is not a grocery database (no migration version in it).", path=path))
        versions = [row[0] for row in check.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError as error:
        raise CliError(gettext("%(path)s is not a SQLite database: %(error)s", path=path, error=error)) from None
    finally:
        check.close()
    known = _known_revisions()
    if len(versions) != 1 or versions[0] not in known:
        raise CliError(gettext("%(path)s is at migration %(versions)s, unknown to this version of grocery (known: "
                               "%(first)s to %(last)s). Nothing was changed.", path=path,
                               versions=", ".join(versions) or "—", first=known[-1], last=known[0]))
    expected = set(db.metadata.tables) if versions[0] == known[0] else FOUNDATION_TABLES
    missing = sorted(expected - tables)
    if missing:
        raise CliError(gettext("%(path)s lacks the tables %(tables)s of a grocery database at migration "
                               "%(revision)s. Nothing was changed.", path=path, tables=", ".join(missing),
                               revision=versions[0]))
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
    raise CliError(gettext("Too many safety copies named %(name)s: move some away.",
                           name=f"{target.name}.before-restore-{stamp}"))
