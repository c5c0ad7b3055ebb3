"""The head of a printed document (a till receipt, a donor's receipt, a household's card, a volunteer's badge or
attestation): the logo of the site it belongs to (else the organisation's), and with several sites the site's
name, address and opening hours."""

import io
import logging

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from grocery.extensions import db
from grocery.settings.services import LOGO_KEY
from grocery.sites.context import current_site_id
from grocery.sites.logos import logos_present
from grocery.sites.models import Site, logo_key_for

logger = logging.getLogger(__name__)


def document_site(obj=None) -> Site:
    """The site a document belongs to: its object's site (a sale, a donation, a shift), else the current site (a
    household's card: households belong to the installation)."""
    site_id = getattr(obj, "site_id", None) or current_site_id()
    return db.session.get(Site, site_id)


def document_header(obj=None) -> dict:
    """What the document's head prints (templates/_partials/document_header.html): `logo_url` (the site's logo,
    else the organisation's, else None), `several` (the installation has several sites: then the site's `name`,
    `address`, `postcode` and `city` are printed, the organisation's name and address being the same for every
    site) and the site's `opening_hours` when they are filled in."""
    header = _header(obj)
    if header["logo_key"] == LOGO_KEY:
        header["logo_url"] = url_for("settings.logo")
    elif header["logo_key"] is not None:
        # The version changes when the logo is replaced, so that a browser's cached copy is not printed.
        header["logo_url"] = url_for("admin.site_logo_image", site_id=header["site_id"], v=header["logo_version"])
    else:
        header["logo_url"] = None
    return header


def _header(obj) -> dict:
    """The head's data without URLs (a PDF reads the logo itself): `logo_key`, the stored file of the logo printed
    (the site's, else the organisation's, else None), and its `logo_version`. Three statements (the site, the
    active sites, the logos)."""
    site = document_site(obj)
    several = db.session.scalar(select(func.count(Site.id)).where(Site.is_active.is_(True))) > 1
    present = logos_present([site.id])
    logo_key = next((key for key in (logo_key_for(site.id), LOGO_KEY) if key in present), None)
    return {"site_id": site.id, "logo_key": logo_key,
            "logo_version": int(present[logo_key].timestamp()) if logo_key is not None else None,
            "several": several, "name": site.name, "address": site.address, "postcode": site.postcode,
            "city": site.city, "opening_hours": site.opening_hours}


def draw_document_header(pdf, width: float, text=str, obj=None) -> None:
    """The document head (document_header's content) at the top of a PDF made with fpdf2 (the volunteer's
    attestation): the logo at the right of the first lines, then, with several sites, the site's name and address,
    and its opening hours. `text` makes a string printable by the PDF's font (the attestation's `plain`). A logo
    that cannot be decoded is left out: the document matters more than its logo."""
    from grocery.settings.models import StoredFile

    header = _header(obj)
    if header["logo_key"] is not None:
        stored = db.session.get(StoredFile, header["logo_key"])
        try:
            pdf.image(io.BytesIO(stored.data), x=pdf.w - pdf.r_margin - 40, y=pdf.t_margin, w=40, h=16,
                      keep_aspect_ratio=True)
        except Exception:  # fpdf2 raises several kinds of errors for an image it cannot read
            logger.warning("The logo %s could not be printed on a PDF", header["logo_key"], exc_info=True)
    lines = []
    if header["several"]:
        lines += [header["name"], *header["address"].splitlines(), f"{header['postcode']} {header['city']}".strip()]
    if header["opening_hours"]:
        lines.append(_("Opening hours: %(hours)s", hours=header["opening_hours"]))
    if not lines:
        return
    pdf.set_font("Helvetica", "", 9)
    for line in filter(None, lines):
        pdf.multi_cell(width - 45, 4.5, text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
