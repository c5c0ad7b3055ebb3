"""Screens of the social service: search, household page, create and edit, decisions, cards, export, criteria."""

import json
from datetime import date, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grocery.auth.roles import MANAGERS, SOCIAL, roles_required
from grocery.barcodes import barcode_data_uri
from grocery.errors import Conflict, GroceryError, ValidationError
from grocery.extensions import db
from grocery.forms import add_service_errors, apply_service_error, parse_date, parse_int
from grocery.households import bp
from grocery.households import services as hs
from grocery.households.forms import (
    CARD_REASON_LABELS,
    CHARGE_LABELS,
    DECLARATION_LABELS,
    INCOME_LABELS,
    LANGUAGE_LABELS,
    MOVEMENT_LABELS,
    OUTCOME_LABELS,
    PERIOD_LABELS,
    RELATION_LABELS,
    SEX_LABELS,
    STATUS_LABELS,
    CardReissueForm,
    CriterionForm,
    DecisionForm,
    HouseholdCreateForm,
    HouseholdEditForm,
    MemberForm,
)
from grocery.households.models import INCOME_TYPES, Criterion, Member
from grocery.i18n import render_document
from grocery.money import cents_to_input, parse_money
from grocery.sites.services import active_sites, has_several_sites
from grocery.timeutil import format_local_date, local_today

LABELS = {"relation": RELATION_LABELS, "outcome": OUTCOME_LABELS, "status": STATUS_LABELS, "period": PERIOD_LABELS,
          "card_reason": CARD_REASON_LABELS, "movement": MOVEMENT_LABELS, "language": LANGUAGE_LABELS,
          "sex": SEX_LABELS, "declaration": DECLARATION_LABELS, "line_type": {**INCOME_LABELS, **CHARGE_LABELS}}


@bp.context_processor
def _labels():
    return {"labels": LABELS}


def _household_values(form) -> dict:
    # The proxies are mandates now (grocery.appointments): the old free-text field is no longer on the forms.
    return {name: getattr(form, name).data for name in hs.HOUSEHOLD_FIELDS if hasattr(form, name)}


def _person_values(form) -> dict:
    values = {name: getattr(form, name).data for name in ("first_name", "last_name", "birth_on", "national_number")}
    values["relation"] = form.relation.data if hasattr(form, "relation") else "reference"
    if hasattr(form, "sex"):
        values.update({name: getattr(form, name).data for name in hs.PROFILE_FIELDS})
    return values


def _service_error(form, error: GroceryError) -> None:
    db.session.rollback()
    if isinstance(error, ValidationError) and apply_service_error(form, error):
        flash(_("Some values need correcting: see the messages in red."), "error")
    else:
        flash(error.message, "error")


def _call_checking_duplicates(form, action):
    """Run a service that may find a possible duplicate or an active member elsewhere.
    Returns (result or None, possible duplicates, conflict); other refusals become form errors."""
    try:
        return action(), [], None
    except hs.PossibleDuplicate as error:
        db.session.rollback()
        return None, error.matches, None
    except hs.AlreadyMember as error:
        db.session.rollback()
        return None, [], error
    except GroceryError as error:
        _service_error(form, error)
        return None, [], None


@bp.route("/")
@roles_required(SOCIAL)
def index():
    text = request.args.get("q", "").strip()
    birth_text = request.args.get("birth_on", "").strip()
    birth_on = parse_date(birth_text) if birth_text else None
    if birth_text and birth_on is None:
        flash(_("The birth date is not a date: use the calendar."), "error")
    today = local_today()
    searched = bool(text or birth_on)
    results = hs.search_households(text, birth_on) if searched else []
    if searched and len(results) == 1 and text and text.isascii() and text.isdigit():
        return redirect(url_for("households.view", household_id=results[0].id))
    return render_template(
        "households/index.html", text=text, birth_text=birth_text, searched=searched, results=results,
        today=today, eligibility=hs.eligibility_on,
        expiring=[] if searched else hs.expiring_soon(today),
        suspended=[] if searched else hs.suspended_households(today),
        refused=[] if searched else hs.refused_in_month(today))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(SOCIAL)
