"""Privacy: a household's export (data-access request) and anonymisation after years without activity."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from grocery.audit.models import AuditEvent
from grocery.audit.services import record_event
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.households.models import BudgetMovement, Household
from grocery.households.services.cards import _deactivate
from grocery.households.services.common import add_months
from grocery.households.services.composition import hundredths_text
from grocery.timeutil import local_today, utcnow

# --------------------------------------------------------------------------------------------------------------
# Privacy: export and anonymisation
# --------------------------------------------------------------------------------------------------------------

def _iso(value):
    return value.isoformat() if value is not None else None


#: Sections other domains add to a household's export: name -> function(household) -> JSON-ready list. The
#: volunteers domain registers the records of participants linked to the members (volunteers/household_link.py),
#: so that this domain never reads volunteer data itself.
EXPORT_SECTIONS: dict = {}


def register_export_section(name: str, collect) -> None:
    """Add a section to every household export (collect(household) returns JSON-ready data)."""
    EXPORT_SECTIONS[name] = collect


def _export_purchases(household: Household) -> list[dict]:
    """The household's sales with their lines and refunds, oldest first."""
    from grocery.checkout.models import Sale
    from grocery.stock.models import Product

    sales = db.session.scalars(select(Sale).where(Sale.household_id == household.id)
                               .options(selectinload(Sale.lines), selectinload(Sale.refunds))
                               .order_by(Sale.created_at, Sale.id)).all()
    product_ids = {line.product_id for sale in sales for line in sale.lines}
    names = {pid: name for pid, name in db.session.execute(
        select(Product.id, Product.name).where(Product.id.in_(product_ids)))} if product_ids else {}
    return [{"uuid": sale.uuid, "created_at": _iso(sale.created_at), "status": sale.status,
             "card_code": sale.card_code, "total_cents": sale.total_cents, "paid_cents": sale.paid_cents,
             "retail_cents": sale.retail_cents, "payment_method": sale.payment_method,
             "lines": [{"product": names.get(line.product_id), "quantity": line.quantity,
                        "price_cents": line.price_cents, "retail_cents": line.retail_cents, "source": line.source,
                        "refunded_quantity": line.refunded_quantity} for line in sale.lines],
             "refunds": [{"created_at": _iso(refund.created_at), "kind": refund.kind, "reason": refund.reason,
                          "amount_cents": refund.amount_cents} for refund in sale.refunds]}
            for sale in sales]


def _export_visits(household: Household) -> dict:
    """The household's proxy mandates (who, the document to check, dates, revocation), the sales a proxy made for
    it (when, who, the identity check noted) and its appointments (site, time, status)."""
    from grocery.appointments.models import Appointment, ProxyMandate, SaleProxy, Slot
    from grocery.checkout.models import Sale
    from grocery.sites.models import Site

    mandates = db.session.scalars(select(ProxyMandate).where(ProxyMandate.household_id == household.id)
                                  .order_by(ProxyMandate.valid_from, ProxyMandate.id)).all()
    by_proxy = db.session.execute(
        select(Sale.id, Sale.created_at, ProxyMandate.full_name, SaleProxy.identity_checked, SaleProxy.identity_note)
        .join(SaleProxy, SaleProxy.sale_id == Sale.id).join(ProxyMandate, ProxyMandate.id == SaleProxy.mandate_id)
        .where(Sale.household_id == household.id).order_by(Sale.id)).all()
    appointments = db.session.execute(
        select(Site.name, Slot.starts_at, Appointment.status, Appointment.arrived_at, Appointment.cancel_reason)
        .join(Slot, Slot.id == Appointment.slot_id).join(Site, Site.id == Appointment.site_id)
        .where(Appointment.household_id == household.id).order_by(Slot.starts_at, Appointment.id)).all()
    return {
        "proxy_mandates": [{"full_name": m.full_name, "identity_document": m.identity_document,
                            "valid_from": _iso(m.valid_from), "valid_until": _iso(m.valid_until),
                            "created_at": _iso(m.created_at), "revoked_at": _iso(m.revoked_at),
                            "revoke_reason": m.revoke_reason, "identity_checked_at": _iso(m.identity_checked_at)}
                           for m in mandates],
        "sales_by_proxy": [{"sale": sale_id, "created_at": _iso(created_at), "proxy": name,
                            "identity_checked": checked, "identity_note": note}
                           for sale_id, created_at, name, checked, note in by_proxy],
        "appointments": [{"site": site, "starts_at": _iso(starts_at), "status": status,
                          "arrived_at": _iso(arrived_at), "cancel_reason": reason}
                         for site, starts_at, status, arrived_at, reason in appointments],
    }


