"""A lot of the current site: its facts, its movements, its transfers and the form to record waste."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grocery.auth.roles import roles_required
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.forms import add_service_errors
from grocery.sites.access import get_site_object_or_404
from grocery.stock import STOCK_ROLES, bp
from grocery.stock import services as svc
from grocery.stock.forms import WasteForm
from grocery.stock.models import Lot, StockMovement
from grocery.stock.views.common import UNIT_HINTS, _fail
from grocery.timeutil import local_today

# --- lots and waste -----------------------------------------------------------------------------------------------


@bp.route("/lots/<int:lot_id>", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def lot(lot_id: int):
    """A lot, its movements, and the form to record waste."""
    lot = get_site_object_or_404(Lot, lot_id)
    form = WasteForm()
    form.quantity.description = UNIT_HINTS[lot.product.unit_kind]
    if form.validate_on_submit():
        try:
            svc.record_waste(current_user, lot, form.quantity.data or "", form.reason.data,
                             weight_g=form.weight_g.data, note=form.note.data or "")
        except ValidationError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("The waste is recorded."), "success")
            return redirect(url_for("stock.lot", lot_id=lot.id))
        lot = db.session.get(Lot, lot_id)
    elif form.is_submitted():
        add_service_errors(form, lambda: svc.check_waste(
            lot, form.quantity.data or "", form.reason.data,
            weight_g=None if form.weight_g.errors else form.weight_g.data))
    movements = db.session.scalars(select(StockMovement).where(StockMovement.lot_id == lot.id)
                                   .order_by(StockMovement.occurred_at.desc(), StockMovement.id.desc())).all()
    return render_template("stock/lot.html", lot=lot, form=form, movements=movements, today=local_today(),
                           transfers=svc.lot_transfers(lot),
                           price=svc.unit_price_cents(lot.product, lot)), 422 if form.errors else 200


