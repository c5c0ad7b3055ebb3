"""Transfers between sites: the current site's list (sent and received), building one (scan, lot, quantity; several
lines) and its detail, seen from the sending and the receiving site only."""

from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grocery.auth.roles import roles_required
from grocery.errors import GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import arg_int, choices, parse_int
from grocery.sites.context import current_site_id
from grocery.sites.models import Site
from grocery.sites.services import has_several_sites
from grocery.stock import STOCK_ROLES, bp
from grocery.stock import services as svc
from grocery.stock.forms import TransferForm
from grocery.stock.models import Lot, Product, StockTransfer
from grocery.stock.views.common import UNIT_HINTS
from grocery.timeutil import local_today


def _require_several_sites() -> None:
    """Transfers exist only between sites: an installation with one site has no such page."""
    if not has_several_sites():
        abort(404)


@bp.route("/transfers")
@roles_required(STOCK_ROLES)
def transfers():
    _require_several_sites()
    return render_template("stock/transfers.html", transfers=svc.site_transfers(), site_id=current_site_id())


@bp.route("/transfers/<int:transfer_id>")
@roles_required(STOCK_ROLES)
def transfer(transfer_id: int):
    """A transfer, seen from the site that sent it or the one that received it; 404 from any other."""
    ident = parse_int(transfer_id, minimum=1)
    found = db.session.get(StockTransfer, ident) if ident is not None else None
    if found is None or current_site_id() not in (found.from_site_id, found.to_site_id):
        abort(404)
    return render_template("stock/transfer.html", transfer=found, site_id=current_site_id())


def _site_lot(value) -> Lot | None:
    """A lot of the current site whose id a form field or the query string gives, else None."""
    ident = parse_int(value, minimum=1)
    lot = db.session.get(Lot, ident) if ident is not None else None
    return lot if lot is not None and lot.site_id == current_site_id() else None


def _offered_lots(product: Product) -> list[Lot]:
    """The lots of the product the site may send, in FEFO order (the first is the one to send first): with stock,
    not past their use-by date."""
    today = local_today()
    return [lot for lot in svc.product_lots(product) if lot.use_by_on is None or lot.use_by_on >= today]


def _find_products(code: str) -> tuple[Product | None, list[Product], str | None]:
    """A scanned code or a name typed: (the product, other matches to choose from, an error)."""
    if code.replace(" ", "").isdigit():
        try:
            return svc.parse_scan(code).product, [], None
        except ValidationError as error:
            return None, [], error.message
    matches = db.session.scalars(select(Product).where(Product.is_active.is_(True), Product.name.ilike(f"%{code}%"))
                                 .order_by(Product.name).limit(12)).all()
    if len(matches) == 1:
        return matches[0], [], None
    return None, list(matches), None if matches else _("No product matches “%(q)s”.", q=code)


@dataclass
class _Draft:
    """The transfer being built, as the page shows it: its lines (lot of the site or None, quantity as typed), the
    product whose lots are offered, the products matching a search, and refusals by field."""

    lines: list
    product: Product | None = None
    matches: list = field(default_factory=list)
    scan_error: str | None = None
    errors: dict = field(default_factory=dict)
    status: int = 200


@bp.route("/transfers/new", methods=["GET", "POST"])
@roles_required(STOCK_ROLES)
def transfer_new():
    """Build a transfer: scan or search a product, pick its lot (FEFO first by default) and a quantity, add the line;
    repeat; then send. The lines travel in the form (line_lot, line_quantity) until sent: nothing is written
    before."""
    _require_several_sites()
    form = TransferForm()
    sites = svc.destination_sites()
    form.to_site_id.choices = choices([("", _("Choose the site"))] + [(str(site.id), site.name) for site in sites])
    typed = zip(request.form.getlist("line_lot"), request.form.getlist("line_quantity"), strict=False)
    draft = _Draft(lines=[(_site_lot(lot_id), quantity) for lot_id, quantity in typed][:svc.transfers.MAX_LINES])
    if request.method == "GET":
        lot = _site_lot(request.args.get("lot_id"))
        if lot is not None:
            draft.product, form.lot_id.data = lot.product, str(lot.id)
        elif (product_id := arg_int("product_id", minimum=1)) is not None:
            draft.product = db.session.get(Product, product_id)
    elif not form.validate_on_submit():
        draft.status = 422
    else:
        action = request.form.get("action", "")
        if action == "find" and not (form.code.data or "").strip() and form.lot_id.data:
            action = "add"  # Enter pressed in the quantity field: the form's first button is "find"
        if action == "send":
            sent = _send(form, draft)
            if sent is not None:
                return sent
        elif action == "add":
            _add(form, draft)
        elif action.startswith("remove-") and (index := parse_int(action[7:])) is not None \
                and index < len(draft.lines):
            del draft.lines[index]
        else:
            _find(form, draft)
    return _render_draft(form, draft, sites)


