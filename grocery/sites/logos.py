"""A site's logo on its documents: kept as a stored file (grocery.settings.models.StoredFile, key Site.logo_key),
checked by the organisation logo's rules (PNG or JPEG, at most 512 kB); documents fall back to the organisation's."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grocery.audit.services import record_event
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.settings.models import StoredFile
from grocery.settings.services import LOGO_KEY, LOGO_MAX_BYTES, sniff_image
from grocery.sites.models import Site, logo_key_for


def check_logo(data: bytes | None, field: str = "logo") -> str:
    """The content type of an acceptable logo: a PNG or JPEG image of at most 512 kB (the organisation logo's
    rule); a ValidationError on `field` otherwise."""
    if not data:
        raise ValidationError(field, _l("The file is empty."))
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(field, _l("The logo must be smaller than 512 kB."))
    content_type = sniff_image(data)
    if content_type is None:
        raise ValidationError(field, _l("The logo must be a PNG or JPEG image."))
    return content_type


def set_site_logo(actor, site: Site, data: bytes) -> StoredFile:
    """Replace the site's logo (check_logo's rule); its documents print it instead of the organisation's."""
    content_type = check_logo(data)
    stored = db.session.get(StoredFile, site.logo_key)
    if stored is None:
        stored = StoredFile(key=site.logo_key, content_type=content_type, data=data)
        db.session.add(stored)
    else:
        stored.content_type, stored.data = content_type, data
    db.session.flush()
    record_event(actor, "site.logo", site, {"bytes": len(data), "content_type": content_type})
    return stored


def remove_site_logo(actor, site: Site) -> bool:
    """Remove the site's logo (its documents print the organisation's again); returns whether there was one."""
    stored = db.session.get(StoredFile, site.logo_key)
    if stored is None:
        return False
    db.session.delete(stored)
    db.session.flush()
    record_event(actor, "site.logo_removed", site)
    return True


def site_logo(site: Site) -> StoredFile | None:
    return db.session.get(StoredFile, site.logo_key)


def logos_present(site_ids) -> dict:
    """Which of these sites' logos and the organisation's exist: key -> the time it was last replaced, in one
    statement (the keys, not the images)."""
    keys = [logo_key_for(site_id) for site_id in site_ids] + [LOGO_KEY]
    return dict(db.session.execute(select(StoredFile.key, StoredFile.updated_at).where(StoredFile.key.in_(keys))).all())
