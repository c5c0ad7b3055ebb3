"""Donors (shared by the installation) and the current site's receptions, scanner in hand, and their receipts."""

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from grocery.auth.roles import roles_required
from grocery.errors import Conflict, FieldErrors, GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import add_service_errors, apply_service_error, arg_int, choices
from grocery.i18n import render_document
from grocery.money import parse_money
from grocery.sites.access import get_site_object_or_404
from grocery.sites.context import current_site_id
from grocery.stock import STOCK_ROLES, bp
from grocery.stock import services as svc
from grocery.stock.forms import DonorForm, ReceptionForm, ReceptionLineForm, category_choices
from grocery.stock.models import Donation, DonationLine, Donor, Product
from grocery.stock.views.catalogue import _product_values
from grocery.stock.views.common import _categories, _fail, _get
from grocery.timeutil import local_today

# --- donors -------------------------------------------------------------------------------------------------------


@bp.route("/donors")
@roles_required(STOCK_ROLES)
def donors():
    rows = db.session.execute(
        select(Donor, func.count(Donation.id), func.max(Donation.received_on))
        .outerjoin(Donation, (Donation.donor_id == Donor.id) & (Donation.status == "confirmed")
                   & (Donation.site_id == current_site_id()))
        .group_by(Donor.id).order_by(Donor.is_active.desc(), Donor.name)
    ).all()
    return render_template("stock/donors.html", rows=rows)


