"""Proxy mandates: the persons a household authorises to shop for it, their validity and revocation, and the
proxy who shopped for a sale."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grocery.appointments.models import ProxyMandate, SaleProxy
from grocery.appointments.services.common import clean_text
from grocery.audit.services import record_event
from grocery.errors import Conflict, FieldErrors, ValidationError
from grocery.extensions import db
from grocery.households.models import Household
from grocery.timeutil import local_today, to_local, utcnow


def check_mandate_values(*, full_name: str, valid_from: date | None, valid_until: date | None) -> str:
    """The mandate's name (required, 120 characters) and dates (a start; an end, if any, not before it), every
    wrong field at once; returns the cleaned name."""
    errors = FieldErrors()
    name = clean_text(full_name, 1000)
    if not name:
        errors.add("full_name", _l("Enter the proxy's first and last name."))
    elif len(name) > 120:
        errors.add("full_name", _l("At most %(n)d characters.", n=120))
    if valid_from is None:
        errors.add("valid_from", _l("Enter the first day of the mandate."))
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        errors.add("valid_until", _l("The end date is before the start date: correct one of them."))
    errors.raise_if_any()
    return name


def create_mandate(actor, household: Household, *, full_name: str, identity_document: str = "",
                   valid_from: date | None = None, valid_until: date | None = None) -> ProxyMandate:
    """Authorise a person to shop for the household from `valid_from` (today) to `valid_until` (open when empty),
    with the identity document the cashier will check. Refused for a closed or anonymised household, and for the
    same person already holding a mandate of the household that is not revoked and overlaps the dates."""
    if household.status != "active":
        raise Conflict(_l("This household is closed: reopen it before adding a proxy."))
    valid_from = valid_from or local_today()
    name = check_mandate_values(full_name=full_name, valid_from=valid_from, valid_until=valid_until)
    document = clean_text(identity_document, 120)
    for other in household_mandates(household):
        if other.revoked_at is None and other.full_name.casefold() == name.casefold() and (
                other.valid_until is None or other.valid_until >= valid_from) and (
                valid_until is None or valid_until >= other.valid_from):
            raise ValidationError("full_name", _l("%(name)s already has a mandate for these dates: revoke it "
                                                  "first to change it.", name=name))
    mandate = ProxyMandate(household_id=household.id, full_name=name, identity_document=document,
                           valid_from=valid_from, valid_until=valid_until, created_by_id=getattr(actor, "id", None))
    db.session.add(mandate)
    db.session.flush()
    record_event(actor, "proxy.create", mandate, {
        "household_id": household.id, "full_name": name, "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None})
    return mandate


def revoke_mandate(actor, mandate: ProxyMandate, reason: str) -> ProxyMandate:
    """Revoke a mandate now, with a reason: from today it is no longer valid (the till stops offering it); its
    sales keep it."""
    reason = clean_text(reason, 200)
    if not reason:
        raise ValidationError("reason", _l("Give the reason of the revocation."))
    if mandate.revoked_at is not None:
        raise Conflict(_l("This mandate is already revoked."))
    mandate.revoked_at, mandate.revoked_by_id, mandate.revoke_reason = utcnow(), getattr(actor, "id", None), reason
    db.session.flush()
    record_event(actor, "proxy.revoke", mandate, {"household_id": mandate.household_id, "reason": reason})
    return mandate


def household_mandates(household: Household) -> list[ProxyMandate]:
    """Every mandate of the household, newest first."""
    return list(db.session.scalars(select(ProxyMandate).where(ProxyMandate.household_id == household.id)
                                   .order_by(ProxyMandate.valid_from.desc(), ProxyMandate.id.desc())))


def valid_proxies(household: Household, day: date | None = None) -> list[ProxyMandate]:
    """The mandates valid on the day (today): started, not ended, not revoked; by name. What the till lists."""
    day = day or local_today()
    return sorted((m for m in household_mandates(household) if m.is_valid_on(day)),
                  key=lambda m: (m.full_name.casefold(), m.id))


def record_sale_proxy(actor, sale, mandate: ProxyMandate, *, identity_checked: bool,
                      identity_note: str = "", day: date | None = None) -> SaleProxy:
    """Record who shopped for a sale: a mandate of the sale's household valid on the sale's local day (`day`: an
    offline sale's is the day it was made), with the identity check the cashier noted. Refused: a mandate of another
    household, one not valid that day (not yet started, ended, revoked), a sale that already has its proxy."""
    if mandate.household_id != sale.household_id:
        raise ValidationError("mandate_id", _l("This proxy is not authorised for this household."))
    day = day or to_local(sale.created_at).date()
    if not mandate.is_valid_on(day):
        raise ValidationError("mandate_id", _l("This proxy's mandate is not valid on %(day)s: the household "
                                               "shops itself, or sees the social service.",
                                               day=_fr(day)))
    if db.session.get(SaleProxy, sale.id) is not None:
        raise Conflict(_l("This sale already records who shopped."))
    note = clean_text(identity_note, 120)
    row = SaleProxy(sale_id=sale.id, mandate_id=mandate.id, identity_checked=bool(identity_checked),
                    identity_note=note, recorded_by_id=getattr(actor, "id", None))
    db.session.add(row)
    if identity_checked:
        mandate.identity_checked_at = utcnow()
    db.session.flush()
    record_event(actor, "proxy.sale", ("sales", sale.id), {"mandate_id": mandate.id,
                                                           "identity_checked": bool(identity_checked)})
    return row


def _fr(day: date) -> str:
    from grocery.timeutil import format_local_date

    return format_local_date(day)


def migrate_proxy_names(household: Household, actor=None, day: date | None = None) -> list[ProxyMandate]:
    """The household's old free-text proxy names as mandates from `day` (today), without end, identity not yet
    checked; names already holding a mandate are skipped. The migration 0025 does the same in SQL."""
    day = day or local_today()
    have = {m.full_name.casefold() for m in household_mandates(household)}
    made = []
    for name in household.proxy_names or []:
        name = clean_text(name, 120)
        if name and name.casefold() not in have:
            have.add(name.casefold())
            made.append(ProxyMandate(household_id=household.id, full_name=name, valid_from=day))
    db.session.add_all(made)
    db.session.flush()
    return made
