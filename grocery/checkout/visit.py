"""The till's side of a household's visit: its appointment of the day at the till's site (marked arrived at the card
scan), the proxies it authorises (the cashier records who shopped), and the renewal warning of the last days of its
access. What the till receives is the name, the time, the proxy's name and the document to check: nothing social."""

from datetime import date, timedelta
from functools import cache

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, bindparam, literal, null, or_, select, union_all

from grocery.appointments.models import HOLDING, Appointment, ProxyMandate, Slot
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.settings.services import get_setting
from grocery.timeutil import local_day_bounds, to_local
from grocery.types import UTCDateTime


@cache
def _visit_query():
    """One statement for both: the household's holding appointment of the day at the site, and its mandates valid on
    the day (started, not ended, not revoked before the day's end). Built once (the till's card lookup is a hot
    path); rows (kind, id, text, document, starts_at)."""
    appointments = (
        select(literal("appointment", String).label("kind"), Appointment.id.label("id"),
               Appointment.status.label("text"), literal("", String).label("document"),
               Slot.starts_at.label("starts_at"))
        .join(Slot, Appointment.slot_id == Slot.id)
        .where(Appointment.household_id == bindparam("household_id"), Appointment.site_id == bindparam("site_id"),
               Appointment.held_on == bindparam("day"), Appointment.status.in_(HOLDING)))
    proxies = (
        select(literal("proxy", String), ProxyMandate.id, ProxyMandate.full_name, ProxyMandate.identity_document,
               null().cast(UTCDateTime))
        .where(ProxyMandate.household_id == bindparam("household_id"), ProxyMandate.valid_from <= bindparam("day"),
               or_(ProxyMandate.valid_until.is_(None), ProxyMandate.valid_until >= bindparam("day")),
               or_(ProxyMandate.revoked_at.is_(None), ProxyMandate.revoked_at >= bindparam("day_end"))))
    return union_all(appointments, proxies)


def household_visit(household_id: int, site_id: int, day: date) -> dict:
    """The household's appointment of the day at the site ({"id", "time", "arrived"} or None: a walk-in, served the
    same) and its proxies valid on the day ([{"id", "name", "document"}], by name). One statement."""
    _start, end = local_day_bounds(day)
    rows = db.session.execute(_visit_query(), {"household_id": household_id, "site_id": site_id, "day": day,
                                               "day_end": end}).all()
    appointment, proxies = None, []
    for kind, row_id, text, document, starts_at in rows:
        if kind == "appointment":
            appointment = {"id": row_id, "time": to_local(starts_at).strftime("%H:%M"), "arrived": text == "arrived"}
        else:
            proxies.append({"id": row_id, "name": text, "document": document or ""})
    proxies.sort(key=lambda p: (p["name"].casefold(), p["id"]))
    return {"appointment": appointment, "proxies": proxies}


def renewal_warning(valid_until: date | None, day: date, decisions=()) -> str | None:
    """During the last households.expiry_warning_days days of the household's access (its valid_until), with no
    later decision already granting the days after, the till says "Access valid until 12/12: think of the renewal";
    None otherwise. Only the date: nothing of the decision."""
    if valid_until is None:
        return None
    days = int(get_setting("households.expiry_warning_days"))
    if not day <= valid_until < day + timedelta(days=days):
        return None
    if any(d.outcome == "granted" and d.valid_from <= valid_until + timedelta(days=1) <= d.valid_until
           for d in decisions):
        return None
    return str(_l("Access valid until %(day)s: think of the renewal.", day=format_date(valid_until, "dd/MM")))


def proxy_choice(data: dict) -> dict | None:
    """The proxy part of a sale request: None when the household shops itself (no "proxy" key, or null), else
    {"mandate_id": int, "identity_checked": bool, "identity_note": str}. A malformed value is a clear refusal."""
    value = data.get("proxy")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError("proxy", _l("Choose who is shopping: the household or one of its proxies."))
    mandate_id = value.get("mandate_id")
    if not isinstance(mandate_id, int) or isinstance(mandate_id, bool) or not 0 < mandate_id < 2**31:
        raise ValidationError("proxy", _l("Choose who is shopping: the household or one of its proxies."))
    note = value.get("identity_note") or ""
    if not isinstance(note, str):
        note = ""
    return {"mandate_id": mandate_id, "identity_checked": value.get("identity_checked") is True,
            "identity_note": note}


def record_proxy_for_sale(actor, sale, choice: dict | None, *, day: date | None = None) -> None:
    """Record who shopped for an online sale just written, in its transaction (grocery.appointments
    record_sale_proxy): a mandate unknown, of another household or not valid on the sale's day, or an identity not
    checked, refuses the whole sale (the caller rolls it back: nothing is written)."""
    from grocery.appointments.services import record_sale_proxy

    if choice is None:
        return
    mandate = db.session.get(ProxyMandate, choice["mandate_id"])
    if mandate is None or mandate.household_id != sale.household_id:
        raise ValidationError("proxy", _l("This proxy is not authorised for this household: choose again."))
    if not choice["identity_checked"]:
        raise ValidationError("proxy", _l("Check the proxy's identity document, then tick that it was checked."))
    record_sale_proxy(actor, sale, mandate, identity_checked=True, identity_note=choice["identity_note"], day=day)


def record_offline_proxy(actor, sale, choice: dict | None, day: date) -> None:
    """The proxy of an offline sale (kept whatever happens, like its goods): recorded when the mandate is the
    household's and valid on the day the sale was made; otherwise the sale is flagged for review with the reason
    (the office sees who the cashier named), nothing else changes."""
    from grocery.appointments.services import record_sale_proxy

    if choice is None:
        return
    mandate = db.session.get(ProxyMandate, choice["mandate_id"])
    if mandate is not None and mandate.household_id == sale.household_id and mandate.is_valid_on(day):
        record_sale_proxy(actor, sale, mandate, identity_checked=choice["identity_checked"],
                          identity_note=choice["identity_note"], day=day)
        return
    name = mandate.full_name if mandate is not None and mandate.household_id == sale.household_id else "?"
    reason = {"code": "proxy_not_valid", "product_id": None, "message": str(_l(
        "Shopped by %(name)s as a proxy, whose mandate was not valid on %(day)s: check with the social service.",
        name=name, day=format_date(day, "short")))}
    sale.review_reasons = [*(sale.review_reasons or []), reason]
    sale.review_status = "pending"
    db.session.flush()


def sale_proxy_name(sale_id: int) -> str | None:
    """The name of the proxy who shopped for the sale, None when the household shopped itself (the receipt)."""
    from grocery.appointments.models import SaleProxy

    return db.session.scalar(select(ProxyMandate.full_name).join(SaleProxy, SaleProxy.mandate_id == ProxyMandate.id)
                             .where(SaleProxy.sale_id == sale_id))


def till_appointments(site_id: int, day: date) -> list[dict]:
    """Today's appointments of the till's site, in slot order: the time, the household's name as the till shows it,
    arrived or not. Nothing else."""
    from grocery.appointments.services import appointments_for_day
    from grocery.households.services.till import display_name

    return [{"id": a.id, "time": to_local(a.slot.starts_at).strftime("%H:%M"), "name": display_name(a.household),
             "arrived": a.status == "arrived"} for a in appointments_for_day(site_id, day)]

