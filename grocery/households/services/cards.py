"""Household cards: issuing a new card, the previous one stops working at once."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grocery.audit.services import record_event
from grocery.barcodes import PREFIX_HOUSEHOLD_CARD, random_ean13
from grocery.errors import Conflict, ValidationError
from grocery.extensions import db
from grocery.households.models import Household, HouseholdCard
from grocery.households.services.ledger import lock_household
from grocery.timeutil import utcnow

CARD_REASONS = ("lost", "stolen", "damaged", "other")


# --------------------------------------------------------------------------------------------------------------
# Cards
# --------------------------------------------------------------------------------------------------------------

def _deactivate(card: HouseholdCard, reason: str) -> None:
    card.is_active = False
    card.deactivated_at = utcnow()
    card.deactivation_reason = reason


def new_card_code(attempts: int = 20) -> str:
    """A random, unused household card code (EAN-13, prefix 25)."""
    for _attempt in range(attempts):
        code = random_ean13(PREFIX_HOUSEHOLD_CARD)
        if db.session.scalar(select(func.count(HouseholdCard.id)).where(HouseholdCard.code == code)) == 0:
            return code
    raise Conflict(_l("No free card code was found: try again."))


def issue_card(actor, household: Household, *, reason: str | None = None) -> HouseholdCard:
    """Give the household a new card; the previous active card stops working at once (reason recorded)."""
    if household.status != "active":
        raise Conflict(_l("This household is closed: reopen it before issuing a card."))
    if reason is not None and reason not in CARD_REASONS:
        raise ValidationError("reason", _l("Choose why the card is replaced."))
    lock_household(household.id)
    old = [card for card in household.cards if card.is_active]
    for card in old:
        _deactivate(card, reason or "other")
    card = HouseholdCard(code=new_card_code(), is_active=True, issued_by_id=getattr(actor, "id", None))
    household.cards.insert(0, card)
    db.session.flush()
    record_event(actor, "card.reissue" if old else "card.issue", household, {
        "card_id": card.id, "replaced_card_ids": [c.id for c in old], "reason": reason})
    return card
