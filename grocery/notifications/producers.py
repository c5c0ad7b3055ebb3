"""The producers: what the send-reminders command queues each run. Each is registered once with register_producer.

A producer is a function `produce(today: date) -> Iterable[Draft]` (today: the grocery's local day). It returns
every message that is due today, written in its reader's language with render_message; queueing the same draft
again changes nothing (its dedupe_key), so a producer does not remember what it already produced. It may register a
`still_true(message) -> str | None` check, run just before sending, that cancels a message which no longer holds
(a shift cancelled after the reminder was queued), giving the reason. A draft to a household names its
`household_id`: the outbox then queues and sends it only while the household is active, has that e-mail address and
agreed to reminders (services.household_may_be_emailed).

Shipped: the social workers' weekly digest of expiring access (staff_digest) and the volunteers' shift of tomorrow
(volunteer_shift), and the households' appointment of tomorrow (appointment_reminder).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from grocery.extensions import db
from grocery.i18n import in_language
from grocery.notifications.models import OutboxMessage, StaffAddress
from grocery.notifications.services import STILL_TRUE, Draft
from grocery.settings.services import get_setting


@dataclass(frozen=True)
class Producer:
    kind: str
    produce: Callable[[date], Iterable[Draft]]
    #: What the outbox page calls these messages.
    label: object
    #: A bool setting that turns the producer off, or None.
    enabled_setting: str | None = None


#: Every registered producer, in registration order. Add one with register_producer.
PRODUCERS: list[Producer] = []


def register_producer(kind: str, produce: Callable[[date], Iterable[Draft]], *, label,
                      still_true: Callable[[OutboxMessage], str | None] | None = None,
                      enabled_setting: str | None = None) -> None:
    """Make send-reminders call `produce(today)` at each run and queue what it returns (see the module's rule)."""
    if any(producer.kind == kind for producer in PRODUCERS):
        raise ValueError(f"producer {kind!r} is already registered")
    PRODUCERS.append(Producer(kind, produce, label, enabled_setting))
    if still_true is not None:
        STILL_TRUE[kind] = still_true


def kind_label(kind: str) -> str:
    return next((str(p.label) for p in PRODUCERS if p.kind == kind), kind)


def active_producers() -> list[Producer]:
    return [p for p in PRODUCERS if p.enabled_setting is None or get_setting(p.enabled_setting)]


def render_message(template: str, language: str | None, **context) -> tuple[str, str, str]:
    """(language code, subject, body) of a message template rendered in its reader's language (an interface
    language, else the default). The template is plain text: its first line is the subject, the rest the body."""
    with in_language(language) as code:
        text = render_template(template, organisation=get_setting("org.name"), **context)
    subject, _, body = text.strip("\n").partition("\n")
    return code, subject.strip(), body.strip("\n") + "\n"


def _app_url(path: str) -> str:
    base = str(get_setting("notifications.app_url") or "").strip().rstrip("/")
    return f"{base}{path}" if base else ""


# --------------------------------------------------------------------------------------------------------------
# The social workers' weekly digest
# --------------------------------------------------------------------------------------------------------------

def staff_digest(today: date) -> Iterable[Draft]:
    """Once a week (from notifications.digest_weekday, so a missed day is caught up within the week), to each
    social worker who gave an address: the households whose access ends within households.expiry_warning_days with
    no renewal yet, and whose decision in force they made (a household has no social worker of its own: the one who
    made the current decision follows it). Only to an active account that still has a social role (one that may
    see households); only references and end dates, no name, income or motive."""
    from grocery.auth.models import User
    from grocery.auth.roles import SOCIAL
    from grocery.households.services import expiring_soon

    if today.weekday() < int(get_setting("notifications.digest_weekday")):
        return
    year, week, _ = today.isocalendar()
    by_user: dict[int, list] = defaultdict(list)
    for household, decision in expiring_soon(today):
        if decision.decided_by_id is not None:
            by_user[decision.decided_by_id].append((household.reference, decision.valid_until))
    if not by_user:
        return
    addresses = dict(db.session.execute(select(StaffAddress.user_id, StaffAddress.email)
                                        .where(StaffAddress.user_id.in_(by_user))).all())
    for user in db.session.scalars(select(User).where(User.id.in_(addresses)).order_by(User.id)):
        if not user.is_active or user.role not in {role.value for role in SOCIAL}:  # who may open households
            continue
        rows = sorted(by_user[user.id], key=lambda row: (row[1], row[0]))
        language, subject, body = render_message(
            "notifications/messages/staff_digest.txt", user.preferred_language, user=user, rows=rows,
            days=int(get_setting("households.expiry_warning_days")), link=_app_url("/households/"))
        yield Draft(kind="staff_digest", dedupe_key=f"staff_digest:{user.id}:{year}-W{week:02d}",
                    recipient=addresses[user.id], language=language, subject=subject, body=body,
                    about_type="users", about_id=user.id)


# --------------------------------------------------------------------------------------------------------------
# The volunteers' shift of tomorrow
# --------------------------------------------------------------------------------------------------------------

def _shift_key(assignment) -> str:
    shift = assignment.shift
    return f"volunteer_shift:{assignment.id}:{shift.held_on.isoformat()}:{shift.start_time:%H%M}"


def volunteer_shifts(today: date) -> Iterable[Draft]:
    """The day before a shift, to each participant booked on it who gave an e-mail address and has not ended their
    engagement: the day, the hours, the activity and the place, in their language. A volunteer's address was given
    to be reached about their shifts, and the reminder is exactly that (no consent flag: see the README)."""
    from grocery.sites.models import Site
    from grocery.sites.services import has_several_sites
    from grocery.volunteers.models import Assignment, Participant, Shift

    tomorrow = today + timedelta(days=1)
    assignments = db.session.scalars(
        select(Assignment).join(Shift, Assignment.shift_id == Shift.id)
        .join(Participant, Assignment.participant_id == Participant.id)
        .where(Shift.held_on == tomorrow, Shift.is_cancelled.is_(False), Assignment.status == "booked",
               Participant.email != "", or_(Participant.ended_on.is_(None), Participant.ended_on >= tomorrow))
        .options(selectinload(Assignment.shift).selectinload(Shift.activity), selectinload(Assignment.participant))
        .order_by(Assignment.id))
    several = has_several_sites()
    for assignment in assignments:
        participant, shift = assignment.participant, assignment.shift
        site = db.session.get(Site, shift.site_id) if several else None
        language, subject, body = render_message(
            "notifications/messages/volunteer_shift.txt", participant.preferred_language, participant=participant,
            shift=shift, site=site, phone=get_setting("org.phone"))
        yield Draft(kind="volunteer_shift", dedupe_key=_shift_key(assignment), recipient=participant.email,
                    language=language, subject=subject, body=body, about_type="volunteer_assignments",
                    about_id=assignment.id)


def shift_still_true(message: OutboxMessage) -> str | None:
    """A shift reminder is cancelled when the booking, the shift's day or hour, or the address changed since."""
    from grocery.volunteers.models import Assignment

    assignment = db.session.get(Assignment, message.about_id) if message.about_id else None
    if (assignment is None or assignment.status != "booked" or assignment.shift.is_cancelled
            or _shift_key(assignment) != message.dedupe_key or assignment.participant.email != message.recipient):
        return str(_l("Cancelled before sending: the shift or the booking changed since the reminder was written."))
    return None


# --------------------------------------------------------------------------------------------------------------
# The households' appointment of tomorrow
# --------------------------------------------------------------------------------------------------------------

def _appointment_key(appointment) -> str:
    """The reminder's key: the appointment, its slot's start and the address. A move (another slot) or a new
    address gives another key: the old reminder no longer holds (appointment_still_true) and a new one is written."""
    return (f"appointment:{appointment.id}:{appointment.slot.starts_at:%Y%m%dT%H%M}:"
            f"{(appointment.household.email or '').strip().casefold()}")


def appointment_reminders(today: date) -> Iterable[Draft]:
    """The day before a booked appointment, to the household, in its preferred language, only when it gave an
    e-mail address and agreed to reminders (the outbox checks it again before queueing and sending): the site's
    name and address, the day and the time, and what to bring (setting appointments.what_to_bring). Nothing
    social: no budget, no decision, no composition."""
    from grocery.appointments.models import Appointment, Slot
    from grocery.households.models import Household
    from grocery.sites.models import Site
    from grocery.timeutil import to_local

    tomorrow = today + timedelta(days=1)
    appointments = db.session.scalars(
        select(Appointment).join(Slot, Appointment.slot_id == Slot.id)
        .join(Household, Appointment.household_id == Household.id)
        .where(Appointment.held_on == tomorrow, Appointment.status == "booked", Household.status == "active",
               Household.email.is_not(None), Household.email != "", Household.accepts_reminders.is_(True))
        .options(selectinload(Appointment.slot), selectinload(Appointment.household))
        .order_by(Slot.starts_at, Appointment.id))
    bring = str(get_setting("appointments.what_to_bring") or "").strip()
    sites: dict[int, Site | None] = {}
    for appointment in appointments:
        household = appointment.household
        if appointment.site_id not in sites:
            sites[appointment.site_id] = db.session.get(Site, appointment.site_id)
        language, subject, body = render_message(
            "notifications/messages/appointment_reminder.txt", household.preferred_language,
            site=sites[appointment.site_id], day=appointment.held_on,
            time=to_local(appointment.slot.starts_at).strftime("%H:%M"), bring=bring, phone=get_setting("org.phone"))
        yield Draft(kind="appointment_reminder", dedupe_key=_appointment_key(appointment),
                    recipient=household.email.strip(), language=language, subject=subject, body=body,
                    about_type="appointments", about_id=appointment.id, household_id=household.id)


def appointment_still_true(message: OutboxMessage) -> str | None:
    """An appointment reminder is cancelled when the appointment was cancelled, missed or moved (another slot: the
    next run writes the reminder of the new time), or the household's address changed since it was written."""
    from grocery.appointments.models import Appointment

    appointment = db.session.get(Appointment, message.about_id) if message.about_id else None
    if appointment is None or appointment.status != "booked" or _appointment_key(appointment) != message.dedupe_key:
        return str(_l("Cancelled before sending: the appointment was cancelled or moved since the reminder was "
                      "written."))
    return None


register_producer("staff_digest", staff_digest, label=_l("Weekly digest of expiring access"),
                  enabled_setting="notifications.staff_digest")
register_producer("volunteer_shift", volunteer_shifts, label=_l("Shift of tomorrow"), still_true=shift_still_true,
                  enabled_setting="notifications.shift_reminders")
register_producer("appointment_reminder", appointment_reminders, label=_l("Appointment of tomorrow"),
                  still_true=appointment_still_true, enabled_setting="notifications.appointment_reminders")


def household_messages(household) -> list[dict]:
    """A household's data export: the messages the outbox holds for it (kept notifications.keep_days)."""
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.household_id == household.id)
                              .order_by(OutboxMessage.id))
    return [{"kind": m.kind, "channel": m.channel, "recipient": m.recipient, "language": m.language,
             "subject": m.subject, "body": m.body, "status": m.status,
             "created_at": m.created_at.isoformat(), "sent_at": m.sent_at.isoformat() if m.sent_at else None}
            for m in rows]


def _register_household_export() -> None:
    from grocery.households.services.privacy import register_export_section

    register_export_section("reminders", household_messages)


_register_household_export()