def create():
    form = HouseholdCreateForm()
    matches, conflict = [], None
    if form.validate_on_submit():
        household, matches, conflict = _call_checking_duplicates(form, lambda: hs.create_household(
            current_user, household=_household_values(form), person=_person_values(form),
            confirm_duplicates=form.confirm_duplicates.data))
        if household is not None:
            db.session.commit()
            flash(_("Household %(reference)s is created, with its card.", reference=household.reference), "success")
            return redirect(url_for("households.view", household_id=household.id))
    elif form.is_submitted():
        add_service_errors(form, lambda: hs.check_new_household(_household_values(form), _person_values(form),
                                                                 today=local_today()))
        flash(_("Some values need correcting: see the messages in red."), "error")
    return render_template("households/create.html", form=form, matches=matches, conflict=conflict)


@bp.route("/<int:household_id>")
@roles_required(SOCIAL)
def view(household_id: int):
    household = hs.get_household(household_id)
    today = local_today()
    eligibility = hs.eligibility_on(household, today)
    budget = None
    if eligibility.eligible:
        start, end = hs.budget_period(household, today)
        budget = {"granted": eligibility.decision.budget_cents, "period": hs.budget_granted(household, today),
                  "left": hs.budget_left(household, today), "start": start, "end": end}
    card = household.active_card
    return render_template(
        "households/view.html", household=household, today=today, eligibility=eligibility, budget=budget,
        counts=hs.composition(household, today), card=card,
        card_image=barcode_data_uri(card.code) if card else None, reissue_form=CardReissueForm(),
        movements=hs.spending_history(household), proof_warnings=hs.proof_warnings,
        weighted=hs.weighted_composition(household, today), hundredths=hs.hundredths_text,
        ages={m.id: hs.age_on(m.birth_on, today) for m in household.members},
        resumable=hs.suspended_decision(household, today) if household.status == "active" else None,
        show_sites=has_several_sites())


@bp.route("/<int:household_id>/lift-suspension", methods=["POST"])
@roles_required(SOCIAL)
def lift_suspension(household_id: int):
    household = hs.get_household(household_id)
    _post_action(lambda: hs.lift_suspension(current_user, household, motive=request.form.get("motive", "")),
                 _("The suspension is lifted: the decision resumes until its end date."))
    return redirect(url_for("households.view", household_id=household.id))


