"""Stock lists of the current site: stock on hand, near expiry, expired (and their discard), lots waiting past their
best-before date (and the decision on one), low stock, shortfalls."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from grocery.auth.roles import roles_required
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.forms import arg_int
from grocery.settings.services import get_setting
from grocery.sites.access import get_site_object_or_404
from grocery.stock import STOCK_ROLES, bp, ddm
from grocery.stock import services as svc
from grocery.stock.forms import DdmDecisionForm
from grocery.stock.models import Lot
from grocery.stock.views.common import _categories
from grocery.timeutil import local_today

# --- lists --------------------------------------------------------------------------------------------------------


@bp.route("/")
@roles_required(STOCK_ROLES)
def index():
    categories = _categories(active_only=False)
    category_id = arg_int("category")
    rows = svc.stock_on_hand(category_id)
    totals = {"grams": sum(r.weight_g or 0 for r in rows), "retail_cents": sum(r.retail_cents for r in rows)}
    today = local_today()
    counts = {"near": len(svc.near_expiry_lots(today)), "expired": len(svc.expired_lots(today)),
              "low": len(svc.low_stock())}
    return render_template("stock/index.html", rows=rows, categories=categories, category_id=category_id,
                           totals=totals, counts=counts, thresholds=svc.site_thresholds())


@bp.route("/near-expiry")
@roles_required(STOCK_ROLES)
def near_expiry():
    days = arg_int("days") or get_setting("stock.near_expiry_days")
    days = max(1, min(days, 365))
    today = local_today()
    return render_template("stock/near_expiry.html", lots=svc.near_expiry_lots(today, days), days=days, today=today)


@bp.route("/expired")
@roles_required(STOCK_ROLES)
def expired():
    today = local_today()
    return render_template("stock/expired.html", lots=svc.expired_lots(today), today=today)


@bp.route("/expired/discard", methods=["POST"])
@roles_required(STOCK_ROLES)
def discard_expired():
    movements = svc.discard_expired(current_user, local_today())
    db.session.commit()
    if movements:
        flash(ngettext("%(num)d expired lot was discarded.", "%(num)d expired lots were discarded.", len(movements)),
              "success")
    else:
        flash(_("No lot was past its use-by date."), "info")
    return redirect(url_for("stock.expired"))


@bp.route("/best-before")
@roles_required(STOCK_ROLES)
def ddm_waiting():
    """Lots past their best-before date and grace days: the till does not sell them until a decision."""
    today = local_today()
    return render_template("stock/ddm.html", lots=ddm.waiting_lots(today), today=today,
                           form=DdmDecisionForm(formdata=None))


@bp.route("/best-before/<int:lot_id>", methods=["POST"])
@roles_required(STOCK_ROLES)
def ddm_decide(lot_id: int):
    lot = get_site_object_or_404(Lot, lot_id)
    form = DdmDecisionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(error) for error in errors), "error")
        return redirect(url_for("stock.ddm_waiting"))
    try:
        ddm.decide(current_user, lot, form.decision.data or "", until=form.until.data,
                   recipient=form.recipient.data or "", reason=form.reason.data or "expired",
                   note=form.note.data or "")
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("stock.ddm_waiting"))
    db.session.commit()
    name = lot.product.name
    flash({"sell": _("%(name)s: the lot is sellable again.", name=name),
           "give": _("%(name)s: the lot is given away.", name=name),
           "discard": _("%(name)s: the lot is discarded.", name=name)}[form.decision.data], "success")
    return redirect(url_for("stock.ddm_waiting"))


@bp.route("/low-stock")
@roles_required(STOCK_ROLES)
def low_stock():
    return render_template("stock/low_stock.html", rows=svc.low_stock())


@bp.route("/shortfalls")
@roles_required(STOCK_ROLES)
def shortfalls():
    """Units offline sales handed over beyond the stock recorded; a posted count of the product settles them."""
    from grocery.stock.shortfalls import open_shortfalls

    return render_template("stock/shortfalls.html", rows=open_shortfalls())


