"""The shared catalogue: products, barcodes and categories; a site's own low-stock threshold."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from grocery.auth.roles import roles_required
from grocery.barcodes import barcode_data_uri
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.forms import arg_int
from grocery.settings.services import get_setting
from grocery.sites.context import current_site_id
from grocery.sites.models import Site
from grocery.sites.services import has_several_sites
from grocery.stock import STOCK_ROLES, bp
from grocery.stock import services as svc
from grocery.stock.forms import BarcodeForm, CategoryForm, ProductForm, SiteThresholdForm, category_choices
from grocery.stock.models import Product, ProductBarcode, ProductCategory
from grocery.stock.views.common import PAGE_SIZE, _categories, _fail, _get
from grocery.timeutil import local_today

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


def _render_product(product, form, barcode_form, status=None, threshold_form=None):
    lots = svc.product_lots(product)
    codes = [(row, barcode_data_uri(row.code)) for row in product.barcodes]
    several = has_several_sites()
    if several and threshold_form is None:
        threshold_form = SiteThresholdForm(formdata=None, site_threshold=svc.site_threshold(product))
    status = status or (422 if form.errors or barcode_form.errors else 200)
    return render_template("stock/product_form.html", form=form, product=product, barcode_form=barcode_form,
                           codes=codes, lots=lots, today=local_today(), threshold_form=threshold_form,
                           site=db.session.get(Site, current_site_id()) if several else None,
                           price=svc.estimated_price_cents(product, local_today())), status


@bp.route("/products/<int:product_id>/site-threshold", methods=["POST"])
@roles_required(STOCK_ROLES)
def product_site_threshold(product_id: int):
    """The current site's own low-stock threshold for the product (only offered with several sites)."""
    product = db.get_or_404(Product, product_id)
    if not has_several_sites():
        abort(404)
    form = SiteThresholdForm()
    if form.validate_on_submit():
        try:
            changed = svc.set_site_threshold(current_user, product, form.site_threshold.data)
        except ValidationError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("The threshold of this site is saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("stock.product_edit", product_id=product.id))
    return _render_product(product, _product_form(product), BarcodeForm(formdata=None), 422, threshold_form=form)


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


