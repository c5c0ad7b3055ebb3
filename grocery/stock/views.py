"""Stock pages: lists, catalogue, donors, receptions (scanner in hand), lots and waste, counts, labels."""

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from grocery.auth.roles import roles_required
from grocery.barcodes import barcode_data_uri
from grocery.errors import Conflict, FieldErrors, GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import add_service_errors, apply_service_error, arg_int, arg_ints, choices, parse_int
from grocery.i18n import render_document
from grocery.money import parse_money
from grocery.settings.services import get_setting
from grocery.stock import STOCK_ROLES, bp, ddm
from grocery.stock import services as svc
from grocery.stock.forms import (
    LABELS,
    BarcodeForm,
    CategoryForm,
    CountOpenForm,
    CountPostForm,
    DdmDecisionForm,
    DonorForm,
    MeasureLabelForm,
    ProductForm,
    ReceptionForm,
    ReceptionLineForm,
    WasteForm,
    category_choices,
)
from grocery.stock.labels import shelf_prices
from grocery.stock.models import (
    Donation,
    DonationLine,
    Donor,
    Lot,
    Product,
    ProductBarcode,
    ProductCategory,
    StockCount,
    StockMovement,
)
from grocery.timeutil import local_today

PAGE_SIZE = 50
#: What the quantity fields expect, by unit kind.
_UNIT_HINTS = {"piece": _l("In pieces."), "kg": _l("In kg, for example 1,250."),
               "litre": _l("In litres, for example 0,75.")}


def _get(model, value):
    """The row whose id a form field gives, or None when the field holds no bounded id."""
    ident = parse_int(value, minimum=1)
    return db.session.get(model, ident) if ident is not None else None


@bp.context_processor
def _stock_labels():
    return {"labels": LABELS, "shelf_prices": shelf_prices}


def _fail(form, error: ValidationError) -> None:
    """Undo the transaction and show a service refusal next to its field, or as a flash."""
    db.session.rollback()
    if form is None or not apply_service_error(form, error):
        flash(error.message, "error")


def _categories(active_only: bool = True) -> list[ProductCategory]:
    categories = svc.ensure_default_categories()
    return [c for c in categories if c.is_active or not active_only]


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
                           totals=totals, counts=counts)


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
    lot = db.get_or_404(Lot, lot_id)
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


# --- catalogue ----------------------------------------------------------------------------------------------------


@bp.route("/products")
@roles_required(STOCK_ROLES)
def products():
    q = (request.args.get("q") or "").strip()
    category_id = arg_int("category")
    page = arg_int("page", 1, minimum=1)
    query = select(Product).options(selectinload(Product.barcodes)).order_by(Product.name)
    if q:
        query = query.where(or_(Product.name.ilike(f"%{q}%"),
                                Product.id.in_(select(ProductBarcode.product_id)
                                               .where(ProductBarcode.code.contains(q)))))
    if category_id:
        query = query.where(Product.category_id == category_id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("stock/products.html", products=items, q=q, category_id=category_id, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), total=total, categories=_categories(False))


def _product_form(product: Product | None) -> ProductForm:
    form = ProductForm(obj=product)
    form.category.choices = category_choices(_categories())
    if product is not None and request.method == "GET":
        form.category.data = str(product.category_id)
    return form


def _product_values(form) -> dict:
    category = _get(ProductCategory, form.category.data)
    values = {"name": form.name.data, "category": category, "unit_kind": form.unit_kind.data,
              "net_weight_g": form.net_weight_g.data, "retail_price_cents": form.retail_price_cents.data or 0}
    if isinstance(form, ProductForm):
        values.update({
            "price_rule": form.price_rule.data, "social_percent": form.social_percent.data,
            "social_price_cents": form.social_price_cents.data, "quota_quantity": form.quota_quantity.data,
            "quota_scope": form.quota_scope.data, "quota_period": form.quota_period.data,
            "low_stock_threshold": form.low_stock_threshold.data or 0, "is_active": form.is_active.data,
        })
    return values


