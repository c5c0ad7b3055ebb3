"""What the appointment services share: errors, locks, the slot's day rules, the eligibility check of a day."""

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grocery.appointments.models import HOLDING, Appointment, Slot
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.households import services as hs
from grocery.households.models import Household
from grocery.timeutil import format_local_date as _fr_date
from grocery.timeutil import to_local


class SlotFull(GroceryError):
    code = "slot_full"
    status = 409
    default_message = _l("This slot is full. Choose another slot.")


class SlotClosed(GroceryError):
    code = "slot_closed"
    status = 409
    default_message = _l("The grocery is closed at this time (the slot is cancelled). Choose another slot.")


class SlotPast(GroceryError):
    code = "slot_past"
    status = 409
    default_message = _l("This slot has already started. Choose a later slot.")


class DoubleBooking(GroceryError):
    code = "double_booking"
    status = 409


class SiteNotAllowed(GroceryError):
    code = "site_not_allowed"
    status = 403


def clean_text(value, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def lock_slot(slot_id: int) -> None:
    """Serialise the bookings of one slot (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers)."""
    if db.session.get_bind().dialect.name != "sqlite":
        db.session.execute(select(Slot.id).where(Slot.id == slot_id).with_for_update())


def holding_count(slot_id: int) -> int:
    """Households holding a place in the slot, read from the database (after its lock)."""
    return db.session.scalar(select(func.count(Appointment.id)).where(Appointment.slot_id == slot_id,
                                                                      Appointment.status.in_(HOLDING)))


def local_time(value: datetime) -> time:
    return to_local(value).time().replace(second=0, microsecond=0)


def slot_label(slot: Slot) -> str:
    return f"{_fr_date(slot.held_on)} {local_time(slot.starts_at).strftime('%H:%M')}"


def decision_allows_site(household: Household, decision, site_id: int) -> bool:
    """Whether the household's decision lets it shop at the site (households.services.decision_allows_site: a
    decision naming no site allows every site)."""
    return decision is None or hs.decision_allows_site(decision, site_id)


def check_access_on(household: Household, day: date, site_id: int, *, today: date) -> None:
    """The household may shop at the site on the day, else a NotEligible-like refusal that says why: not eligible
    at all (no decision, suspended, refused, closed household), eligible now but not on that day (outside its
    access dates), or a decision that does not allow the site. Reads the eligibility services, never writes."""
    from grocery.errors import NotEligible

    on_day = hs.eligibility_on(household, day)
    if not on_day.eligible:
        now = hs.eligibility_on(household, today) if day != today else on_day
        if now.eligible or on_day.reason_code in ("not_yet_valid", "expired"):
            valid = now.decision if now.eligible else None
            if valid is not None:
                raise NotEligible(_l("This day is outside the household's access (from %(start)s to %(end)s): "
                                     "choose a day within it, or renew the decision first.",
                                     start=_fr_date(valid.valid_from), end=_fr_date(valid.valid_until)),
                                  reason="outside_access")
            raise NotEligible(_l("This day is outside the household's access: %(reason)s",
                                 reason=on_day.office_reason), reason="outside_access")
        raise NotEligible(_l("This household may not book: %(reason)s", reason=on_day.office_reason),
                          reason=on_day.reason_code)
    if not decision_allows_site(household, on_day.decision, site_id):
        raise SiteNotAllowed(_l("The household's decision does not allow this site: book at a site it allows, or "
                                "change the decision."), reason="site")
