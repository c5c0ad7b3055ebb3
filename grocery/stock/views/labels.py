"""Barcode labels of the shared catalogue and variable-measure labels."""

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grocery.auth.roles import roles_required
from grocery.barcodes import barcode_data_uri
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.forms import arg_int, arg_ints, choices
from grocery.money import parse_money
from grocery.stock import STOCK_ROLES, bp
from grocery.stock import services as svc
from grocery.stock.forms import MeasureLabelForm
from grocery.stock.models import Product
from grocery.stock.views.common import _categories, _fail, _get

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
