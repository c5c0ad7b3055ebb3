"""Sites and the sites where each user works: the first site, new sites, grants, and the role a user has at a site."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from grocery.audit.services import record_event
from grocery.auth.roles import Role
from grocery.errors import Conflict, ValidationError
from grocery.extensions import db
from grocery.sites.context import forget_current_site
from grocery.sites.models import Site, SiteRole
from grocery.timeutil import utcnow

#: The last line of an address that holds a Belgian postcode and its municipality: "5000 Namur".
_POSTCODE_LINE = re.compile(r"^\s*(\d{4})\s+(.+?)\s*$")


def split_address(text: str) -> tuple[str, str, str]:
    """(street lines, postcode, city) of an address written on several lines, the last one "5000 Namur"; an
    address without such a line stays whole, with no postcode or city. The migration 0020 applies the same rule."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if lines and (match := _POSTCODE_LINE.match(lines[-1])):
        return "\n".join(lines[:-1]), match.group(1), match.group(2)[:80]
    return "\n".join(lines), "", ""


def create_first_site(connection) -> int:
    """Make the installation's first site from the organisation settings (name, address), on `connection`, and
    return its id. The migration 0020 does this for an existing installation; this serves databases made from the
    models (tests, benchmarks)."""
    from grocery.settings.models import Setting
    from grocery.settings.registry import DEFINITIONS

    stored = dict(connection.execute(select(Setting.key, Setting.value)
                                     .where(Setting.key.in_(("org.name", "org.address")))).all())
    name = stored.get("org.name") or DEFINITIONS["org.name"].default
    address, postcode, city = split_address(stored.get("org.address") or "")
    return connection.execute(insert(Site).values(
        name=str(name)[:120], address=address, postcode=postcode, city=city, opening_hours="", is_active=True,
        created_at=utcnow()).returning(Site.id)).scalar_one()


def active_sites() -> list[Site]:
    return list(db.session.scalars(select(Site).where(Site.is_active.is_(True)).order_by(Site.id)))


def has_several_sites() -> bool:
    """Whether the installation has more than one active site: only then does any screen name a site."""
    return len(db.session.scalars(select(Site.id).where(Site.is_active.is_(True)).limit(2)).all()) > 1


def create_site(actor, *, name: str, address: str = "", postcode: str = "", city: str = "",
                opening_hours: str = "") -> Site:
    """Add a site to the installation. Its name is required and unique (case-insensitive); a Belgian postcode has
    four digits. Not offered in the interface yet: the domains do not keep each site's data apart yet."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", _l("Enter the site's name."))
    if len(name) > 120:
        raise ValidationError("name", _l("The name is too long (120 characters at most)."))
    postcode = (postcode or "").strip()
    if postcode and not re.fullmatch(r"\d{4}", postcode):
        raise ValidationError("postcode", _l("A Belgian postcode has four digits."))
    # Compared in Python: SQLite's lower() leaves accented capitals as they are (É), and sites are few.
    if name.casefold() in {taken.casefold() for taken in db.session.scalars(select(Site.name))}:
        raise Conflict(_l("A site named “%(name)s” already exists.", name=name))
    site = Site(name=name, address=(address or "").strip(), postcode=postcode, city=(city or "").strip()[:80],
                opening_hours=(opening_hours or "").strip(), is_active=True)
    db.session.add(site)
    db.session.flush()
    forget_current_site()
    record_event(actor, "site.create", site, {"name": name})
    return site


def grant_site_role(actor, user, site: Site | None, role: str) -> SiteRole:
    """Let `user` work at `site` (None: every site) with `role`; replaces the user's grant for that site. An
    administrator needs no grant: they have every site."""
    try:
        role = Role(role).value
    except ValueError:
        raise ValidationError("role", _l("Unknown role.")) from None
    site_id = site.id if site is not None else None
    grant = db.session.scalar(select(SiteRole).where(
        SiteRole.user_id == user.id,
        SiteRole.site_id.is_(None) if site_id is None else SiteRole.site_id == site_id))
    if grant is None:
        grant = SiteRole(user_id=user.id, site_id=site_id, role=role)
        db.session.add(grant)
    else:
        grant.role = role
    db.session.flush()
    forget_current_site()
    record_event(actor, "site.grant", user, {"site": site.name if site is not None else None, "role": role})
    return grant


def _grants(user, connection=None) -> list[tuple[int | None, str]]:
    query = select(SiteRole.site_id, SiteRole.role).where(SiteRole.user_id == user.id)
    rows = (connection.execute(query) if connection is not None else db.session.execute(query)).all()
    return [(site_id, role) for site_id, role in rows]


def role_at(user, site_id: int) -> Role | None:
    """The role `user` has at the site, or None when they do not work there. An administrator has every site as
    administrator; a user without any grant works at every site with their account's role (User.role); otherwise
    the grant for the site itself, else the grant for every site, else none."""
    if user.role == Role.ADMIN.value:
        return Role.ADMIN
    grants = dict(_grants(user))
    if not grants:
        return Role(user.role)
    role = grants.get(site_id, grants.get(None))
    return Role(role) if role is not None else None


def site_ids_for(user, connection=None) -> list[int]:
    """The ids of the active sites where `user` works (the same rule as role_at), in id order."""
    query = select(Site.id).where(Site.is_active.is_(True)).order_by(Site.id)
    active = list((connection.execute(query) if connection is not None else db.session.execute(query)).scalars())
    if user.role == Role.ADMIN.value:
        return active
    grants = dict(_grants(user, connection))
    if not grants or None in grants:
        return active
    return [site_id for site_id in active if site_id in grants]
