"""Till pages: open, cash in and out, close (blind count), closing report, sessions list, the checkout screen,
hand-over, receipts (only for the till session one works in)."""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grocery.auth.roles import MANAGERS, Role, roles_required
from grocery.checkout import bp
from grocery.checkout.forms import CashMovementForm, CloseTillForm, OpenTillForm
from grocery.checkout.messages import till_messages
from grocery.checkout.models import Sale, TillSession
from grocery.checkout.receipts import receipt_data
from grocery.checkout.reporting import session_summary
from grocery.checkout.services import can_void_or_refund, mark_receipt_printed, refund_sale
from grocery.checkout.tablet import remember_tablet_site
from grocery.checkout.till import (
    close_till,
    difference_needs_attention,
    expected_cash_cents,
    explain_difference,
    handover_till,
    is_manager,
    may_work_in,
    open_session_for,
    open_till,
    record_cash_movement,
    till_names,
)
from grocery.errors import GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import apply_service_error
from grocery.sites.access import get_site_object_or_404
from grocery.sites.context import current_site_id
from grocery.sites.services import has_several_sites

TILL_ROLES = {Role.CASHIER, *MANAGERS}


def _session_or_404(session_id: int) -> TillSession:
    """A till session of the current site (another site's: 404, as if it did not exist)."""
    return get_site_object_or_404(TillSession, session_id)


@bp.before_request
def land_on_the_tablets_site():
    """A tablet that opened a till at a site remembers it (grocery.checkout.tablet): the next person who signs in on
    it and reaches the till works at that site without choosing, when they work there."""
    from grocery.checkout.tablet import apply_tablet_site

    apply_tablet_site()


def _refuse_not_holder(till: TillSession):
    flash(_("%(till)s is held by %(name)s: ask them or a coordinator to hand it over to you.",
            till=till.till_name, name=till.held_by.display_name), "error")
    return redirect(url_for("checkout.index"))


def working_session() -> TillSession | None:
    """The till session this browser works in, when the signed-in person may still work in it (its holder, or a
    coordinator): a session handed over to someone else is no longer this browser's."""
    session_id = session.get("till_session_id")
    till = db.session.get(TillSession, session_id) if isinstance(session_id, int) else None
    if till is None or till.site_id != current_site_id():  # a till of another site is not this page's
        return None
    return till if may_work_in(current_user, till) else None


def _handover_candidates():
    """The active cashiers, coordinators and administrators who work at the current site (handover_till's rule)."""
    from grocery.auth.models import User
    from grocery.sites.services import role_at

    users = db.session.scalars(select(User).where(User.role.in_([Role.CASHIER, *MANAGERS]),
                                                  User.is_active_account.is_(True)).order_by(User.display_name)).all()
    if not has_several_sites():
        return users
    site_id = current_site_id()
    return [user for user in users if role_at(user, site_id) in TILL_ROLES]


@bp.route("/")
@roles_required(TILL_ROLES)
def index():
    """The tills of the current site: each one open or not, and by whom."""
    tills = [(name, open_session_for(name)) for name in till_names()]
    return render_template("checkout/index.html", tills=tills, may_work_in=may_work_in, site_name=_site_name(),
                           candidates=_handover_candidates() if any(t for _n, t in tills) else [])


