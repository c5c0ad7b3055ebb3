"""Stock counts of the current site: open, enter counted quantities, post."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grocery.auth.roles import roles_required
from grocery.errors import GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import choices
from grocery.sites.access import get_site_object_or_404
from grocery.sites.context import current_site_id
from grocery.stock import STOCK_ROLES, bp
from grocery.stock import services as svc
from grocery.stock.forms import CountOpenForm, CountPostForm
from grocery.stock.models import ProductCategory, StockCount
from grocery.stock.views.common import _categories, _get

# --- counts -------------------------------------------------------------------------------------------------------


@bp.route("/counts", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def counts():
    form = CountOpenForm()
    form.category.choices = choices([("", _("The whole stock"))] + [(str(c.id), c.name) for c in _categories()])
    if form.validate_on_submit():
        category = _get(ProductCategory, form.category.data)
        count = svc.open_count(current_user, category)
        db.session.commit()
        return redirect(url_for("stock.count", count_id=count.id))
    rows = db.session.scalars(select(StockCount).options(selectinload(StockCount.lines))
                              .where(StockCount.site_id == current_site_id())
                              .order_by(StockCount.opened_at.desc()).limit(50)).all()
    return render_template("stock/counts.html", form=form, counts=rows)


@bp.route("/counts/<int:count_id>", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def count(count_id: int):
    """Enter counted quantities (empty = not counted); ?code= narrows the list to a scanned product."""
    count = get_site_object_or_404(StockCount, count_id)
    lots = svc.count_lots(count)
    errors: dict[int, str] = {}
    if request.method == "POST" and count.status == "open":
        try:
            saved = 0
            for lot in lots:
                raw = request.form.get(f"counted-{lot.id}", "").strip()
                if not raw:
                    continue
                try:
                    counted = svc.parse_quantity(lot.product, raw, field="counted", allow_zero=True)
                    svc.set_count_line(count, lot, counted)
                    saved += 1
                except ValidationError as error:
                    errors[lot.id] = error.message
            if errors:
                raise ValidationError(None, _("Some counts need correcting: nothing was saved."))
        except ValidationError as error:
            db.session.rollback()
            flash(error.message, "error")
            count = db.session.get(StockCount, count_id)
            lots = svc.count_lots(count)
        else:
            db.session.commit()
            flash(ngettext("%(num)d counted quantity saved.", "%(num)d counted quantities saved.", saved), "success")
            return redirect(url_for("stock.count", count_id=count.id, code=request.form.get("code") or None))
    counted = {line.lot_id: line for line in count.lines}
    code = (request.args.get("code") or "").strip()
    scan_error = None
    if code:
        product = svc.find_product_by_code(code)
        if product is None:
            scan_error = _("No product has the barcode %(code)s.", code=code)
        else:
            lots = [lot for lot in lots if lot.product_id == product.id]
            if not lots:
                scan_error = _("No lot of “%(name)s” in this count.", name=product.name)
    return render_template("stock/count.html", count=count, lots=lots, counted=counted, errors=errors, code=code,
                           scan_error=scan_error, post_form=CountPostForm(formdata=None),
                           values=request.form if request.method == "POST" else {}), \
        422 if errors else 200


@bp.route("/counts/<int:count_id>/post", methods=["POST"])
@roles_required(STOCK_ROLES)
def count_post(count_id: int):
    count = get_site_object_or_404(StockCount, count_id)
    form = CountPostForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        movements = svc.post_count(current_user, count, form.reason.data)
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("stock.count", count_id=count_id))
    db.session.commit()
    flash(ngettext("The count is posted: %(num)d lot adjusted.", "The count is posted: %(num)d lots adjusted.",
                   len(movements)), "success")
    return redirect(url_for("stock.count", count_id=count.id))


