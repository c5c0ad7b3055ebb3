"""Shared helpers of the stock pages: form rows by id, service refusals, categories, labels in templates."""

from flask import flash
from flask_babel import lazy_gettext as _l

from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.forms import apply_service_error, parse_int
from grocery.stock import bp
from grocery.stock import services as svc
from grocery.stock.forms import LABELS
from grocery.stock.labels import shelf_prices
from grocery.stock.models import ProductCategory

PAGE_SIZE = 50
#: What the quantity fields expect, by unit kind.
UNIT_HINTS = {"piece": _l("In pieces."), "kg": _l("In kg, for example 1,250."),
               "litre": _l("In litres, for example 0,75.")}


def _get(model, value):
    """The row whose id a form field gives, or None when the field holds no bounded id."""
    ident = parse_int(value, minimum=1)
    return db.session.get(model, ident) if ident is not None else None


@bp.context_processor
def _stock_labels():
    from grocery.sites.services import has_several_sites

    return {"labels": LABELS, "shelf_prices": shelf_prices, "several_sites": has_several_sites}


def _fail(form, error: ValidationError) -> None:
    """Undo the transaction and show a service refusal next to its field, or as a flash."""
    db.session.rollback()
    if form is None or not apply_service_error(form, error):
        flash(error.message, "error")


def _categories(active_only: bool = True) -> list[ProductCategory]:
    categories = svc.ensure_default_categories()
    return [c for c in categories if c.is_active or not active_only]