def _anonymise_visits(household: Household) -> None:
    """The mandates' names, documents and revocation reasons, the identity notes of the sales a proxy made, and the
    appointments' cancellation reasons are erased; dates and statuses stay (counts, planning)."""
    from grocery.appointments.models import Appointment, ProxyMandate, SaleProxy

    mandates = db.session.scalars(select(ProxyMandate).where(ProxyMandate.household_id == household.id)
                                  .order_by(ProxyMandate.id)).all()
    for index, mandate in enumerate(mandates, start=1):
        mandate.full_name = _("Proxy %(n)d", n=index)
        mandate.identity_document = mandate.revoke_reason = ""
    if mandates:
        for row in db.session.scalars(select(SaleProxy).where(SaleProxy.mandate_id.in_([m.id for m in mandates]))):
            row.identity_note = ""
    for appointment in db.session.scalars(select(Appointment).where(Appointment.household_id == household.id)):
        appointment.cancel_reason = ""


def export_household(actor, household: Household) -> dict:
    """Every record of one household (for a data-access request), as JSON-ready data: the household, its members,
    decisions with their income and charge lines, cards, the notes and their history, the budget ledger, its
    purchases (sales with their lines), its proxy mandates and the sales a proxy made, its appointments, and what
    other domains register (the volunteer records of
    participants linked to its members). Logged."""
    data = {
        "reference": household.reference, "status": household.status, "street": household.street,
        "postcode": household.postcode, "municipality": household.municipality, "phone": household.phone,
        "email": household.email, "preferred_language": household.preferred_language,
        "accepts_reminders": household.accepts_reminders,
        "proxy_names": list(household.proxy_names or []), "consent_on": _iso(household.consent_on),
        "closed_on": _iso(household.closed_on), "notes": household.notes, "created_at": _iso(household.created_at),
        "notes_history": [{"text": v.text, "written_at": _iso(v.written_at),
                           "written_by": v.written_by.display_name if v.written_by else None}
                          for v in household.note_versions],
        "members": [{"first_name": m.first_name, "last_name": m.last_name, "birth_on": _iso(m.birth_on),
                     "relation": m.relation, "national_number": m.national_number, "is_active": m.is_active,
                     "left_on": _iso(m.left_on), "sex": m.sex, "presence_percent": m.presence_percent,
                     "has_sensitive_consent": m.has_sensitive_consent,
                     "sensitive_consent_on": _iso(m.sensitive_consent_on), "disability": m.disability,
                     "homeless": m.homeless, "migrant_background": m.migrant_background}
                    for m in household.members],
        "decisions": [{"decided_on": _iso(d.decided_on), "valid_from": _iso(d.valid_from),
                       "valid_until": _iso(d.valid_until), "outcome": d.outcome, "motive": d.motive,
                       "decided_by": d.decided_by.display_name if d.decided_by else None,
                       "income_cents": d.income_cents, "charges_cents": d.charges_cents, "persons": d.persons,
                       "persons_weighted": hundredths_text(d.persons_hundredths), "days": d.days_in_month,
                       "lines": [{"kind": line.kind, "type": line.line_type, "amount_cents": line.amount_cents,
                                  "proof": line.proof} for line in d.lines],
                       "remaining_per_day_cents": d.remaining_per_day_cents, "threshold_cents": d.threshold_cents,
                       "budget_period": d.budget_period, "budget_cents": d.budget_cents,
                       "scale_budget_cents": d.scale_budget_cents,
                       "budget_override_motive": d.budget_override_motive,
                       "criteria": [{"criterion": c.criterion.name, "proof_seen": c.proof_seen,
                                     "proof_dated_on": _iso(c.proof_dated_on)} for c in d.criteria]}
                      for d in sorted(household.decisions, key=lambda d: (d.decided_on, d.id))],
        "cards": [{"code": c.code, "is_active": c.is_active, "issued_at": _iso(c.issued_at),
                   "deactivated_at": _iso(c.deactivated_at), "deactivation_reason": c.deactivation_reason}
                  for c in household.cards],
        "budget_movements": [{"period_start": _iso(m.period_start), "amount_cents": m.amount_cents, "kind": m.kind,
                              "reference": m.reference, "created_at": _iso(m.created_at), "reason": m.reason}
                             for m in db.session.scalars(select(BudgetMovement).where(
                                 BudgetMovement.household_id == household.id).order_by(BudgetMovement.id))],
        "history": [{"occurred_at": _iso(e.occurred_at), "action": e.action,
                     "by": e.actor.display_name if e.actor else None}
                    for e in db.session.scalars(select(AuditEvent).where(
                        AuditEvent.target_type == Household.__tablename__,
                        AuditEvent.target_id == str(household.id)).order_by(AuditEvent.id))],
        "purchases": _export_purchases(household),
        **_export_visits(household),
    }
    for name, collect in EXPORT_SECTIONS.items():
        data[name] = collect(household)
    record_event(actor, "household.export", household)
    return data


