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
def stock_check_command():
    """Check that each lot's cached quantity equals the sum of its movements (exit code 1 if not)."""
    from grocery.stock.services import ledger_mismatches

    mismatches = ledger_mismatches()
    for lot_id, cached, summed in mismatches:
        click.echo(gettext("lot %(lot)d: %(cached)d cached, %(summed)d in the sum of its movements", lot=lot_id,
                           cached=cached, summed=summed))
    if mismatches:
        raise click.ClickException(ngettext("%(num)d inconsistent lot.", "%(num)d inconsistent lots.",
                                            len(mismatches)))
    click.echo(gettext("Stock consistent: each lot equals the sum of its movements."))
