"""Catalogue, donations and stock: products and barcodes, donors, receptions, the ledger, FEFO, waste, counts."""

import click
from flask import Blueprint
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import Role
from grocery.navigation import register_nav
from grocery.settings.registry import SettingDef, register, register_section

bp = Blueprint("stock", __name__, url_prefix="/stock", cli_group=None)

#: Roles that reach the stock pages.
STOCK_ROLES = frozenset({Role.STOCK_MANAGER, Role.COORDINATOR, Role.ADMIN})

from grocery.stock import demo, views  # noqa: E402,F401

register_nav("stock.index", _l("Stock"), STOCK_ROLES, order=30)


def _refresh_ddm_holds() -> None:
    """The default grace days changed: move the hold day of the lots that follow it (never a decided lot)."""
    from grocery.stock.ddm import refresh_ddm_holds

    refresh_ddm_holds()


register_section("stock", _l("Stock and donations"), 30)
register(
    SettingDef("stock.near_expiry_days", "int", 7, _l("Near expiry: days ahead"), "stock", min=1, max=90,
               help=_l("Lots whose use-by or best-before date falls within this many days are listed as near "
                       "expiry.")),
    SettingDef("stock.ddm_grace_days", "int", 30, _l("Best-before date (DDM): days sellable after it"), "stock",
               min=0, max=3650,
               help=_l("Default for the categories without their own number of days. Past it, a lot waits for a "
                       "stock manager's decision (sell, give, discard) and the till does not sell it."),
               on_change=_refresh_ddm_holds),
    SettingDef("stock.cap_percent.food_bank", "percent", 10,
               _l("Highest price of food-bank goods (percentage of retail)"), "stock",
               help=_l("100 % means no cap. FEAD/FSE+ goods are always free.")),
    SettingDef("stock.cap_percent.supermarket", "percent", 100,
               _l("Highest price of supermarket surplus (percentage of retail)"), "stock",
               help=_l("100 % means no cap.")),
    SettingDef("stock.cap_percent.private", "percent", 100,
               _l("Highest price of private donations (percentage of retail)"), "stock",
               help=_l("100 % means no cap.")),
    SettingDef("stock.cap_percent.collection", "percent", 100,
               _l("Highest price of collected goods (percentage of retail)"), "stock", help=_l("100 % means no cap.")),
    SettingDef("stock.cap_percent.purchase", "percent", 100,
               _l("Highest price of purchased goods (percentage of retail)"), "stock", help=_l("100 % means no cap.")),
    SettingDef("stock.cap_percent.other", "percent", 100, _l("Highest price of goods from other sources "
                                                                "(percentage of retail)"), "stock",
               help=_l("100 % means no cap.")),
)


@bp.app_template_filter("qty")
def _quantity_filter(quantity, product):
    from grocery.stock.services import format_quantity

    return format_quantity(product, quantity)


@bp.app_template_filter("kg")
def _kg_filter(grams, digits: int = 1):
    """Grams as kilograms in the current locale: 21600 -> "21,6 kg"."""
    from decimal import Decimal

    from flask_babel import format_decimal

    if grams is None:
        return "—"
    return f"{format_decimal(Decimal(grams) / 1000, format='#,##0.' + '0' * digits)} kg"


@bp.cli.command("stock-check")
@click.option("--site", "site_ref", default=None, help="Check this site only (its id or its name).")
def stock_check_command(site_ref):
    """Check each site's stock (exit code 1 if anything is wrong): each lot's cached quantity equals the sum of its
    movements, each movement is on its lot's site, each transfer line's movement out and movement in equal it."""
    from sqlalchemy import select

    from grocery.extensions import db
    from grocery.sites.models import Site
    from grocery.stock.services import ledger_mismatches, misplaced_movements, transfer_mismatches

    sites = list(db.session.scalars(select(Site).order_by(Site.id)))
    if site_ref is not None:
        wanted = site_ref.strip()
        sites = [site for site in sites if (wanted.isdigit() and site.id == int(wanted))
                 or site.name.casefold() == wanted.casefold()]
        if not sites:
            raise click.ClickException(gettext("No site has the id or the name “%(site)s”.", site=site_ref))
    # An installation with one site reads as before sites existed: no site named.
    named = len(sites) > 1 or site_ref is not None
    indent = "  " if named else ""
    problems = 0
    for site in sites:
        if named:
            click.echo(gettext("Site %(site)s:", site=site.name))
        lots = ledger_mismatches(site.id)
        for lot_id, cached, summed in lots:
            click.echo(indent + gettext("lot %(lot)d: %(cached)d cached, %(summed)d in the sum of its movements",
                                      lot=lot_id, cached=cached, summed=summed))
        moves = misplaced_movements(site.id)
        for movement_id, lot_id, moved_at, lot_site in moves:
            click.echo(indent + gettext("movement %(movement)d of lot %(lot)d: written at site %(moved)d, the lot "
                                        "is at site %(site)d", movement=movement_id, lot=lot_id, moved=moved_at,
                                        site=lot_site))
        transfers = transfer_mismatches(site.id)
        for found in transfers:
            click.echo(indent + gettext("transfer %(transfer)d, line %(line)d: %(quantity)d sent, %(out)d out and "
                                      "%(in)d in", transfer=found.transfer_id, line=found.line_id,
                                      quantity=found.quantity, out=found.out_quantity, **{"in": found.in_quantity}))
        found_here = len(lots) + len(moves) + len(transfers)
        problems += found_here
        if named and not found_here:
            click.echo(indent + gettext("consistent: each lot equals the sum of its movements, every movement is on "
                                      "its lot's site, every transfer's out and in quantities are equal."))
    if problems:
        raise click.ClickException(ngettext("%(num)d inconsistency.", "%(num)d inconsistencies.", problems))
    click.echo(gettext("Stock consistent: each lot equals the sum of its movements."))
