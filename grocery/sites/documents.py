"""The head of a printed document (a till receipt, a donor's receipt, a household's card, a volunteer's badge or
attestation): the logo of the site it belongs to (else the organisation's), and with several sites the site's
name, address and opening hours."""

from flask import url_for
from sqlalchemy import func, select

from grocery.extensions import db
from grocery.settings.services import LOGO_KEY
from grocery.sites.context import current_site_id
from grocery.sites.logos import logos_present
from grocery.sites.models import Site, logo_key_for


def document_site(obj=None) -> Site:
    """The site a document belongs to: its object's site (a sale, a donation, a shift), else the current site (a
    household's card: households belong to the installation)."""
    site_id = getattr(obj, "site_id", None) or current_site_id()
    return db.session.get(Site, site_id)


def document_header(obj=None) -> dict:
    """What the document's head prints (templates/_partials/document_header.html): `logo_url` (the site's logo,
    else the organisation's, else None), `several` (the installation has several sites: then the site's `name`,
    `address`, `postcode` and `city` are printed, the organisation's name and address being the same for every
    site) and the site's `opening_hours` when they are filled in. Two statements (the sites, the logos' keys)."""
    site = document_site(obj)
    several = db.session.scalar(select(func.count(Site.id)).where(Site.is_active.is_(True))) > 1
    present = logos_present([site.id])
    if (updated := present.get(logo_key_for(site.id))) is not None:
        # The version changes when the logo is replaced, so that a browser's cached copy is not printed.
        logo_url = url_for("admin.site_logo_image", site_id=site.id, v=int(updated.timestamp()))
    elif LOGO_KEY in present:
        logo_url = url_for("settings.logo")
    else:
        logo_url = None
    return {"logo_url": logo_url, "several": several, "name": site.name, "address": site.address,
            "postcode": site.postcode, "city": site.city, "opening_hours": site.opening_hours}