@bp.route("/products/new", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def product_new():
    form = _product_form(None)
    if form.validate_on_submit():
        try:
            product = svc.create_product(current_user, barcode=form.barcode.data, **_product_values(form))
        except ValidationError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("The product “%(name)s” is added.", name=product.name), "success")
            return redirect(url_for("stock.product_edit", product_id=product.id))
    return render_template("stock/product_form.html", form=form, product=None), 422 if form.errors else 200


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def product_edit(product_id: int):
    product = db.get_or_404(Product, product_id)
    form = _product_form(product)
    if form.validate_on_submit():
        try:
            changed = svc.update_product(current_user, product, **_product_values(form))
        except ValidationError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("The product is saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("stock.product_edit", product_id=product.id))
    return _render_product(product, form, BarcodeForm(formdata=None))


def _render_product(product, form, barcode_form, status=None):
    lots = svc.product_lots(product)
    codes = [(row, barcode_data_uri(row.code)) for row in product.barcodes]
    status = status or (422 if form.errors or barcode_form.errors else 200)
    return render_template("stock/product_form.html", form=form, product=product, barcode_form=barcode_form,
                           codes=codes, lots=lots, today=local_today(),
                           price=svc.estimated_price_cents(product, local_today())), status


@bp.route("/products/<int:product_id>/barcodes", methods=["POST"])
@roles_required(STOCK_ROLES)
def barcode_add(product_id: int):
    product = db.get_or_404(Product, product_id)
    barcode_form = BarcodeForm()
    if barcode_form.validate_on_submit():
        try:
            row = svc.add_barcode(current_user, product, barcode_form.barcode.data)
        except ValidationError as error:
            db.session.rollback()
            barcode_form.barcode.errors = [error.message]
        else:
            db.session.commit()
            flash(_("The barcode %(code)s is added.", code=row.code), "success")
            return redirect(url_for("stock.product_edit", product_id=product.id))
    return _render_product(product, _product_form(product), barcode_form, 422)


@bp.route("/products/<int:product_id>/barcodes/generate", methods=["POST"])
@roles_required(STOCK_ROLES)
def barcode_generate(product_id: int):
    product = db.get_or_404(Product, product_id)
    row = svc.generate_instore_code(current_user, product)
    db.session.commit()
    flash(_("The in-store code %(code)s is created: print its label.", code=row.code), "success")
    return redirect(url_for("stock.product_edit", product_id=product.id))


@bp.route("/barcodes/<int:barcode_id>/remove", methods=["POST"])
@roles_required(STOCK_ROLES)
def barcode_remove(barcode_id: int):
    row = db.get_or_404(ProductBarcode, barcode_id)
    product_id = row.product_id
    svc.remove_barcode(current_user, row)
    db.session.commit()
    flash(_("The barcode is removed."), "success")
    return redirect(url_for("stock.product_edit", product_id=product_id))


@bp.route("/categories", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def categories():
    return _category_page(None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def category_edit(category_id: int):
    return _category_page(db.get_or_404(ProductCategory, category_id))


def _category_page(category):
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            svc.save_category(current_user, category, name=form.name.data,
                              default_social_percent=form.default_social_percent.data,
                              sort_order=form.sort_order.data or 0, is_active=form.is_active.data,
                              ddm_grace_days=form.ddm_grace_days.data,
                              quota_quantity=form.quota_quantity.data, quota_scope=form.quota_scope.data,
                              quota_period=form.quota_period.data)
        except ValidationError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("The category is saved."), "success")
            return redirect(url_for("stock.categories"))
    status = 422 if form.errors else 200
    return render_template("stock/categories.html", form=form, category=category, categories=_categories(False),
                           ddm_default=get_setting("stock.ddm_grace_days")), status


# --- donors -------------------------------------------------------------------------------------------------------


@bp.route("/donors")
@roles_required(STOCK_ROLES)
def donors():
    rows = db.session.execute(
        select(Donor, func.count(Donation.id), func.max(Donation.received_on))
        .outerjoin(Donation, (Donation.donor_id == Donor.id) & (Donation.status == "confirmed"))
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
        .where(Donation.status != "cancelled").group_by(Donation.id)
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
    donation = db.get_or_404(Donation, donation_id)
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
    donation = db.get_or_404(Donation, donation_id)
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
    donation = db.get_or_404(Donation, donation_id)
    line = db.get_or_404(DonationLine, line_id)
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
    donation = db.get_or_404(Donation, donation_id)
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
    donation = db.get_or_404(Donation, donation_id)
    if donation.status != "confirmed":
        abort(404)
    # The receipt speaks the donor's language; the buttons around it stay in the user's.
    document = render_document("stock/_receipt_document.html", donation.donor.preferred_language,
                               donation=donation, totals=svc.donation_totals(donation),
                               values={line.id: svc.retail_value_cents(line.product, line.quantity)
                                       for line in donation.lines})
    return render_template("stock/receipt.html", donation=donation, receipt_document=document)


# --- lots and waste -----------------------------------------------------------------------------------------------


@bp.route("/lots/<int:lot_id>", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def lot(lot_id: int):
    """A lot, its movements, and the form to record waste."""
    lot = db.get_or_404(Lot, lot_id)
    form = WasteForm()
    form.quantity.description = _UNIT_HINTS[lot.product.unit_kind]
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
                           price=svc.unit_price_cents(lot.product, lot)), 422 if form.errors else 200


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
                              .order_by(StockCount.opened_at.desc()).limit(50)).all()
    return render_template("stock/counts.html", form=form, counts=rows)


@bp.route("/counts/<int:count_id>", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def count(count_id: int):
    """Enter counted quantities (empty = not counted); ?code= narrows the list to a scanned product."""
    count = db.get_or_404(StockCount, count_id)
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
    count = db.get_or_404(StockCount, count_id)
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


# --- labels -------------------------------------------------------------------------------------------------------


@bp.route("/labels")
@roles_required(STOCK_ROLES)
def labels():
    """Choose products (category or search), then print a sheet of their barcodes."""
    chosen = arg_ints("product")
    copies = min(arg_int("copies", 1, minimum=1), 40)
    if chosen:
        items = db.session.scalars(select(Product).options(selectinload(Product.barcodes))
                                   .where(Product.id.in_(chosen)).order_by(Product.name)).all()
        sheet = [(product, row.code, barcode_data_uri(row.code)) for product in items for row in product.barcodes
                 for _copy in range(copies)]
        missing = [product for product in items if not product.barcodes]
        return render_template("stock/labels_sheet.html", sheet=sheet, missing=missing, title=_("Product barcodes"))
    q = (request.args.get("q") or "").strip()
    category_id = arg_int("category")
    query = select(Product).options(selectinload(Product.barcodes)).where(Product.is_active.is_(True)) \
        .order_by(Product.name).limit(200)
    if q:
        query = query.where(Product.name.ilike(f"%{q}%"))
    if category_id:
        query = query.where(Product.category_id == category_id)
    items = db.session.scalars(query).all() if (q or category_id or request.args.get("instore")) else []
    if request.args.get("instore"):
        items = [p for p in items if any(b.is_instore for b in p.barcodes)]
    return render_template("stock/labels.html", products=items, q=q, category_id=category_id,
                           categories=_categories(False), form=MeasureLabelForm(formdata=None),
                           measure_products=_measure_products())


def _measure_products():
    return db.session.scalars(select(Product).where(Product.is_active.is_(True)).order_by(Product.name)).all()


@bp.route("/labels/measure", methods=["POST"])
@roles_required(STOCK_ROLES)
def measure_labels():
    """Print variable-measure labels: a weight for kg/litre products, a price for piece products."""
    form = MeasureLabelForm()
    form.product_id.choices = choices([(str(p.id), p.name) for p in _measure_products()])
    product = _get(Product, form.product_id.data)
    if form.validate_on_submit() and product is not None:
        try:
            if product.unit_kind == "piece":
                value = parse_money(form.value.data, field="value")
                code = svc.measure_label_code(product, "price", value)
            else:
                value = svc.parse_quantity(product, form.value.data, field="value")
                code = svc.measure_label_code(product, "weight", value)
        except ValidationError as error:
            _fail(form, error)
        else:
            db.session.commit()
            uri = barcode_data_uri(code)
            sheet = [(product, code, uri)] * (form.copies.data or 1)
            return render_template("stock/labels_sheet.html", sheet=sheet, missing=[],
                                   title=_("Weight and price labels"), measure=value,
                                   measure_kind="price" if product.unit_kind == "piece" else "weight")
    elif product is None:
        form.product_id.errors = [_("Choose a product.")]
    return render_template("stock/labels.html", products=[], q="", category_id=None, categories=_categories(False),
                           form=form, measure_products=_measure_products()), 422
