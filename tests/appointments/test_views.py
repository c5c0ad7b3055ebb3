"""The office screens through the client: the week, a slot, booking, moving, cancelling, proxies, the opening
hours; the household page's panel; the cashier kept out."""

from datetime import timedelta

from sqlalchemy import func, select

from grocery.appointments import services as aps
from grocery.appointments.models import Appointment, OpeningException, OpeningLine, ProxyMandate, Slot
from grocery.auth.roles import Role
from grocery.extensions import db as _db
from grocery.timeutil import local_today
from tests.appointments.helpers import coming_day, eligible_household, open_day
from tests.factories import make_household
from tests.utils import invalid_fields, text_of


def _booking_setup(db):
    day = coming_day()
    slots = open_day(day, per_slot=1)
    household = eligible_household(person={"last_name": "Vandamme"})
    db.session.commit()
    return day, slots, household


def test_the_week_shows_slots_places_and_names(client, login, db):
    day, slots, household = _booking_setup(db)
    aps.book_appointment(None, household, slots[0])
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    page = text_of(client.get(f"/appointments/?week={day.isoformat()}"))
    assert "Vandamme" in page and "09:15" in page
    assert client.get("/appointments/?week=not-a-date").status_code == 200


def test_booking_from_a_slot_after_searching_the_household(client, login, db):
    _day, slots, household = _booking_setup(db)
    login(Role.SOCIAL_WORKER)
    found = text_of(client.get(f"/appointments/slots/{slots[0].id}?q=vandamme"))
    assert household.reference in found
    response = client.post_form(f"/appointments/slots/{slots[0].id}/book",
                                {"household_id": str(household.id), "back": "slot"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/slots/{slots[0].id}")
    assert db.session.scalar(select(Appointment.household_id)) == household.id


def test_a_refused_booking_says_why_and_writes_nothing(client, login, db):
    _day, slots, _household = _booking_setup(db)
    stranger = make_household()
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    response = client.post_form(f"/appointments/slots/{slots[0].id}/book", {"household_id": str(stranger.id)},
                                follow_redirects=True)
    assert "flash-error" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Appointment.id))) == 0
    for bad in ("", "abc", "99999999999", "-1"):
        assert client.post_form(f"/appointments/slots/{slots[0].id}/book",
                                {"household_id": bad}).status_code == 302
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def test_booking_moving_and_cancelling_from_the_household_page(client, login, db):
    _day, slots, household = _booking_setup(db)
    login(Role.SOCIAL_WORKER)
    page = text_of(client.get(f"/appointments/households/{household.id}?week={slots[0].held_on.isoformat()}"))
    assert "09:00" in page and f"/appointments/slots/{slots[0].id}/book" in page
    client.post_form(f"/appointments/slots/{slots[0].id}/book", {"household_id": str(household.id)})
    appointment = db.session.scalar(select(Appointment))
    assert "09:30" in text_of(client.get(f"/appointments/{appointment.id}/move"))
    response = client.post_form(f"/appointments/{appointment.id}/move", {"slot_id": str(slots[2].id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).slot_id == slots[2].id
    client.post_form(f"/appointments/{appointment.id}/cancel", {"reason": ""})
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == "booked"
    client.post_form(f"/appointments/{appointment.id}/cancel", {"reason": "Malade"})
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == "cancelled"


def test_a_standing_appointment_from_the_household_page(client, login, db):
    day, _slots, household = _booking_setup(db)
    login(Role.SOCIAL_WORKER)
    client.post_form(f"/appointments/households/{household.id}/standing",
                     {"weekday": str(day.weekday()), "start_time": "09:15"})
    booked = db.session.scalars(select(Appointment).where(Appointment.household_id == household.id)).all()
    assert len(booked) >= 1 and all(a.standing_id for a in booked)


def test_proxies_added_and_revoked_on_the_household(client, login, db):
    household = make_household()
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    assert client.get(f"/appointments/households/{household.id}/proxies").status_code == 200
    refused = client.post_form(f"/appointments/households/{household.id}/proxies",
                               {"full_name": "", "valid_from": local_today().isoformat(),
                                "valid_until": (local_today() - timedelta(days=1)).isoformat()})
    assert refused.status_code == 422 and "full_name" in invalid_fields(refused)
    assert db.session.scalar(select(func.count(ProxyMandate.id))) == 0
    client.post_form(f"/appointments/households/{household.id}/proxies",
                     {"full_name": "Josiane Collin", "identity_document": "Carte d'identité",
                      "valid_from": local_today().isoformat()})
    mandate = db.session.scalar(select(ProxyMandate))
    assert mandate.full_name == "Josiane Collin"
    assert "Josiane Collin" in text_of(client.get(f"/households/{household.id}"))  # the household page's panel
    client.post_form(f"/appointments/proxies/{mandate.id}/revoke", {"reason": "Demande du ménage"})
    db.session.expire_all()
    assert db.session.get(ProxyMandate, mandate.id).revoked_at is not None


def test_the_opening_hours_screen(client, login, db):
    login(Role.COORDINATOR)
    assert client.get("/appointments/opening").status_code == 200
    refused = client.post_form("/appointments/opening", {"weekday": "1", "start_time": "12:00", "end_time": "09:00",
                                                         "slot_minutes": "15", "households_per_slot": "2"})
    assert refused.status_code == 422 and "end_time" in invalid_fields(refused)
    client.post_form("/appointments/opening", {"weekday": str(coming_day().weekday()), "start_time": "09:00",
                                               "end_time": "10:00", "slot_minutes": "15",
                                               "households_per_slot": "2"})
    assert db.session.scalar(select(func.count(OpeningLine.id))) == 1
    day = coming_day()
    client.post_form("/appointments/opening/generate", {"date_from": day.isoformat(), "date_to": day.isoformat()})
    assert db.session.scalar(select(func.count(Slot.id))) == 4
    client.post_form("/appointments/opening/closed", {"held_on": day.isoformat(), "reason": "Inventaire"})
    assert db.session.scalar(select(func.count(Slot.id)).where(Slot.is_cancelled.is_(True))) == 4
    other = day + timedelta(days=1)
    client.post_form("/appointments/opening/extra", {"held_on": other.isoformat(), "start_time": "14:00",
                                                     "end_time": "15:00", "slot_minutes": "30",
                                                     "households_per_slot": "1", "reason": "Fêtes"})
    assert db.session.scalar(select(func.count(OpeningException.id))) == 2
    line = db.session.scalar(select(OpeningLine))
    client.post_form(f"/appointments/opening/{line.id}/toggle")
    db.session.expire_all()
    assert db.session.get(OpeningLine, line.id).is_active is False


def test_a_social_worker_cannot_set_the_opening_hours_and_a_cashier_sees_nothing(client, login, db):
    _day, slots, household = _booking_setup(db)
    login(Role.SOCIAL_WORKER)
    assert client.get("/appointments/opening").status_code == 403
    client.post_form("/logout")
    login(Role.CASHIER)
    for url in ("/appointments/", f"/appointments/slots/{slots[0].id}",
                f"/appointments/households/{household.id}/proxies"):
        assert client.get(url).status_code == 403, url


def test_another_sites_slot_answers_404(client, login, db):
    from grocery.sites.services import create_site

    _day, slots, _household = _booking_setup(db)
    other = create_site(None, name="Antenne Nord")
    with_other = Slot(site_id=other.id, held_on=slots[0].held_on, starts_at=slots[0].starts_at,
                      ends_at=slots[0].ends_at, capacity=1)
    _db.session.add(with_other)
    _db.session.commit()
    login(Role.ADMIN)
    assert client.get(f"/appointments/slots/{with_other.id}").status_code == 404
