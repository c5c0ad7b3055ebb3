"""Settings stored in the database, and the audit log."""

from sqlalchemy import select

from grocery.audit.models import AuditEvent
from grocery.audit.services import record_event, search_events
from grocery.auth.roles import Role
from grocery.settings.models import Setting
from grocery.settings.registry import DEFINITIONS
from grocery.settings.services import get_setting, set_logo, update_settings
from tests.factories import make_user
from tests.utils import text_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _form(values: dict) -> dict:
    data = {d.field_name: d.display(d.default) for d in DEFINITIONS.values() if d.kind != "bool"}
    data.update({d.field_name: "y" for d in DEFINITIONS.values() if d.kind == "bool" and d.default})
    data.update(values)
    return data


def test_defaults_until_changed(db):
    """Does a setting give its default until someone changes it?"""
    assert get_setting("org.name") == "Épicerie sociale"
    update_settings(None, {"org.name": "Épicerie du Cœur"})
    assert get_setting("org.name") == "Épicerie du Cœur"


def test_update_logs_changes(db):
    """Is each changed value logged with old and new value, and unchanged ones not?"""
    admin = make_user(Role.ADMIN)
    changed = update_settings(admin, {"org.name": "Le Panier", "org.phone": ""})
    assert changed == {"org.name": ["Épicerie sociale", "Le Panier"]}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.update"))
    assert event.actor_id == admin.id and event.details["changes"]["org.name"][1] == "Le Panier"


def test_settings_page_saves_and_refuses(client, db, login):
    """Can a coordinator change the organisation name, and is a bad e-mail refused with nothing written?"""
    login(Role.COORDINATOR)
    ok = client.post_form("/admin/settings/", _form({"org__name": "Épicerie Solidaire"}))
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Setting, "org.name").value == "Épicerie Solidaire"
    bad = client.post_form("/admin/settings/", _form({"org__name": "Autre", "org__email": "pas-un-mail"}))
    assert "Ce n'est pas une adresse e-mail." in text_of(bad)
    db.session.expire_all()
    assert db.session.get(Setting, "org.name").value == "Épicerie Solidaire"
    empty = client.post_form("/admin/settings/", _form({"org__name": ""}))
    assert "Cette valeur est obligatoire." in empty.get_data(as_text=True)


def test_logo_upload_checks_the_file(db):
    """Is a logo accepted only as a PNG/JPEG below 512 kB?"""
    import pytest

    from grocery.errors import ValidationError

    with pytest.raises(ValidationError):
        set_logo(None, b"<svg onload=alert(1)>")
    with pytest.raises(ValidationError):
        set_logo(None, PNG + b"\x00" * 600_000)
    assert set_logo(None, PNG).content_type == "image/png"


def test_logo_is_served_to_logged_in_users(client, db, login):
    login(Role.CASHIER)
    set_logo(None, PNG)
    db.session.commit()
    response = client.get("/admin/settings/logo")
    assert response.status_code == 200 and response.mimetype == "image/png"


def test_audit_page_filters(client, db, login):
    """Can an administrator filter the audit log by action?"""
    login(Role.ADMIN)
    record_event(None, "household.create", ("households", 7), {"reference": "M-2026-0007"})
    record_event(None, "stock.waste", ("lots", 3), {"quantity": 2})
    db.session.commit()
    page = client.get("/admin/audit/?action=household").get_data(as_text=True)
    rows = page.split("<tbody>", 1)[1]
    assert "Ménage créé" in rows and "M-2026-0007" in rows and "Perte enregistrée" not in rows
    assert db.session.scalars(search_events(target_type="lots")).one().action == "stock.waste"
