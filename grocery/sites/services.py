"""Sites and the sites where each user works: the first site, new sites, grants, and the role a user has at a site."""

import re

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select

from grocery.audit.services import changes, record_event
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


def _site_values(site: Site | None, *, name: str, address: str, postcode: str, city: str,
                 opening_hours: str) -> dict:
    """A site's fields checked: a name (required, at most 120 characters, unique case-insensitively), a Belgian
    postcode of four digits or none, a city of at most 80 characters."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", _l("Enter the site's name."))
    if len(name) > 120:
        raise ValidationError("name", _l("The name is too long (120 characters at most)."))
    postcode = (postcode or "").strip()
    if postcode and not re.fullmatch(r"\d{4}", postcode):
        raise ValidationError("postcode", _l("A Belgian postcode has four digits."))
    city = (city or "").strip()
    if len(city) > 80:
        raise ValidationError("city", _l("The city is too long (80 characters at most)."))
    # Compared in Python: SQLite's lower() leaves accented capitals as they are (É), and sites are few.
    others = select(Site.name) if site is None else select(Site.name).where(Site.id != site.id)
    if name.casefold() in {taken.casefold() for taken in db.session.scalars(others)}:
        raise Conflict(_l("A site named “%(name)s” already exists.", name=name))
    return {"name": name, "address": (address or "").strip(), "postcode": postcode, "city": city,
            "opening_hours": (opening_hours or "").strip()}


def create_site(actor, *, name: str, address: str = "", postcode: str = "", city: str = "",
                opening_hours: str = "") -> Site:
    """Add a site to the installation. Its name is required and unique (case-insensitive); a Belgian postcode has
    four digits. From the second active site on, every screen names the site it shows."""
    values = _site_values(None, name=name, address=address, postcode=postcode, city=city,
                          opening_hours=opening_hours)
    site = Site(**values, is_active=True)
    db.session.add(site)
    db.session.flush()
    forget_current_site()
    record_event(actor, "site.create", site, {"name": values["name"]})
    return site


def update_site(actor, site: Site, *, name: str, address: str = "", postcode: str = "", city: str = "",
                opening_hours: str = "") -> dict:
    """Change a site's name, address and opening hours (the same rules as create_site); returns the changes."""
    values = _site_values(site, name=name, address=address, postcode=postcode, city=city,
                          opening_hours=opening_hours)
    changed = changes(site, ["name", "address", "postcode", "city", "opening_hours"], values)
    if changed:
        db.session.flush()
        record_event(actor, "site.update", site, changed)
    return changed


def open_till_count(site: Site) -> int:
    from grocery.checkout.models import TillSession

    return db.session.scalar(select(func.count(TillSession.id)).where(
        TillSession.site_id == site.id, TillSession.status == "open")) or 0


def deactivate_site(actor, site: Site) -> None:
    """Close a site: it keeps its history (stock, sales, shifts stay readable in the reports) but opens no till and
    is offered to nobody. Refused for the last active site and for a site whose till is open (close the till
    first)."""
    if not site.is_active:
        raise Conflict(_l("The site “%(name)s” is already inactive.", name=site.name))
    if db.session.scalar(select(func.count(Site.id)).where(Site.is_active.is_(True))) <= 1:
        raise Conflict(_l("“%(name)s” is the last active site: add or reactivate another site first.",
                          name=site.name))
    if open_till_count(site):
        raise Conflict(_l("A till of “%(name)s” is open: close it first, then deactivate the site.",
                          name=site.name))
    site.is_active = False
    db.session.flush()
    forget_current_site()
    record_event(actor, "site.deactivate", site, {"name": site.name})


def reactivate_site(actor, site: Site) -> None:
    """Open an inactive site again, with its history."""
    if site.is_active:
        raise Conflict(_l("The site “%(name)s” is already active.", name=site.name))
    site.is_active = True
    db.session.flush()
    forget_current_site()
    record_event(actor, "site.reactivate", site, {"name": site.name})


def grant_site_role(actor, user, site: Site | None, role: str) -> SiteRole:
    """Let `user` work at `site` (None: every site) with `role`; replaces the user's grant for that site. An
    administrator needs no grant: they have every site; an inactive site takes no new grant (reactivate it first)."""
    try:
        role = Role(role).value
    except ValueError:
        raise ValidationError("role", _l("Unknown role.")) from None
    if user.role == Role.ADMIN.value:
        raise ValidationError("role", _l("An administrator works at every site: no site needs to be given."))
    if site is not None and not site.is_active:
        raise ValidationError("site", _l("The site “%(name)s” is inactive: reactivate it first.", name=site.name))
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
    forget_grants(user)
    record_event(actor, "site.grant", user, {"site": site.name if site is not None else None, "role": role})
    return grant