@bp.route("/sessions/<int:session_id>/handover", methods=["POST"])
@roles_required(TILL_ROLES)
def handover(session_id: int):
    """Hand an open till over to another person (its holder or a coordinator does it; logged)."""
    from grocery.auth.models import User

    till = _session_or_404(session_id)
    raw = (request.form.get("user_id") or "").strip()
    to_user = db.session.get(User, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    try:
        handover_till(current_user, till, to_user)
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        if session.get("till_session_id") == till.id and not may_work_in(current_user, till):
            session.pop("till_session_id")
        flash(_("%(till)s is now held by %(name)s.", till=till.till_name, name=to_user.display_name), "success")
    return redirect(url_for("checkout.index"))


@bp.route("/open", methods=["GET", "POST"])
@roles_required(TILL_ROLES)
def open_form():
    form = OpenTillForm()
    if request.method == "GET" and request.args.get("till") in till_names():
        form.till_name.data = request.args["till"]
    if form.validate_on_submit():
        try:
            till = open_till(current_user, form.till_name.data, float_cents=form.float_cents.data,
                             float_detail=form.count_detail())
        except ValidationError as error:
            db.session.rollback()
            apply_service_error(form, error) or flash(error.message, "error")
        except GroceryError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            session["till_session_id"] = till.id
            flash(_("%(till)s is open.", till=till.till_name), "success")
            response = redirect(url_for("checkout.screen", session_id=till.id))
            remember_tablet_site(response, till.site_id)
            return response
    return render_template("checkout/open.html", form=form, site_name=_site_name())


@bp.route("/sessions/<int:session_id>/cash", methods=["GET", "POST"])
@roles_required(TILL_ROLES)
def cash(session_id: int):
    till = _session_or_404(session_id)
    if not may_work_in(current_user, till):
        return _refuse_not_holder(till)
    form = CashMovementForm()
    if form.validate_on_submit():
        try:
            record_cash_movement(current_user, till, form.kind.data, form.amount_cents.data, form.reason.data)
        except ValidationError as error:
            db.session.rollback()
            apply_service_error(form, error) or flash(error.message, "error")
        except GroceryError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The cash movement is recorded."), "success")
            return redirect(url_for("checkout.index"))
    return render_template("checkout/cash.html", form=form, till=till)


@bp.route("/sessions/<int:session_id>/close", methods=["GET", "POST"])
@roles_required(TILL_ROLES)
def close(session_id: int):
    till = _session_or_404(session_id)
    if not till.is_open:
        return redirect(url_for("checkout.report", session_id=till.id))
    if not may_work_in(current_user, till):
        return _refuse_not_holder(till)
    form = CloseTillForm()
    if form.validate_on_submit():
        try:
            close_till(current_user, till, counted_cents=form.counted_cents.data, count_detail=form.count_detail(),
                       note=form.note.data)
        except ValidationError as error:
            db.session.rollback()
            apply_service_error(form, error) or flash(error.message, "error")
        else:
            db.session.commit()
            if session.get("till_session_id") == till.id:
                session.pop("till_session_id")
            flash(_("%(till)s is closed.", till=till.till_name), "success")
            return redirect(url_for("checkout.report", session_id=till.id))
    return render_template("checkout/close.html", form=form, till=till)


@bp.route("/sessions/<int:session_id>/report")
@roles_required(TILL_ROLES)
def report(session_id: int):
    till = db.session.scalar(select(TillSession).where(TillSession.id == session_id).options(
        selectinload(TillSession.cash_movements)))
    if till is None or till.site_id != current_site_id() or not (
            is_manager(current_user) or current_user.id in (till.held_by_id, till.opened_by_id)):
        abort(404)  # a cashier sees the sessions they opened or hold, not the others' sales
    return render_template("checkout/report.html", till=till, summary=session_summary(till),
                           attention=difference_needs_attention(till), may_explain=is_manager(current_user),
                           expected_now=expected_cash_cents(till) if till.is_open else None)


@bp.route("/sessions/<int:session_id>/explanation", methods=["POST"])
@roles_required(MANAGERS)
def explanation(session_id: int):
    """A coordinator adds or completes the explanation of a closed till's cash difference (logged)."""
    till = _session_or_404(session_id)
    try:
        explain_difference(current_user, till, request.form.get("explanation"))
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The explanation is recorded."), "success")
    return redirect(url_for("checkout.report", session_id=till.id))


@bp.route("/sessions")
@roles_required(MANAGERS)
def sessions():
    page = db.paginate(select(TillSession).where(TillSession.site_id == current_site_id())
                       .order_by(TillSession.opened_at.desc()), per_page=30, error_out=False)
    return render_template("checkout/sessions.html", page=page)


@bp.route("/offline-sales")
@roles_required(MANAGERS)
def offline_sales():
    """Ventes hors ligne à vérifier: the offline sales recorded although a check failed, with the reasons."""
    from grocery.checkout.offline import sales_to_review

    return render_template("checkout/offline_sales.html", sales=sales_to_review())


@bp.route("/offline-sales/<int:sale_id>/reviewed", methods=["POST"])
@roles_required(MANAGERS)
def offline_sale_reviewed(sale_id: int):
    from grocery.checkout.offline import mark_reviewed

    sale = get_site_object_or_404(Sale, sale_id)
    try:
        mark_reviewed(current_user, sale)
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("checkout.offline_sales"))
    db.session.commit()
    flash(_("Sale %(uuid)s marked as reviewed.", uuid=sale.uuid[:8]), "success")
    return redirect(url_for("checkout.offline_sales"))


