"""Site administration through its services: editing a site, its logo, closing and reopening it, and the sites
given to an account; every refusal writes nothing."""

import pytest
from sqlalchemy import select

from grocery.audit.models import AuditEvent
from grocery.auth.roles import Role
from grocery.checkout.till import close_till, expected_cash_cents
from grocery.errors import Conflict, ValidationError
from grocery.settings.models import StoredFile
from grocery.sites.logos import remove_site_logo, set_site_logo
from grocery.sites.models import Site, SiteRole
from grocery.sites.services import (
    create_site,
    deactivate_site,
    grant_site_role,
    grants_of,
    reactivate_site,
    revoke_site_role,
    role_at,
    site_ids_for,
    update_site,
)
from tests.factories import make_user
from tests.sites.helpers import JPEG, PNG, audit_count, first_site, sale_at


def _state(site: Site) -> tuple:
    return site.name, site.address, site.postcode, site.city, site.opening_hours, site.is_active


def test_an_administrator_edits_a_site_and_the_change_is_audited(db):
    """Are a site's name, address, postcode, city and opening hours changed, and the change audited with the old
    and new values? Yes; saving the same values again changes nothing and writes nothing."""
    admin = make_user(Role.ADMIN)
    site = first_site()
    changed = update_site(admin, site, name="  Antenne Centre ", address="Rue Haute 12", postcode="1000",
                          city="Bruxelles", opening_hours="Mardi 9:00-12:00")
    assert _state(site) == ("Antenne Centre", "Rue Haute 12", "1000", "Bruxelles", "Mardi 9:00-12:00", True)
    assert changed["name"][1] == "Antenne Centre" and changed["city"] == ["", "Bruxelles"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "site.update")).one()
    assert event.target_id == str(site.id) and event.details["postcode"] == ["", "1000"]
    before = audit_count()
    assert update_site(admin, site, name="Antenne Centre", address="Rue Haute 12", postcode="1000",
                       city="Bruxelles", opening_hours="Mardi 9:00-12:00") == {}
    assert audit_count() == before


@pytest.mark.parametrize(("values", "error", "field"), [
    ({"name": "  "}, ValidationError, "name"),
    ({"name": "x" * 121}, ValidationError, "name"),
    ({"name": "ÉPICERIE NORD"}, Conflict, None),  # the other site's name, other case and accents' case
    ({"name": "Sud", "postcode": "10000"}, ValidationError, "postcode"),
    ({"name": "Sud", "postcode": "B-1000"}, ValidationError, "postcode"),
    ({"name": "Sud", "city": "y" * 81}, ValidationError, "city"),
])
def test_a_wrong_site_value_is_refused_and_writes_nothing(db, values, error, field):
    """Is an empty or too long name, another site's name (whatever its case), a postcode that is not four digits or
    a too long city refused, with nothing changed and nothing audited? Yes."""
    admin = make_user(Role.ADMIN)
    site = first_site()
    create_site(admin, name="Épicerie Nord")
    before, events = _state(site), audit_count()
    with pytest.raises(error) as refused:
        update_site(admin, site, **values)
    if field:
        assert refused.value.field == field
    db.session.flush()
    db.session.refresh(site)
    assert _state(site) == before and audit_count() == events
    with pytest.raises(error):
        create_site(admin, **values)
    assert db.session.scalar(select(Site.id).where(Site.name == values["name"].strip())) is None


def test_the_last_active_site_cannot_be_deactivated(db):
    """Can the only active site be closed? No: the installation would have none; nothing is written."""
    admin = make_user(Role.ADMIN)
    site = first_site()
    events = audit_count()
    with pytest.raises(Conflict) as refused:
        deactivate_site(admin, site)
    assert site.name in refused.value.message
    assert site.is_active and audit_count() == events