@bp.route("/donors/new", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def donor_new():
    return _donor_page(None)


@bp.route("/donors/<int:donor_id>", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def donor_edit(donor_id: int):
    return _donor_page(db.get_or_404(Donor, donor_id))


def _donor_page(donor):
    form = DonorForm(obj=donor)
    if form.validate_on_submit():
        try:
            svc.save_donor(current_user, donor, name=form.name.data, kind=form.kind.data, contact=form.contact.data,
                           is_active=form.is_active.data, preferred_language=form.preferred_language.data)
        except ValidationError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("The donor is saved."), "success")
            return redirect(url_for("stock.donors"))
    return render_template("stock/donor_form.html", form=form, donor=donor), 422 if form.errors else 200


# --- receptions ---------------------------------------------------------------------------------------------------


@bp.route("/receptions")
@roles_required(STOCK_ROLES)
def receptions():
    rows = db.session.execute(
        select(Donation, func.count(DonationLine.id)).outerjoin(DonationLine)
        .where(Donation.site_id == current_site_id(), Donation.status != "cancelled").group_by(Donation.id)
        .order_by(Donation.received_on.desc(), Donation.id.desc()).limit(100)
    ).all()
    return render_template("stock/receptions.html", rows=rows)


@bp.route("/receptions/new", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def reception_new():
    form = ReceptionForm()
    donors_list = db.session.scalars(select(Donor).where(Donor.is_active.is_(True)).order_by(Donor.name)).all()
    form.donor_id.choices = choices([("", _("Choose the donor"))] + [(str(d.id), d.name) for d in donors_list])
    if request.method == "GET":
        form.received_on.data = local_today()
    if form.validate_on_submit():
        donor = _get(Donor, form.donor_id.data)
        try:
            donation = svc.start_donation(current_user, donor, form.received_on.data, form.programme.data)
        except ValidationError as error:
            _fail(form, error)
        else:
            db.session.commit()
            return redirect(url_for("stock.reception", donation_id=donation.id))
    return render_template("stock/reception_new.html", form=form, has_donors=bool(donors_list)), \
        422 if form.errors else 200


def _render_reception(donation, line_form=None, *, product=None, new_code=None, scan_error=None, matches=None,
                      status=200):
    if line_form is None:
        line_form = ReceptionLineForm(formdata=None)
    line_form.category.choices = category_choices(_categories(), blank=_("Choose"))
    totals = svc.donation_totals(donation)
    return render_template("stock/reception.html", donation=donation, form=line_form, product=product,
                           new_code=new_code, scan_error=scan_error, matches=matches or [], totals=totals,
                           code=request.args.get("code", "")), status


@bp.route("/receptions/<int:donation_id>")
@roles_required(STOCK_ROLES)
def reception(donation_id: int):
    """The reception screen. ?code= is a scan (digits) or a name search; ?product_id= picks a product."""
    donation = get_site_object_or_404(Donation, donation_id)
    if donation.status != "draft":
        return render_template("stock/reception_done.html", donation=donation,
                               totals=svc.donation_totals(donation))
    code = (request.args.get("code") or "").strip()
    product_id = arg_int("product_id")
    form = ReceptionLineForm(formdata=None)
    if product_id:
        product = db.get_or_404(Product, product_id)
        form.product_id.data = str(product.id)
        return _render_reception(donation, form, product=product)
    if not code:
        return _render_reception(donation)
    if not re.fullmatch(r"[0-9 ]+", code):
        term = f"%{code}%"
        matches = db.session.scalars(select(Product).where(Product.is_active.is_(True), Product.name.ilike(term))
                                     .order_by(Product.name).limit(12)).all()
        return _render_reception(donation, matches=matches,
                                 scan_error=None if matches else _("No product matches “%(q)s”.", q=code))
    try:
        result = svc.parse_scan(code)
    except ValidationError as error:
        try:
            new_code = svc.validate_barcode(code, field="code")
        except ValidationError:
            return _render_reception(donation, scan_error=error.message, status=422)
        if svc.find_product_by_code(new_code) is None:
            form.code.data = new_code
            return _render_reception(donation, form, new_code=new_code)
        return _render_reception(donation, scan_error=error.message, status=422)
    form.product_id.data = str(result.product.id)
    if result.weight_g:
        form.measure.data = svc.format_quantity(result.product, result.weight_g).split(" ")[0]
    return _render_reception(donation, form, product=result.product)


def _check_new_product_line(donation: Donation, form) -> None:
    """Check the new product's fields and the line typed with it together, writing nothing, so that an empty
    form shows every missing field at once (the product cannot be created before its line is checked)."""
    errors = FieldErrors()
    with errors.collect():
        svc.clean_product_values(_product_values(form))
    quantity = measure = None
    with errors.collect():
        quantity = svc.parse_whole(form.quantity.data)
    with errors.collect():
        measure = svc.parse_measure(form.measure.data)
    if not ({"quantity", "measure", "unit_kind"} & set(errors.errors)):
        typed = Product(name=(form.name.data or "").strip(), unit_kind=form.unit_kind.data or "piece",
                        net_weight_g=form.net_weight_g.data)
        with errors.collect():
            svc.check_donation_line(donation, typed, quantity=quantity, measure=measure, use_by_on=form.use_by_on.data)
    errors.raise_if_any()


def _line_values(donation: Donation, product: Product, form, *, check: bool = False) -> dict:
    """The quantity, measure and cost price typed on a reception line, parsed; when one cannot be read (or with
    `check`, when the form refused another field), the service's checks of the others run too, so that every wrong
    field shows at once. Writes nothing."""
    errors = FieldErrors()
    values: dict = {"quantity": None, "measure": None, "unit_cost_cents": None}
    with errors.collect():
        values["quantity"] = svc.parse_whole(form.quantity.data)
    with errors.collect():
        values["measure"] = svc.parse_measure(form.measure.data)
    with errors.collect():
        values["unit_cost_cents"] = parse_money(form.unit_cost.data, field="unit_cost") if form.unit_cost.data \
            else None
    if errors or check:
        others = FieldErrors()
        if not ({"quantity", "measure"} & set(errors.errors)):
            with others.collect():
                svc.check_donation_line(donation, product, quantity=values["quantity"], measure=values["measure"],
                                        use_by_on=form.use_by_on.data)
        if "unit_cost" not in errors:
            with others.collect():
                svc.check_unit_cost(donation, values["unit_cost_cents"])
        for field, messages in others.errors.items():
            for message in messages:
                errors.add(field, message)
        errors.raise_if_any()
    return values


@bp.route("/receptions/<int:donation_id>/lines", methods=["POST"])
@roles_required(STOCK_ROLES)
def reception_line(donation_id: int):
    """Add a line; with no product_id and a scanned code, first create the product from the inline fields."""
    donation = get_site_object_or_404(Donation, donation_id)
    form = ReceptionLineForm()
    form.category.choices = category_choices(_categories())
    product = _get(Product, form.product_id.data)
    new_code = None if product else (form.code.data or None)
    if not form.validate_on_submit():
        if product is None and new_code:
            add_service_errors(form, lambda: _check_new_product_line(donation, form))
        elif product is not None:
            add_service_errors(form, lambda: _line_values(donation, product, form, check=True))
        return _render_reception(donation, form, product=product, new_code=new_code, status=422)
    try:
        if product is None:
            if not new_code:
                raise ValidationError(None, _("Scan a product or search it by name first."))
            _check_new_product_line(donation, form)
            product = svc.create_product(current_user, barcode=new_code, **_product_values(form))
        line = svc.add_donation_line(donation, product, use_by_on=form.use_by_on.data,
                                     best_before_on=form.best_before_on.data, lot_number=form.lot_number.data,
                                     **_line_values(donation, product, form))
    except ValidationError as error:
        db.session.rollback()
        if "barcode" in error.errors:
            error = ValidationError.several({"code" if name == "barcode" else name: messages
                                             for name, messages in error.errors.items()})
        if not apply_service_error(form, error):
            flash(error.message, "error")
        known = _get(Product, form.product_id.data)
        if known is None and not new_code:
            return redirect(url_for("stock.reception", donation_id=donation_id))
        return _render_reception(db.session.get(Donation, donation_id), form, product=known,
                                 new_code=None if known else new_code, status=422)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("stock.reception", donation_id=donation_id))
    db.session.commit()
    flash(_("%(name)s: %(quantity)s added.", name=line.product.name,
            quantity=svc.format_quantity(line.product, line.quantity)), "success")
    return redirect(url_for("stock.reception", donation_id=donation.id))


@bp.route("/receptions/<int:donation_id>/lines/<int:line_id>/remove", methods=["POST"])
@roles_required(STOCK_ROLES)
def reception_line_remove(donation_id: int, line_id: int):
    donation = get_site_object_or_404(Donation, donation_id)
    line = db.get_or_404(DonationLine, line_id)
    if line.donation_id != donation.id:
        abort(404)
    try:
        svc.remove_donation_line(donation, line)
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The line is removed."), "success")
    return redirect(url_for("stock.reception", donation_id=donation.id))


@bp.route("/receptions/<int:donation_id>/confirm", methods=["POST"])
@roles_required(STOCK_ROLES)
def reception_confirm(donation_id: int):
    donation = get_site_object_or_404(Donation, donation_id)
    try:
        lots = svc.confirm_donation(current_user, donation)
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("stock.reception", donation_id=donation_id))
    db.session.commit()
    flash(ngettext("The reception is confirmed: %(num)d lot is in stock.",
                   "The reception is confirmed: %(num)d lots are in stock.", len(lots)), "success")
    return redirect(url_for("stock.reception", donation_id=donation.id))


@bp.route("/receptions/<int:donation_id>/receipt")
@roles_required(STOCK_ROLES)
def reception_receipt(donation_id: int):
    donation = get_site_object_or_404(Donation, donation_id)
    if donation.status != "confirmed":
        abort(404)
    # The receipt speaks the donor's language; the buttons around it stay in the user's.
    document = render_document("stock/_receipt_document.html", donation.donor.preferred_language,
                               donation=donation, totals=svc.donation_totals(donation),
                               values={line.id: svc.retail_value_cents(line.product, line.quantity)
                                       for line in donation.lines})
    return render_template("stock/receipt.html", donation=donation, receipt_document=document)