def revoke_site_role(actor, user, site_id: int | None) -> bool:
    """Take away the user's grant for one site (None: the grant for every site); returns whether there was one.
    A user left without any grant works again at every site with their account's role."""
    grant = db.session.scalar(select(SiteRole).where(
        SiteRole.user_id == user.id,
        SiteRole.site_id.is_(None) if site_id is None else SiteRole.site_id == site_id))
    if grant is None:
        return False
    site = db.session.get(Site, site_id) if site_id is not None else None
    db.session.delete(grant)
    db.session.flush()
    forget_grants(user)
    record_event(actor, "site.revoke", user, {"site": site.name if site is not None else None, "role": grant.role})
    return True


def grants_of(user) -> list[tuple[Site | None, Role]]:
    """The user's grants for the user form: (site, role), the grant for every site (None) first, then by site."""
    rows = db.session.execute(select(SiteRole.site_id, SiteRole.role).where(SiteRole.user_id == user.id)).all()
    sites = {site.id: site for site in db.session.scalars(select(Site))}
    grants = [(sites.get(site_id) if site_id is not None else None, Role(role)) for site_id, role in rows]
    return sorted(grants, key=lambda grant: (grant[0] is not None, grant[0].id if grant[0] is not None else 0))


_GRANTS_KEY = "_grocery_site_grants"


def _grants(user, connection=None) -> list[tuple[int | None, str]]:
    """The user's grants (site id or None, role), read at most once per request: none at all, without a statement,
    for the logged-in user whose session said they have none (grocery.auth.sessions: `has_site_grants`)."""
    if getattr(user, "has_site_grants", None) is False:
        return []
    cache = g.setdefault(_GRANTS_KEY, {}) if has_app_context() else {}
    if user.id in cache:
        return cache[user.id]
    query = select(SiteRole.site_id, SiteRole.role).where(SiteRole.user_id == user.id)
    rows = (connection.execute(query) if connection is not None else db.session.execute(query)).all()
    cache[user.id] = grants = [(site_id, role) for site_id, role in rows]
    return grants


def forget_grants(user) -> None:
    """Read the user's grants again at the next use (after they changed)."""
    if has_app_context():
        g.get(_GRANTS_KEY, {}).pop(user.id, None)
    if getattr(user, "has_site_grants", None) is not None:
        user.has_site_grants = None
    forget_current_site()


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


def site_ids_with_role(user, roles) -> list[int]:
    """The ids of the active sites where `user` has one of `roles` (role_at's rule), in id order. Two statements
    (the active sites, the user's grants), one for an administrator."""
    active = list(db.session.scalars(select(Site.id).where(Site.is_active.is_(True)).order_by(Site.id)))
    if user.role == Role.ADMIN.value:
        return active if Role.ADMIN in roles else []
    grants = dict(_grants(user))
    if not grants:
        return active if Role(user.role) in roles else []
    return [site_id for site_id in active
            if (role := grants.get(site_id, grants.get(None))) is not None and Role(role) in roles]


def picker_for(user) -> dict | None:
    """What the header's site picker shows the user: {"current": Site, "sites": [Site, ...]} when they work at
    several active sites, else None (a one-site installation or a one-site user sees no site anywhere)."""
    from grocery.sites.context import current_site_id

    site_ids = site_ids_for(user)
    if len(site_ids) < 2:
        return None
    sites = list(db.session.scalars(select(Site).where(Site.id.in_(site_ids)).order_by(Site.name, Site.id)))
    current = current_site_id()
    return {"current": next((site for site in sites if site.id == current), None), "sites": sites}


def choose_site(user, site_id) -> Site:
    """The site `user` chose to work at in this login session: refused (404, as if it did not exist) for a site
    they do not work at or an inactive one. The caller stores it in the login session (context.SESSION_KEY)."""
    from grocery.errors import NotFound

    site = db.session.get(Site, site_id) if isinstance(site_id, int) else None
    if site is None or site.id not in site_ids_for(user):
        raise NotFound(_l("This site does not exist or you do not work there: choose one of your sites."))
    return site
