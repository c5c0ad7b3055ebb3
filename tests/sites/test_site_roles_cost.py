"""What the role at the current site costs: nothing for a user without a site grant (the login session's read
says so), one read of the grants per request for a user with some."""

from sqlalchemy import event

from grocery.auth.roles import Role
from grocery.sites.services import create_site, grant_site_role
from tests.factories import make_user
from tests.sites.helpers import first_site, log_in


def _grant_reads(client, db, url) -> tuple[int, int]:
    """(status, statements that read user_site_roles on their own) of one GET."""
    sent = []

    def count(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        status = client.get(url).status_code
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    own = [s for s in sent if "FROM user_site_roles" in s and "auth_sessions" not in s]
    return status, len(own)


def test_a_user_without_grants_reads_no_grant_and_a_user_with_grants_reads_them_once(client, db):
    """Does a cashier without grants cost any read of the grants on the till's page? No. With grants at two sites,
    is the grants' table read once in the request, however many checks (route, menu, picker) ask? Yes."""
    admin = make_user(Role.ADMIN)
    site_a = first_site()
    site_b = create_site(admin, name="Antenne B")
    cashier, granted = make_user(Role.CASHIER), make_user(Role.CASHIER)
    grant_site_role(admin, granted, site_a, "cashier")
    grant_site_role(admin, granted, site_b, "cashier")
    db.session.commit()
    log_in(client, cashier)
    client.get("/till/")
    assert _grant_reads(client, db, "/till/") == (200, 0)
    client.post_form("/logout")
    log_in(client, granted)
    client.get("/till/")
    assert _grant_reads(client, db, "/till/") == (200, 1)
