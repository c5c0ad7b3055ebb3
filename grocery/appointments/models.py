"""Shopping appointments: each site's opening pattern and exceptions, dated slots, appointments (one-off and
standing), proxy mandates and the proxy who shopped for a sale."""

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grocery.extensions import db
from grocery.sites.context import site_default
from grocery.timeutil import utcnow
from grocery.types import UTCDateTime

#: booked: the household is expected; arrived: its card was scanned at the till (or the desk marked it); missed: the
#: day passed without arrival (planning only: it never cuts access or budget); cancelled: with a reason.
APPOINTMENT_STATUSES = {"booked": _l("Planned"), "arrived": _l("Arrived"), "missed": _l("Missed"),
                        "cancelled": _l("Cancelled")}
#: The statuses that hold a place in a slot and count for "one appointment per household and day".
HOLDING = ("booked", "arrived")
EXCEPTION_KINDS = {"closed": _l("Closed day"), "extra": _l("Extra session")}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class OpeningLine(db.Model):
    """One line of a site's weekly opening pattern: on a weekday, from start to end, slots of `slot_minutes` for
    `households_per_slot` households each. A site has as many lines as it opens sessions in a week."""

    __tablename__ = "appointment_opening_lines"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_known"),
        CheckConstraint("end_time > start_time", name="end_after_start"),
        CheckConstraint("slot_minutes >= 5 AND slot_minutes <= 240", name="slot_minutes_in_range"),
        CheckConstraint("households_per_slot >= 1 AND households_per_slot <= 50", name="households_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default, index=True)
    #: 0 Monday ... 6 Sunday.
    weekday: Mapped[int] = mapped_column(Integer)
    #: Wall-clock times at the site (Europe/Brussels).
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    households_per_slot: Mapped[int] = mapped_column(Integer)
    #: An inactive line generates no new slot; its slots already generated stay.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OpeningException(db.Model):
    """A day that differs from the pattern: closed (with a reason; its unbooked slots are cancelled, its booked
    ones listed to move), or an extra session on a date (start, end, slot length, households per slot)."""

    __tablename__ = "appointment_exceptions"
    __table_args__ = (
        CheckConstraint(_in("kind", EXCEPTION_KINDS), name="kind_known"),
        CheckConstraint("kind = 'closed' OR (start_time IS NOT NULL AND end_time IS NOT NULL AND end_time > "
                        "start_time AND slot_minutes >= 5 AND households_per_slot >= 1)", name="extra_complete"),
        Index("ix_appointment_exceptions_site_day", "site_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default)
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200), default="")
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    slot_minutes: Mapped[int | None] = mapped_column(Integer)
    households_per_slot: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Slot(db.Model):
    """A dated shopping slot at a site, generated from an opening line or an extra session; stored in UTC, its
    local day kept for the day's lists. Regenerating never duplicates it (unique site and start)."""

    __tablename__ = "appointment_slots"
    __table_args__ = (
        UniqueConstraint("site_id", "starts_at", name="uq_appointment_slots_site_start"),
        CheckConstraint("ends_at > starts_at", name="end_after_start"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        Index("ix_appointment_slots_site_day", "site_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default)
    #: The local calendar day of starts_at at the site.
    held_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Households the slot takes.
    capacity: Mapped[int] = mapped_column(Integer)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_opening_lines.id", ondelete="SET NULL"))
    exception_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_exceptions.id", ondelete="SET NULL"))
    #: A closed day cancels the slots nobody booked; a booked slot stays until its appointments are moved.
    is_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")

    appointments: Mapped[list["Appointment"]] = relationship(back_populates="slot", order_by="Appointment.id")

    @property
    def holding(self) -> list["Appointment"]:
        return [a for a in self.appointments if a.status in HOLDING]

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - len(self.holding))


class StandingAppointment(db.Model):
    """A household's standing appointment ("every Tuesday 10:30") at a site: slot generation books it in each
    matching slot while the household's access is valid."""

    __tablename__ = "appointment_standing"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_known"),
        Index("ix_appointment_standing_site_weekday", "site_id", "weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    #: The local start time of the slot it takes.
    start_time: Mapped[time] = mapped_column(Time)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when it ends; its appointments already booked stay until cancelled one by one.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    household = relationship("Household")


class Appointment(db.Model):
    """A household's appointment in a slot. Moving it changes its slot (the same row, audited); one holding
    appointment per household and day (a partial unique index)."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(_in("status", APPOINTMENT_STATUSES), name="status_known"),
        Index("ix_appointments_slot_status", "slot_id", "status"),
        Index("ix_appointments_site_day", "site_id", "held_on"),
        Index("uq_appointments_household_day", "household_id", "held_on", unique=True,
              sqlite_where=text("status IN ('booked', 'arrived')"),
              postgresql_where=text("status IN ('booked', 'arrived')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), default=site_default)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    #: The slot's local day (kept here for the one-per-day rule and the day's lists).
    held_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="booked")
    #: The standing appointment that booked it, if any.
    standing_id: Mapped[int | None] = mapped_column(ForeignKey("appointment_standing.id", ondelete="SET NULL"))
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")

    slot: Mapped[Slot] = relationship(back_populates="appointments")
    household = relationship("Household")
    booked_by = relationship("User", foreign_keys=[booked_by_id])


class ProxyMandate(db.Model):
    """A person the household authorises to shop for it, from valid_from to valid_until (open when None), until
    revoked. The cashier checks the person's identity at the till (SaleProxy keeps each check)."""

    __tablename__ = "proxy_mandates"
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="validity_ordered"),
        Index("ix_proxy_mandates_household", "household_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    full_name: Mapped[str] = mapped_column(String(120))
    #: What the cashier will check ("carte d'identité", "titre de séjour"): written by the social worker; empty
    #: for a mandate carried over from the old free-text names (identity not yet checked).
    identity_document: Mapped[str] = mapped_column(String(120), default="")
    #: The last identity check noted at the till (SaleProxy), for the office's information.
    identity_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(String(200), default="")

    household = relationship("Household")
    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    def is_valid_on(self, day: date) -> bool:
        """Valid on the day: within its dates and not revoked (a revocation counts from its day on)."""
        if self.valid_from > day or (self.valid_until is not None and self.valid_until < day):
            return False
        if self.revoked_at is not None:
            from grocery.timeutil import to_local

            return to_local(self.revoked_at).date() > day
        return True


class SaleProxy(db.Model):
    """The proxy who shopped for a sale, under which mandate, and the identity check the cashier noted."""

    __tablename__ = "sale_proxies"

    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), primary_key=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("proxy_mandates.id", ondelete="RESTRICT"), index=True)
    #: The cashier saw the identity document the mandate names.
    identity_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: What the cashier noted ("carte d'identité vue"), no document number.
    identity_note: Mapped[str] = mapped_column(String(120), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mandate: Mapped[ProxyMandate] = relationship()
