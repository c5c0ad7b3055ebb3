"""Display labels the reports borrow from the other domains (donor types, waste reasons, engagement types)."""


def source_label(source: str | None) -> str:
    from grocery.stock.forms import DONOR_KIND_LABELS

    return str(DONOR_KIND_LABELS.get(source, source or "—"))


def waste_label(reason: str | None) -> str:
    from grocery.stock.forms import WASTE_REASON_LABELS

    return str(WASTE_REASON_LABELS.get(reason, reason or "—"))


def engagement_label(kind: str) -> str:
    from grocery.volunteers.models import ENGAGEMENT_TYPES

    return str(ENGAGEMENT_TYPES.get(kind, kind))
