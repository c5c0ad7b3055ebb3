"""Commands `flask import-products FILE` and `flask import-households FILE`: the same checks as the screens."""

from pathlib import Path

import click
from flask_babel import gettext as _
from sqlalchemy import select

from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.imports import bp
from grocery.imports import services as svc
from grocery.imports.parsing import ImportRefused, read_table


def _actor(username: str | None):
    if not username:
        return None
    from grocery.auth.models import User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(_("No account is named %(name)s.", name=username))
    return user


def _run(kind: str, path: Path, only_valid: bool, dry_run: bool, username: str | None) -> None:
    actor = _actor(username)
    data = path.read_bytes()
    try:
        table = read_table(path.name, data)
        with click.progressbar(length=len(table.rows), label=_("Checking"), file=None) as bar:
            plan = svc.analyse_table(kind, table, progress=bar.update)
    except ImportRefused as refusal:
        db.session.rollback()
        raise click.ClickException(refusal.message) from None
    for error in plan.sorted_errors():
        column = _("“%(column)s”", column=error.column) if error.column else "—"
        click.echo(_("line %(line)d, column %(column)s: %(message)s", line=error.line, column=column,
                     message=error.message), err=True)
    for present in plan.present:
        click.echo(_("line %(lines)s: already present, skipped (%(reason)s)",
                     lines=", ".join(str(n) for n in present.lines), reason=present.reason))
    click.echo(_("%(read)d line(s) read: %(ok)d to import, %(present)d already present, %(invalid)d with errors.",
                 read=plan.lines_read, ok=plan.lines_ok, present=plan.lines_present, invalid=plan.lines_invalid))
    if dry_run:
        db.session.rollback()
        click.echo(_("Dry run: nothing was written."))
        if plan.errors:
            raise SystemExit(1)
        return
    if plan.errors and not only_valid:
        db.session.rollback()
        raise click.ClickException(_("Errors remain: nothing was written. Correct the file, or add --only-valid to "
                                     "import only the valid lines."))
    if not plan.items:
        db.session.rollback()
        click.echo(_("Nothing to import."))
        return
    batch = svc.start_cli_import(kind, path.name, len(data), actor)
    try:
        with click.progressbar(length=plan.lines_ok, label=_("Importing"), file=None) as bar:
            created = svc.apply_plan(actor, batch, plan, only_valid=only_valid, progress=bar.update)
    except GroceryError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(_("Import done: %(created)d created, %(present)d line(s) already present, %(invalid)d line(s) "
                 "with errors skipped.", created=created, present=plan.lines_present, invalid=plan.lines_invalid))


def _command(kind: str, name: str, help_text: str):
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--only-valid", is_flag=True, help="Import the valid lines and skip the lines with errors.")
    @click.option("--dry-run", is_flag=True, help="Check the file and list the errors; write nothing.")
    @click.option("--user", "username", default=None, help="Account recorded as the author in the audit log.")
    def command(path: Path, only_valid: bool, dry_run: bool, username: str | None):
        _run(kind, path, only_valid, dry_run, username)

    command.__doc__ = help_text
    bp.cli.command(name)(command)


_command("products", "import-products", "Import products from a CSV or XLSX file (same columns as the screen).")
_command("households", "import-households",
         "Import households from a CSV or XLSX file, one line per person (same columns as the screen).")
