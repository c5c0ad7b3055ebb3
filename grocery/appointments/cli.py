"""`flask appointments generate` and `flask appointments mark-missed`: for cron or a systemd timer."""

from datetime import timedelta

import click
from flask_babel import ngettext

from grocery.appointments import bp
from grocery.extensions import db


@bp.cli.command("generate")
@click.option("--days", type=click.IntRange(1, 92), default=28, show_default=True,
              help="Generate the slots from today for this many days.")
@click.option("--site", "site_id", type=int, default=None, help="One site's id (default: every active site).")
def generate_command(days: int, site_id: int | None):
    """Generate each site's slots from its opening pattern and book the standing appointments (idempotent)."""
    from grocery.appointments import services as aps
    from grocery.errors import GroceryError
    from grocery.sites.services import active_sites
    from grocery.timeutil import local_today

    today = local_today()
    sites = [site for site in active_sites() if site_id is None or site.id == site_id]
    if not sites:
        raise click.ClickException("No active site with this id.")
    for site in sites:
        try:
            result = aps.generate_slots(None, today, today + timedelta(days=days - 1), site_id=site.id)
        except GroceryError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"{site.name}: " + ngettext("%(num)d slot created", "%(num)d slots created",
                                              len(result.created))
                   + ", " + ngettext("%(num)d standing appointment booked", "%(num)d standing appointments booked",
                                     len(result.standing.booked)))
        for slot in result.kept_booked:
            click.echo(f"  ! {slot.starts_at.isoformat()}: " + str(_kept()))
        for _standing, when, why in result.standing.skipped:
            click.echo(f"  - {when}: {why}")
    db.session.commit()


def _kept():
    from flask_babel import lazy_gettext as _l

    return _l("no longer in the opening pattern but booked: move its appointments")


@bp.cli.command("mark-missed")
def mark_missed_command():
    """Mark missed every appointment of a past day without arrival (for planning; never cuts access or budget)."""
    from grocery.appointments import services as aps

    count = aps.mark_missed(None)
    db.session.commit()
    click.echo(ngettext("%(num)d appointment marked missed.", "%(num)d appointments marked missed.", count))
