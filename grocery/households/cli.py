"""The `flask anonymise` command: anonymise households closed or inactive for a number of years."""

import click

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
    from grocery.households.services import anonymise_household, households_to_anonymise
    from grocery.settings.services import get_setting

    years = inactive_years if inactive_years is not None else int(get_setting("households.anonymise_after_years"))
    try:
        households = households_to_anonymise(years)
    except GroceryError as error:
        raise click.ClickException(error.message) from None
    for household in households:
        click.echo(f"{household.reference} ({household.status})")
    if dry_run:
        click.echo(f"{len(households)} ménage(s) seraient anonymisés (essai : rien n'est modifié).")
        return
    for household in households:
        anonymise_household(None, household)
    record_event(None, "household.anonymise_run", "households", {"years": years, "count": len(households)})
    db.session.commit()
    click.echo(f"{len(households)} ménage(s) anonymisé(s).")