@bp.route("/sessions/<int:session_id>/screen")
@roles_required(TILL_ROLES)
def screen(session_id: int):
    """The checkout screen of an open till session (this browser then sells in that session)."""
    till = _session_or_404(session_id)
    if not till.is_open:
        flash(_("%(till)s is closed: open it with a float first.", till=till.till_name), "error")
        return redirect(url_for("checkout.index"))
    if not may_work_in(current_user, till):
        return _refuse_not_holder(till)
    session["till_session_id"] = till.id
    response = current_app.make_response(render_template("checkout/screen.html", till=till, messages=till_messages(),
                                                          site_name=_site_name()))
    remember_tablet_site(response, till.site_id)
    return response


def _site_name() -> str | None:
    """The current site's name, for the till's pages when the installation has several sites (else None: no site is
    shown anywhere)."""
    from grocery.sites.models import Site

    if not has_several_sites():
        return None
    return db.session.get(Site, current_site_id()).name


def _sale_or_404(sale_id: int):
    """A sale the signed-in person may see: coordinators and administrators any; a cashier only the sales of the
    open till session they hold (anything else is "not found", its existence is not told)."""
    sale = db.session.scalar(select(Sale).where(Sale.id == sale_id).options(
        selectinload(Sale.lines), selectinload(Sale.refunds), selectinload(Sale.till_session)))
    if sale is None or sale.site_id != current_site_id():
        abort(404)
    if not is_manager(current_user):
        till = sale.till_session
        if not (till.is_open and till.held_by_id == current_user.id):
            abort(404)
    return sale


@bp.route("/sales/<int:sale_id>/receipt")
@roles_required(TILL_ROLES)
def receipt(sale_id: int):
    """The 80 mm receipt in the household's language: lines (programme goods marked free), paid, retail value,
    savings, budget left; a big button back to the till session it was sold in."""
    from grocery.households.models import Household

    sale = _sale_or_404(sale_id)
    household = db.session.get(Household, sale.household_id)
    back = url_for("checkout.screen", session_id=sale.till_session_id) if sale.till_session.is_open else None
    locales = current_app.config["GROCERY_LOCALES"]  # a language the application is not translated into: default
    language = household.preferred_language if household.preferred_language in locales else \
        current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        # The ticket is our own template's autoescaped output: safe to place in the page as it is.
        ticket = Markup(render_template("checkout/_receipt_ticket.html", sale=sale,  # noqa: S704
                                        receipt=receipt_data(sale)))
    return render_template("checkout/receipt.html", sale=sale, ticket=ticket, back_url=back)


@bp.route("/sales/<int:sale_id>/printed", methods=["POST"])
@roles_required(TILL_ROLES)
def receipt_printed(sale_id: int):
    sale = _sale_or_404(sale_id)
    prints = mark_receipt_printed(current_user, sale)
    db.session.commit()
    return jsonify({"prints": prints})


@bp.route("/sales/<int:sale_id>", methods=["GET", "POST"])
@roles_required(TILL_ROLES)
def sale(sale_id: int):
    """A sale with its lines: cancel it or give some lines back, with a reason."""
    sale = _sale_or_404(sale_id)
    till = working_session()  # of the current site, the sale's
    allowed = can_void_or_refund(current_user, sale, till)
    if request.method == "POST":
        action = request.form.get("action")
        quantities = None
        if action == "refund":
            quantities = {}
            for line in sale.lines:
                raw = (request.form.get(f"line_{line.id}") or "0").strip()
                if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
                    flash(_("Type whole numbers of units to give back."), "error")
                    return redirect(url_for("checkout.sale", sale_id=sale.id))
                quantities[line.id] = int(raw)
        try:
            refund_sale(current_user, sale, quantities, reason=request.form.get("reason", ""), till_session=till,
                        condition=request.form.get("condition"))
        except GroceryError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The sale is cancelled.") if action != "refund" else _("The refund is recorded."), "success")
        return redirect(url_for("checkout.sale", sale_id=sale.id))
    return render_template("checkout/sale.html", sale=sale, allowed=allowed)