def _find(form, draft: _Draft) -> None:
    code = (form.code.data or "").strip()
    if not code:
        draft.scan_error, draft.status = _("Scan a product or type its name."), 422
        return
    draft.product, draft.matches, draft.scan_error = _find_products(code)
    draft.status = 422 if draft.scan_error else 200


def _add(form, draft: _Draft) -> None:
    """Add the chosen lot and quantity to the lines, checked (with what the other lines take from the same lot)."""
    lot = _site_lot(form.lot_id.data)
    draft.product = lot.product if lot is not None else \
        db.session.get(Product, parse_int(request.form.get("product_id"), minimum=1) or 0)
    try:
        already = sum(svc.check_transfer_line(known, quantity, from_site_id=current_site_id(), day=local_today())
                      for known, quantity in draft.lines
                      if known is not None and lot is not None and known.id == lot.id)
        svc.check_transfer_line(lot, form.quantity.data, from_site_id=current_site_id(), day=local_today(),
                                already=already)
    except ValidationError as error:
        form.quantity.errors = [str(message) for messages in error.errors.values() for message in messages]
        draft.status = 422
        return
    draft.lines.append((lot, form.quantity.data.strip()))
    form.quantity.data = ""
    draft.product = None


def _send(form, draft: _Draft):
    """Send the lines; the redirect to the transfer, or None with the refusals in the draft."""
    to_site = db.session.get(Site, parse_int(form.to_site_id.data, minimum=1) or 0)
    try:
        sent = svc.transfer_stock(current_user, to_site, draft.lines, note=form.note.data or "")
    except GroceryError as error:
        db.session.rollback()
        draft.errors = {str(name): [str(message) for message in messages]
                        for name, messages in getattr(error, "errors", {None: [error.message]}).items()}
        form.to_site_id.errors = draft.errors.pop("to_site_id", [])
        draft.status = error.status
        return None
    db.session.commit()
    flash(ngettext("%(num)d lot sent to %(site)s.", "%(num)d lots sent to %(site)s.", len(sent.lines),
                   site=to_site.name), "success")
    return redirect(url_for("stock.transfer", transfer_id=sent.id))


def _render_draft(form, draft: _Draft, sites):
    lots = _offered_lots(draft.product) if draft.product is not None else []
    if lots and form.lot_id.data not in {str(lot.id) for lot in lots}:
        form.lot_id.data = str(lots[0].id)
    form.lot_id.choices = choices([(str(lot.id), _lot_label(lot)) for lot in lots])
    if draft.product is not None:
        form.quantity.description = UNIT_HINTS[draft.product.unit_kind]
    return render_template("stock/transfer_new.html", form=form, lines=draft.lines, product=draft.product,
                           matches=draft.matches, lots=lots, scan_error=draft.scan_error, errors=draft.errors,
                           has_sites=bool(sites), line_field=svc.line_field), draft.status


def _lot_label(lot: Lot) -> str:
    """How a lot is offered in the list: its number, its date and what it holds."""
    day = lot.expires_on
    parts = [lot.lot_number or f"#{lot.id}",
             format_date(day, "short") if day is not None else _("received %(day)s",
                                                                 day=format_date(lot.received_on, "short")),
             svc.format_quantity(lot.product, lot.quantity_on_hand)]
    return " · ".join(parts)
