"""Demo data: an opening pattern (Tuesday morning, Thursday afternoon, Saturday morning), three weeks of slots with
bookings, a standing appointment, and proxy mandates."""

import random
from datetime import time, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from grocery.auth.models import User
from grocery.demo import register_demo
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.timeutil import local_today

LINES = [(1, time(9), time(12), 15, 2), (3, time(13, 30), time(16, 30), 15, 2), (5, time(9, 30), time(11, 30), 20, 3)]


@register_demo(45, _l("appointments"))
def load_appointments_demo() -> str:
    from grocery.appointments import services as aps
    from grocery.households import services as hs
    from grocery.households.models import Household

    rng = random.Random(2026)  # demo data only
    social = db.session.scalar(select(User).where(User.username == "social"))
    for weekday, start, end, minutes, per_slot in LINES:
        aps.create_opening_line(social, weekday=weekday, start_time=start, end_time=end, slot_minutes=minutes,
                                households_per_slot=per_slot)
    today = local_today()
    households = list(db.session.scalars(select(Household).where(Household.status == "active")
                                         .order_by(Household.id)))
    eligible = [h for h in households if hs.eligibility_on(h, today).eligible]
    mandates = 0
    for household in households:
        mandates += len(aps.migrate_proxy_names(household, day=today - timedelta(days=30)))
    if eligible:
        aps.create_mandate(social, eligible[0], full_name="Christiane Lejeune", identity_document="Carte d'identité",
                           valid_from=today, valid_until=today + timedelta(days=60))
        mandates += 1
    if eligible:
        aps.create_standing(social, eligible[1 % len(eligible)], site_id=_site_id(), weekday=1, start_time=time(10))
    result = aps.generate_slots(social, today, today + timedelta(days=20))
    booked = len(result.standing.booked)
    slots = [s for s in result.created if s.starts_at.date() >= today]
    for household in eligible[2:]:
        for slot in rng.sample(slots, min(3, len(slots))):
            try:
                savepoint = db.session.begin_nested()
                aps.book_appointment(social, household, slot)
                savepoint.commit()
                booked += 1
                break
            except GroceryError:
                savepoint.rollback()
    db.session.flush()
    return ngettext("%(num)d slot", "%(num)d slots", len(result.created)) + ", " + ngettext(
        "%(num)d appointment", "%(num)d appointments", booked) + ", " + ngettext(
        "%(num)d proxy mandate", "%(num)d proxy mandates", mandates)


def _site_id() -> int:
    from grocery.sites.context import current_site_id

    return current_site_id()