def last_activity_on(household: Household) -> date:
    """The last day something happened for the household: creation, end of a decision, a purchase, closing."""
    days = [household.created_at.date()]
    days += [d.valid_until for d in household.decisions]
    if household.closed_on:
        days.append(household.closed_on)
    last_movement = db.session.scalar(select(func.max(BudgetMovement.created_at)).where(
        BudgetMovement.household_id == household.id))
    if last_movement is not None:
        days.append(last_movement.date())
    return max(days)


def households_to_anonymise(years: int, day: date | None = None) -> list[Household]:
    """Households not anonymised yet that are closed or without activity for `years` years."""
    if years < 1:
        raise ValidationError("inactive_years", _l("Give a number of years of at least 1."))
    today = day or local_today()
    cutoff = add_months(today, -12 * years)
    candidates = db.session.scalars(select(Household).where(Household.status != "anonymised").options(
        selectinload(Household.decisions), selectinload(Household.members), selectinload(Household.cards))
        .order_by(Household.reference))
    return [h for h in candidates if last_activity_on(h) <= cutoff]


def anonymise_household(actor, household: Household) -> None:
    """Replace names, address, contact, proxies (the mandates' names and documents, the identity notes of their
    sales), notes, national numbers and decision motives; keep the postcode,
    the birth year of each person (for age bands and counts), decisions' dates, outcomes and amounts."""
    if household.status == "anonymised":
        return
    household.street = household.phone = household.notes = ""
    household.municipality = ""
    household.email = None
    household.accepts_reminders = False
    household.proxy_names = []
    _anonymise_visits(household)
    household.status = "anonymised"
    household.closed_on = household.closed_on or local_today()
    household.anonymised_at = utcnow()
    household.note_versions.clear()
    for index, member in enumerate(household.members, start=1):
        member.has_sensitive_consent, member.sensitive_consent_on = False, None
        member.sex = "not_stated"
        member.disability = member.homeless = member.migrant_background = "unknown"
        member.first_name = _("Person %(n)d", n=index)
        member.last_name = _("Anonymised")
        member.first_name_key = member.last_name_key = ""
        member.national_number = None
        member.birth_on = member.birth_on.replace(month=1, day=1)
    for decision in household.decisions:
        decision.motive = ""
        decision.budget_override_motive = ""
        for line in decision.criteria:
            line.proof_seen = ""
        for line in decision.lines:
            line.proof = ""
    for card in household.cards:
        if card.is_active:
            _deactivate(card, "household_closed")
    db.session.flush()
    record_event(actor, "household.anonymise", household, {"reference": household.reference})
