"""The `flask anonymise` command: anonymise households closed or inactive for a number of years."""

import click
from flask_babel import ngettext

from grocery.extensions import db
from grocery.households import bp


@bp.cli.command("anonymise")
@click.option("--inactive-years", type=int, default=None,
              help="Households closed or without activity for this many years (default: the setting).")
@click.option("--dry-run", is_flag=True, help="List the households without changing anything.")
def anonymise_command(inactive_years: int | None, dry_run: bool):
    """Anonymise households closed or inactive for N years (keeps postcode, birth years and counts)."""
    from grocery.audit.services import record_event
    from grocery.errors import GroceryError
    from grocery.households.forms import STATUS_LABELS
    from grocery.households.services import anonymise_household, households_to_anonymise
    from grocery.settings.services import get_setting

    years = inactive_years if inactive_years is not None else int(get_setting("households.anonymise_after_years"))
    try:
        households = households_to_anonymise(years)
    except GroceryError as error:
        raise click.ClickException(error.message) from None
    for household in households:
        click.echo(f"{household.reference} ({STATUS_LABELS.get(household.status, household.status)})")
    if dry_run:
        click.echo(ngettext("%(num)d household would be anonymised (dry run: nothing is changed).",
                            "%(num)d households would be anonymised (dry run: nothing is changed).",
                            len(households)))
        return
    for household in households:
        anonymise_household(None, household)
    record_event(None, "household.anonymise_run", "households", {"years": years, "count": len(households)})
    db.session.commit()
    click.echo(ngettext("%(num)d household anonymised.", "%(num)d households anonymised.", len(households)))
