"""Hostile values in the appointments screens' forms and query strings, with a row behind every id: never a 5xx,
and a refused request writes nothing."""

from sqlalchemy import func, select

from grocery.appointments import services as aps
from grocery.appointments.models import Appointment, OpeningException, OpeningLine, ProxyMandate, Slot
from grocery.auth.roles import Role
from tests.appointments.helpers import coming_day, eligible_household, open_day
from tests.foundation.test_hostile_input import HOSTILE

FIELDS = ("household_id", "slot_id", "reason", "weekday", "start_time", "end_time", "slot_minutes",
          "households_per_slot", "held_on", "date_from", "date_to", "full_name", "identity_document", "valid_from",
          "valid_until", "back")


def _counts(db) -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Appointment, OpeningException, OpeningLine, ProxyMandate, Slot))


def test_hostile_values_in_every_appointments_form(client, login, db):
    day = coming_day()
    slots = open_day(day)
    household = eligible_household()
    appointment = aps.book_appointment(None, household, slots[0])
    mandate = aps.create_mandate(None, household, full_name="Josiane Collin")
    standing, _result = aps.create_standing(None, household, site_id=slots[0].site_id, weekday=(day.weekday() + 1) % 7,
                                            start_time=slots[0].starts_at.time())
    db.session.commit()
    login(Role.ADMIN)
    posts = [f"/appointments/slots/{slots[1].id}/book", f"/appointments/households/{household.id}/standing",
             f"/appointments/{appointment.id}/move", f"/appointments/{appointment.id}/cancel",
             f"/appointments/households/{household.id}/proxies", f"/appointments/proxies/{mandate.id}/revoke",
             "/appointments/opening", "/appointments/opening/closed", "/appointments/opening/extra",
             "/appointments/opening/generate"]
    gets = ["/appointments/", f"/appointments/slots/{slots[1].id}", f"/appointments/households/{household.id}",
            f"/appointments/{appointment.id}/move"]
    token = client.csrf_token()
    before = _counts(db)
    for label, value in HOSTILE.items():
        for url in gets:
            for name in ("week", "q"):
                response = client.get(url, query_string={name: value})
                assert response.status_code < 500, (url, name, label)
        for url in posts:
            response = client.post(url, data={"csrf_token": token, **{field: value for field in FIELDS}})
            assert response.status_code < 500, (url, label)
            assert _counts(db) == before, (url, label)
    assert standing.ended_at is None
