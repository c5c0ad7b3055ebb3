"""Checkout: till sessions (float, cash in and out, blind close) and sales at the tablet."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import MANAGERS, Role
from grocery.navigation import register_nav
from grocery.settings.registry import SettingDef, register, register_section

bp = Blueprint("checkout", __name__, url_prefix="/till")

register_section("checkout", _l("Till"), 20)
register(
    SettingDef("checkout.till_names", "multiline", "Caisse 1", _l("Tills"), "checkout",
               help=_l("One till name per line, as written on each tablet or cash drawer."), required=True),
    SettingDef("checkout.max_cash_difference_cents", "cents", 500, _l("Cash difference to explain"), "checkout",
               help=_l("At closing, a difference larger than this needs a note."), min=0),
)

from grocery.checkout import demo, service_worker, views  # noqa: E402,F401

register_nav("checkout.index", _l("Till"), {Role.CASHIER, *MANAGERS}, order=20)
