"""Stock donors: who gives or sells the goods received.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre
products). Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grocery.audit.services import changes, record_event
from grocery.errors import FieldErrors
from grocery.extensions import db
from grocery.i18n import DOCUMENT_LANGUAGES
from grocery.stock.models import (
    DONOR_KINDS,
    Donor,
)

# --- donors -------------------------------------------------------------------------------------------------------


def save_donor(actor, donor: Donor | None, *, name: str, kind: str, contact: str = "",
               is_active: bool = True, preferred_language: str = "fr") -> Donor:
    """Create or change a donor; the type (food bank, FEAD, ...) decides the price of the goods received, the
    language that of the receipts printed for them. Every wrong field is reported at once."""
    errors = FieldErrors()
    name = (name or "").strip()
    if not name:
        errors.add("name", _l("Enter the donor's name."))
    else:
        other = db.session.scalar(select(Donor).where(func.lower(Donor.name) == name.lower()))
        if other is not None and other is not donor:
            errors.add("name", _l("A donor with this name already exists."))
    if kind not in DONOR_KINDS:
        errors.add("kind", _l("Choose the type of donor."))
    if preferred_language not in DOCUMENT_LANGUAGES:
        errors.add("preferred_language", _l("Choose one of the proposed languages."))
    errors.raise_if_any()
    values = {"name": name, "kind": kind, "contact": (contact or "").strip(), "is_active": is_active,
              "preferred_language": preferred_language}
    if donor is None:
        donor = Donor(**values)
        db.session.add(donor)
        db.session.flush()
        record_event(actor, "stock.donor_create", donor, {"name": name, "kind": kind})
    else:
        changed = changes(donor, list(values), values)
        db.session.flush()
        if changed:
            record_event(actor, "stock.donor_update", donor, changed)
    return donor