def test_a_site_with_an_open_till_cannot_be_deactivated_and_keeps_its_history_once_closed(db):
    """Can a site whose till is open be closed? No (close the till first). Once the till is closed, the site is
    deactivated: its sale stays, it leaves the sites where its staff works, and it can be reactivated."""
    admin = make_user(Role.ADMIN)
    first_site()
    site_b = create_site(admin, name="Antenne B")
    cashier = make_user(Role.CASHIER)
    sale, till = sale_at(site_b, cashier)
    events = audit_count()
    with pytest.raises(Conflict) as refused:
        deactivate_site(admin, site_b)
    assert "Antenne B" in refused.value.message
    assert site_b.is_active and audit_count() == events
    close_till(cashier, till, counted_cents=expected_cash_cents(till))
    deactivate_site(admin, site_b)
    assert not site_b.is_active and sale.site_id == site_b.id
    assert site_ids_for(cashier) == [first_site().id]
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(site_b.id),
                                                              AuditEvent.target_type == "sites")).all()[-1] \
        == "site.deactivate"
    with pytest.raises(Conflict):
        deactivate_site(admin, site_b)
    reactivate_site(admin, site_b)
    assert site_b.is_active and site_b.id in site_ids_for(cashier)
    with pytest.raises(Conflict):
        reactivate_site(admin, site_b)


def test_a_site_logo_is_a_png_or_jpeg_of_at_most_512_kb(db):
    """Is a PNG or JPEG of at most 512 kB kept under the site's key, and replaced by the next one? Yes. Is an empty
    file, a GIF or a file over 512 kB refused with nothing written? Yes. Removing it deletes the file."""
    admin = make_user(Role.ADMIN)
    site = first_site()
    events = audit_count()
    for data in (b"", b"GIF89a" + b"\x00" * 10, PNG + b"\x00" * (512 * 1024)):
        with pytest.raises(ValidationError) as refused:
            set_site_logo(admin, site, data)
        assert refused.value.field == "logo"
    assert db.session.get(StoredFile, site.logo_key) is None and audit_count() == events
    set_site_logo(admin, site, PNG)
    set_site_logo(admin, site, JPEG)
    stored = db.session.get(StoredFile, site.logo_key)
    assert (stored.content_type, stored.data) == ("image/jpeg", JPEG)
    assert remove_site_logo(admin, site) is True
    assert db.session.get(StoredFile, site.logo_key) is None
    assert remove_site_logo(admin, site) is False
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("site.logo%"))).all()
    assert actions == ["site.logo", "site.logo", "site.logo_removed"]


def test_grants_give_a_role_per_site_and_removing_the_last_one_gives_every_site_back(db):
    """A coordinator given site B as cashier and every site as stock manager: cashier at B, stock manager at A.
    Taking both grants away: coordinator everywhere again (the account's role). Each change is audited."""
    admin = make_user(Role.ADMIN)
    site_a, site_b = first_site(), create_site(admin, name="Antenne B")
    user = make_user(Role.COORDINATOR)
    assert role_at(user, site_b.id) == Role.COORDINATOR
    grant_site_role(admin, user, site_b, "cashier")
    grant_site_role(admin, user, None, "stock_manager")
    assert (role_at(user, site_a.id), role_at(user, site_b.id)) == (Role.STOCK_MANAGER, Role.CASHIER)
    assert grants_of(user) == [(None, Role.STOCK_MANAGER), (site_b, Role.CASHIER)]
    assert revoke_site_role(admin, user, None) is True
    assert (role_at(user, site_a.id), site_ids_for(user)) == (None, [site_b.id])
    assert revoke_site_role(admin, user, site_b.id) is True
    assert revoke_site_role(admin, user, site_b.id) is False
    assert role_at(user, site_a.id) == role_at(user, site_b.id) == Role.COORDINATOR
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("site.%"),
                                                                 AuditEvent.target_id == str(user.id),
                                                                 AuditEvent.target_type == "users")).all()
    assert actions == ["site.grant", "site.grant", "site.revoke", "site.revoke"]


@pytest.mark.parametrize("case", ["unknown role", "administrator", "inactive site"])
def test_a_grant_that_cannot_hold_is_refused_and_writes_nothing(db, case):
    """Is a grant with an unknown role, for an administrator (who has every site) or at an inactive site refused,
    with no grant and no audit event written? Yes."""
    admin = make_user(Role.ADMIN)
    first_site()
    site_b = create_site(admin, name="Antenne B")
    user = make_user(Role.ADMIN if case == "administrator" else Role.CASHIER)
    if case == "inactive site":
        deactivate_site(admin, site_b)
    events = audit_count()
    with pytest.raises(ValidationError):
        grant_site_role(admin, user, site_b, "boss" if case == "unknown role" else "cashier")
    assert db.session.scalars(select(SiteRole).where(SiteRole.user_id == user.id)).all() == []
    assert audit_count() == events