@bp.route("/<int:household_id>/edit", methods=["GET", "POST"])
@roles_required(SOCIAL)
def edit(household_id: int):
    household = hs.get_household(household_id)
    if household.status == "anonymised":
        abort(404)
    form = HouseholdEditForm(obj=household)
    if form.validate_on_submit():
        try:
            changed = hs.update_household(current_user, household, _household_values(form))
        except GroceryError as error:
            _service_error(form, error)
        else:
            db.session.commit()
            flash(_("The household is updated.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("households.view", household_id=household.id))
    elif form.is_submitted():
        flash(_("Some values need correcting: see the messages in red."), "error")
    return render_template("households/edit.html", form=form, household=household)


@bp.route("/<int:household_id>/close", methods=["POST"])
@roles_required(SOCIAL)
def close(household_id: int):
    household = hs.get_household(household_id)
    _post_action(lambda: hs.close_household(current_user, household), _("The household is closed; its card no "
                                                                         "longer works."))
    return redirect(url_for("households.view", household_id=household.id))


@bp.route("/<int:household_id>/reopen", methods=["POST"])
@roles_required(SOCIAL)
def reopen(household_id: int):
    household = hs.get_household(household_id)
    _post_action(lambda: hs.reopen_household(current_user, household),
                 _("The household is reopened with a new card. Record a decision to give access."))
    return redirect(url_for("households.view", household_id=household.id))


def _post_action(action, success: str) -> bool:
    """Run one service for a button form (CSRF is checked by CSRFProtect), commit and flash."""
    try:
        action()
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


@bp.route("/<int:household_id>/members/new", methods=["GET", "POST"])
@roles_required(SOCIAL)
def member_add(household_id: int):
    household = hs.get_household(household_id)
    if household.status == "anonymised":
        abort(404)
    form = MemberForm()
    if request.method == "GET" and household.reference_person is not None:
        form.last_name.data = household.reference_person.last_name
    matches, conflict = [], None
    if form.validate_on_submit():
        member, matches, conflict = _call_checking_duplicates(form, lambda: hs.add_member(
            current_user, household, _person_values(form), confirm_duplicates=form.confirm_duplicates.data))
        if member is not None:
            db.session.commit()
            flash(_("%(name)s is added to the household.", name=member.full_name), "success")
            return redirect(url_for("households.view", household_id=household.id))
    elif form.is_submitted():
        flash(_("Some values need correcting: see the messages in red."), "error")
    return render_template("households/member_form.html", form=form, household=household, member=None,
                           matches=matches, conflict=conflict)


@bp.route("/<int:household_id>/members/<int:member_id>", methods=["GET", "POST"])
@roles_required(SOCIAL)
def member_edit(household_id: int, member_id: int):
    household = hs.get_household(household_id)
    member = db.get_or_404(Member, member_id)
    if member.household_id != household.id or household.status == "anonymised":
        abort(404)
    form = MemberForm(obj=member)
    conflict = None
    if form.validate_on_submit():
        try:
            changed = hs.update_member(current_user, member, _person_values(form), is_active=form.is_active.data)
        except hs.AlreadyMember as error:
            db.session.rollback()
            conflict = error
        except GroceryError as error:
            _service_error(form, error)
        else:
            db.session.commit()
            flash(_("The member is updated.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("households.view", household_id=household.id))
    elif form.is_submitted():
        flash(_("Some values need correcting: see the messages in red."), "error")
    return render_template("households/member_form.html", form=form, household=household, member=member,
                           matches=[], conflict=conflict)


def _criteria_from_request(criteria: list[Criterion]) -> list[dict]:
    """The criteria ticked on the decision form, each with the proof seen and its date."""
    items = []
    for raw in request.form.getlist("criterion"):
        if parse_int(raw, minimum=1) is None:
            raise ValidationError("criteria", _("Unknown criterion: choose one from the list."))
        proof_text = request.form.get(f"proof_on_{raw}", "").strip()
        proof_on = parse_date(proof_text) if proof_text else None
        if proof_text and proof_on is None:
            raise ValidationError("criteria", _("The date of a proof is not a date: use the calendar."))
        items.append({"criterion_id": int(raw), "proof_seen": request.form.get(f"proof_seen_{raw}", ""),
                      "proof_dated_on": proof_on})
    return items


#: Blank income / charge rows offered on the decision form, after the filled ones.
BLANK_LINES = 3


def _lines_from_request() -> tuple[list[dict], list[dict]]:
    """(lines for the service, rows to show again) from the line_type_N / line_amount_N / line_proof_N fields.
    The type decides whether a line is income or a charge; rows without an amount are left out."""
    rows = _raw_line_rows()
    lines = [{"kind": "income" if row["type"] in INCOME_TYPES else "charge", "line_type": row["type"],
              "amount_cents": parse_money(row["amount"], field="lines"), "proof": row["proof"]} for row in rows]
    return lines, rows


@bp.route("/<int:household_id>/decide", methods=["GET", "POST"])
@roles_required(SOCIAL)
def decide(household_id: int):
    household = hs.get_household(household_id)
    if household.status != "active":
        flash(_("This household is closed: reopen it before deciding."), "error")
        return redirect(url_for("households.view", household_id=household.id))
    today = local_today()
    current = hs.eligibility_on(household, today)
    latest = household.decisions[0] if household.decisions else None
    form = DecisionForm()
    if request.method == "GET":
        outcome = request.args.get("outcome", "granted")
        form.outcome.data = outcome if outcome in OUTCOME_LABELS else "granted"
        form.valid_from.data = today
        if outcome == "granted" and current.eligible and current.valid_until >= today:
            form.valid_from.data = current.valid_until + timedelta(days=1) if request.args.get("renew") else today
    criteria = hs.active_criteria()
    lines_error, lines, line_rows = None, [], []
    if request.method == "GET":
        if latest is not None:
            line_rows = [{"type": line.line_type, "amount": cents_to_input(line.amount_cents), "proof": line.proof}
                         for line in latest.lines]
    else:
        try:
            lines, line_rows = _lines_from_request()
            lines = hs.clean_budget_lines(lines)
        except ValidationError as error:
            lines_error, lines = error.message, []
            line_rows = _raw_line_rows()
    checked = {n for n in (parse_int(v) for v in request.form.getlist("criterion")) if n is not None}
    if latest is not None and request.method == "GET":
        checked = {line.criterion_id for line in latest.criteria}
    criteria_error = None
    # The sites where the household may shop: offered only when the installation has several.
    sites = active_sites() if has_several_sites() else []
    if request.method == "GET":
        sites_checked = {link.site_id for link in latest.site_links} if latest is not None else set()
    else:  # anything but a site's id names no site: the service refuses it (-1)
        sites_checked = {-1 if (n := parse_int(v)) is None else n for v in request.form.getlist("site")}
    sites_error = None
    preview = None
    valid_from = form.valid_from.data or today
    if request.method == "GET" and latest is not None:
        lines = [{"kind": line.kind, "line_type": line.line_type, "amount_cents": line.amount_cents}
                 for line in latest.lines]
    income, charges = hs.line_totals(lines)
    if income is not None:
        preview = hs.remaining_preview(household, income, charges, valid_from)
    period_kind, scale = hs.scale_budget(household, valid_from)
    default_until = hs.default_valid_until(valid_from)
    if form.outcome.data in {"suspended", "ended"} and current.eligible:
        default_until = current.valid_until
    if lines_error is None and form.validate_on_submit() and request.form.get("action") != "preview":
        try:
            decision = hs.decide_eligibility(
                current_user, household, outcome=form.outcome.data, motive=form.motive.data,
                valid_from=form.valid_from.data, valid_until=form.valid_until.data, lines=lines,
                criteria=_criteria_from_request(criteria), budget_cents=form.budget_cents.data,
                budget_override_motive=form.budget_override_motive.data,
                site_ids=sorted(sites_checked) if sites else None)
        except ValidationError as error:
            if error.field in ("criteria", "lines", "income_cents", "sites"):
                db.session.rollback()
                if error.field == "criteria":
                    criteria_error = error.message
                elif error.field == "sites":
                    sites_error = error.message
                else:
                    lines_error = error.message
                flash(_("Some values need correcting: see the messages in red."), "error")
            else:
                _service_error(form, error)
        except GroceryError as error:
            _service_error(form, error)
        else:
            warnings = hs.proof_warnings(decision)
            db.session.commit()
            flash(_("The decision is recorded: %(outcome)s from %(start)s to %(end)s.",
                    outcome=OUTCOME_LABELS[decision.outcome], start=format_local_date(decision.valid_from),
                    end=format_local_date(decision.valid_until)), "success")
            for warning in warnings:
                flash(warning, "warning")
            return redirect(url_for("households.view", household_id=household.id))
    elif form.is_submitted() and request.form.get("action") != "preview":
        flash(_("Some values need correcting: see the messages in red."), "error")
    line_rows = line_rows + [{"type": "", "amount": "", "proof": ""}] * BLANK_LINES
    return render_template(
        "households/decide.html", form=form, household=household, current=current, criteria=criteria,
        checked=checked, criteria_error=criteria_error, sites=sites, sites_checked=sites_checked,
        sites_error=sites_error, preview=preview, scale=scale, period_kind=period_kind,
        line_rows=line_rows, lines_error=lines_error, income_labels=INCOME_LABELS, charge_labels=CHARGE_LABELS,
        weighted=hs.weighted_composition(household, valid_from), hundredths=hs.hundredths_text,
        counts=hs.composition(household, valid_from), today=today,
        default_until=default_until, old_proofs=_old_proofs(criteria, today))


def _raw_line_rows() -> list[dict]:
    """The line rows as typed (to show them again with the error)."""
    rows, index = [], 0
    while f"line_type_{index}" in request.form:
        row = {name: request.form.get(f"line_{name}_{index}", "").strip() for name in ("type", "amount", "proof")}
        index += 1
        if row["amount"]:
            rows.append(row)
    return rows


def _old_proofs(criteria: list[Criterion], day: date) -> set[int]:
    """Ids of the criteria whose proof date, as typed on the form, is already too old (warned before saving)."""
    old = set()
    for criterion in criteria:
        proof_on = parse_date(request.form.get(f"proof_on_{criterion.id}", ""))
        if proof_on is None:
            continue
        if hs.is_proof_too_old(criterion, proof_on, day):
            old.add(criterion.id)
    return old


@bp.route("/<int:household_id>/card/reissue", methods=["POST"])
@roles_required(SOCIAL)
def card_reissue(household_id: int):
    household = hs.get_household(household_id)
    form = CardReissueForm()
    if not form.validate_on_submit():
        flash(_("Choose why the card is replaced."), "error")
        return redirect(url_for("households.view", household_id=household.id))
    try:
        hs.issue_card(current_user, household, reason=form.reason.data)
    except GroceryError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("A new card is issued; the previous card no longer works. Print the new card."), "success")
    return redirect(url_for("households.view", household_id=household.id))


@bp.route("/<int:household_id>/card")
@roles_required(SOCIAL)
def card_print(household_id: int):
    household = hs.get_household(household_id)
    card = household.active_card
    if card is None:
        flash(_("This household has no active card."), "error")
        return redirect(url_for("households.view", household_id=household.id))
    eligibility = hs.eligibility_on(household, local_today())
    person = household.reference_person
    # The card speaks the household's language; the page around it stays in the social worker's.
    card_document = render_document("households/_card.html", household.preferred_language, household=household,
                                    card=card, card_image=barcode_data_uri(card.code), eligibility=eligibility,
                                    first_name=person.first_name if person else "")
    return render_template("households/card_print.html", household=household, card_document=card_document)


@bp.route("/<int:household_id>/export")
@roles_required(SOCIAL)
def export(household_id: int):
    household = hs.get_household(household_id)
    data = hs.export_household(current_user, household)
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="menage-{household.reference}.json"',
        "Cache-Control": "no-store"})


@bp.route("/<int:household_id>/anonymise", methods=["POST"])
@roles_required(SOCIAL)
def anonymise(household_id: int):
    household = hs.get_household(household_id)

    def action():
        if household.status != "closed":
            raise Conflict(_("Close the household before anonymising it."))
        hs.anonymise_household(current_user, household)

    _post_action(action, _("The household is anonymised: names, address, contact and notes are erased."))
    return redirect(url_for("households.view", household_id=household.id))


@bp.route("/criteria", methods=["GET", "POST"])
@roles_required(MANAGERS)
def criteria():
    form = CriterionForm()
    if form.validate_on_submit():
        try:
            hs.save_criterion(current_user, None, name=form.name.data, required_proof=form.required_proof.data,
                              proof_validity_days=form.proof_validity_days.data, is_active=form.is_active.data)
        except GroceryError as error:
            _service_error(form, error)
        else:
            db.session.commit()
            flash(_("The criterion is added."), "success")
            return redirect(url_for("households.criteria"))
    elif form.is_submitted():
        flash(_("Some values need correcting: see the messages in red."), "error")
    rows = db.session.scalars(select(Criterion).order_by(Criterion.is_active.desc(), Criterion.name)).all()
    return render_template("households/criteria.html", form=form, criteria=rows)


@bp.route("/criteria/<int:criterion_id>", methods=["GET", "POST"])
@roles_required(MANAGERS)
def criterion_edit(criterion_id: int):
    criterion = db.get_or_404(Criterion, criterion_id)
    form = CriterionForm(obj=criterion)
    if form.validate_on_submit():
        try:
            hs.save_criterion(current_user, criterion, name=form.name.data, required_proof=form.required_proof.data,
                              proof_validity_days=form.proof_validity_days.data, is_active=form.is_active.data)
        except GroceryError as error:
            _service_error(form, error)
        else:
            db.session.commit()
            flash(_("The criterion is saved."), "success")
            return redirect(url_for("households.criteria"))
    elif form.is_submitted():
        flash(_("Some values need correcting: see the messages in red."), "error")
    return render_template("households/criterion_edit.html", form=form, criterion=criterion)
