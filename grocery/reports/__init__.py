"""Reports: the coordinator's dashboard, the activity report and the FEAD / FSE+ programme report (read only)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import MANAGERS
from grocery.navigation import register_nav

bp = Blueprint("reports", __name__, url_prefix="/reports")

from grocery.reports import views  # noqa: E402,F401

register_nav("reports.dashboard", _l("Reports"), MANAGERS, order=50)


@bp.app_template_filter("hours")
def _hours_filter(minutes: int | None) -> str:
    """Minutes as hours in the current locale: 90 -> "1,5 h" ("1,5 u" in Dutch)."""
    from decimal import Decimal

    from flask_babel import format_decimal, gettext

    return gettext("%(hours)s h", hours=format_decimal(Decimal(minutes or 0) / 60, format="#,##0.#"))


@bp.app_template_filter("programme_qty")
def _programme_quantity(row, quantity: int) -> str:
    """A quantity of a report row in its unit: pieces as they are, grams as kg, millilitres as litres."""
    from decimal import Decimal

    from flask_babel import format_decimal

    if row.unit_kind == "piece":
        return format_decimal(quantity, format="#,##0")
    unit = "kg" if row.unit_kind == "kg" else "l"
    return f"{format_decimal(Decimal(quantity) / 1000, format='#,##0.0##')} {unit}"


@bp.app_template_filter("tonnes")
def _tonnes_filter(grams: int | None) -> str:
    """Grams as tonnes in the current locale, to the kilogram: 1234500 -> "1,235 t"."""
    from decimal import Decimal

    from flask_babel import format_decimal

    return f"{format_decimal(Decimal(grams or 0) / 1_000_000, format='#,##0.000')} t"
