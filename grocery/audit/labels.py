"""What the audit log shows: each action and record type in words, and each detail with its label and value."""

from __future__ import annotations

from datetime import date

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from grocery.money import format_money
from grocery.timeutil import format_local_date

#: Every action recorded by record_event, in words. tests/foundation/test_audit_labels.py finds the actions in the
#: code and fails when one has no label here.
ACTION_LABELS = {
    "user.create": _l("Account created"),
    "site.create": _l("Site added"),
    "site.grant": _l("Site given to an account"),
    "site.revoke": _l("Site taken away from an account"),
    "site.update": _l("Site changed"),
    "site.logo": _l("Site logo replaced"),
    "site.logo_removed": _l("Site logo removed"),
    "site.deactivate": _l("Site deactivated"),
    "site.reactivate": _l("Site reactivated"),
    "user.update": _l("Account changed"),
    "user.password_change": _l("Own password changed"),
    "user.password_reset": _l("Password reset by an administrator"),
    "settings.update": _l("Settings changed"),
    "settings.logo": _l("Logo replaced"),
    "settings.logo_removed": _l("Logo removed"),
    "household.create": _l("Household created"),
    "appointment.book": _l("Appointment booked"),
    "appointment.move": _l("Appointment moved"),
    "appointment.cancel": _l("Appointment cancelled"),
    "appointment.arrive": _l("Arrival for an appointment"),
    "appointment.mark_missed": _l("Missed appointments recorded"),
    "appointment.standing_create": _l("Standing appointment added"),
    "appointment.standing_end": _l("Standing appointment ended"),
    "appointment.opening_create": _l("Opening line added"),
    "appointment.opening_update": _l("Opening line paused or resumed"),
    "appointment.slots_generate": _l("Appointment slots generated"),
    "appointment.close_day": _l("Day closed for appointments"),
    "appointment.extra_session": _l("Extra appointment session added"),
    "proxy.create": _l("Proxy mandate given"),
    "proxy.revoke": _l("Proxy mandate revoked"),
    "proxy.sale": _l("Proxy recorded for a sale"),
    "household.update": _l("Household details changed"),
    "household.close": _l("Household closed"),
    "household.reopen": _l("Household reopened"),
    "household.export": _l("Household data exported"),
    "household.anonymise": _l("Household anonymised"),
    "household.anonymise_run": _l("Old households anonymised"),
    "member.add": _l("Member added"),
    "member.update": _l("Member changed"),
    "criterion.save": _l("Eligibility criterion saved"),
    "decision.create": _l("Eligibility decision recorded"),
    "decision.lift_suspension": _l("Suspension lifted"),
    "card.issue": _l("Card issued"),
    "card.reissue": _l("Card replaced"),
    "till.open": _l("Till opened"),
    "till.cash_in": _l("Cash put into the till"),
    "till.cash_out": _l("Cash taken from the till"),
    "till.close": _l("Till closed and counted"),
    "till.explain_difference": _l("Till difference explained"),
    "till.handover": _l("Till handed over"),
    "sale.void": _l("Sale voided"),
    "sale.refund": _l("Sale refunded"),
    "sale.receipt_reprint": _l("Receipt reprinted"),
    "checkout.offline_sale_reviewed": _l("Offline sale checked"),
    "imports.products": _l("Products imported"),
    "imports.households": _l("Households imported"),
    "stock.category_create": _l("Category created"),
    "stock.category_update": _l("Category changed"),
    "stock.product_create": _l("Product created"),
    "stock.product_update": _l("Product changed"),
    "stock.barcode_add": _l("Barcode added"),
    "stock.barcode_remove": _l("Barcode removed"),
    "stock.barcode_generate": _l("In-store barcode generated"),
    "stock.donor_create": _l("Donor created"),
    "stock.donor_update": _l("Donor changed"),
    "stock.donation_confirm": _l("Reception confirmed"),
    "stock.waste": _l("Waste recorded"),
    "stock.discard_expired": _l("Expired lots discarded"),
    "stock.ddm_decision": _l("Decision on a lot past its best-before date"),
    "stock.count_open": _l("Stock count started"),
    "stock.count_post": _l("Stock count posted"),
    "stock.transfer": _l("Goods sent to another site"),
    "stock.site_threshold": _l("Low-stock threshold of a site changed"),
    "volunteers.participant_create": _l("Participant registered"),
    "volunteers.participant_update": _l("Participant changed"),
    "volunteers.participant_household_link": _l("Participant linked to a household"),
    "volunteers.formality_update": _l("Formality updated"),
    "volunteers.activity_create": _l("Activity created"),
    "volunteers.activity_update": _l("Activity changed"),
    "volunteers.competence_create": _l("Competence created"),
    "volunteers.framework_seed": _l("Competence framework loaded"),
    "volunteers.template_create": _l("Recurring shift created"),
    "volunteers.template_update": _l("Recurring shift changed"),
    "volunteers.shifts_generate": _l("Shifts generated"),
    "volunteers.shift_create": _l("Shift created"),
    "volunteers.shift_cancel": _l("Shift cancelled"),
    "volunteers.shift_book": _l("Shift booked"),
    "volunteers.shift_unbook": _l("Shift booking cancelled"),
    "volunteers.waitlist_promote": _l("Moved from the waiting list"),
    "volunteers.badge_renew": _l("Badge renewed"),
    "volunteers.kiosk_check_in": _l("Arrival at the kiosk"),
    "volunteers.kiosk_check_out": _l("Departure at the kiosk"),
    "volunteers.attendance_mark": _l("Attendance marked"),
    "volunteers.day_validate": _l("Day sheet validated"),
    "volunteers.competences_confirm": _l("Competences confirmed"),
    "volunteers.competences_confirm_own": _l("Competences confirmed by the participant"),
    "volunteers.goal_create": _l("Insertion goal created"),
    "volunteers.goal_update": _l("Insertion goal changed"),
    "volunteers.piis_update": _l("PIIS updated"),
    "volunteers.piis_review_add": _l("PIIS review added"),
    "volunteers.evaluation_record": _l("Evaluation recorded"),
    "volunteers.attestation_issue": _l("Attestation issued"),
    "volunteers.allowance_record": _l("Volunteer allowance recorded"),
    "volunteers.workshop_create": _l("Workshop created"),
    "volunteers.workshop_session_create": _l("Workshop session planned"),
    "volunteers.workshop_signup": _l("Workshop sign-up"),
    "volunteers.workshop_signup_cancel": _l("Workshop sign-up cancelled"),
    "volunteers.workshop_attendance": _l("Workshop attendance recorded"),
    "outbox.cancel": _l("Message of the outbox cancelled"),
    "outbox.retry": _l("Failed message tried again"),
    "outbox.staff_address": _l("Address for reminders changed"),
}

#: Record types (table names) in words.
TARGET_LABELS = {
    "users": _l("Account"),
    "sites": _l("Site"),
    "settings": _l("Settings"),
    "households": _l("Household"),
    "household_members": _l("Member"),
    "household_cards": _l("Card"),
    "eligibility_criteria": _l("Eligibility criterion"),
    "eligibility_decisions": _l("Eligibility decision"),
    "till_sessions": _l("Till session"),
    "sales": _l("Sale"),
    "import_batches": _l("Import"),
    "product_categories": _l("Category"),
    "products": _l("Product"),
    "donors": _l("Donor"),
    "donations": _l("Reception"),
    "lots": _l("Lot"),
    "stock_counts": _l("Stock count"),
    "volunteer_participants": _l("Participant"),
    "volunteer_activities": _l("Activity"),
    "volunteer_competences": _l("Competence"),
    "volunteer_shift_templates": _l("Recurring shift"),
    "volunteer_shifts": _l("Shift"),
    "volunteer_assignments": _l("Shift booking"),
    "volunteer_day_sheets": _l("Day sheet"),
    "volunteer_goals": _l("Insertion goal"),
    "volunteer_piis_reviews": _l("PIIS review"),
    "volunteer_evaluations": _l("Evaluation"),
    "volunteer_attestations": _l("Attestation"),
    "volunteer_workshops": _l("Workshop"),
    "volunteer_workshop_sessions": _l("Workshop session"),
    "volunteer_workshop_signups": _l("Workshop sign-up"),
    "outbox_messages": _l("Message of the outbox"),
}

#: Detail keys (and the field names listed in changes) in words.
DETAIL_LABELS = {
    "username": _l("Username"), "role": _l("Role"), "site": _l("Site"), "display_name": _l("Name"),
    "preferred_language": _l("Language"), "changes": _l("Changes"), "bytes": _l("Size (bytes)"),
    "content_type": _l("File type"), "reference": _l("Reference"), "fields": _l("Fields changed"),
    "closed_on": _l("Closed on"), "member_id": _l("Member"), "relation": _l("Relation"), "name": _l("Name"),
    "active": _l("In use"), "is_active": _l("In use"), "household_id": _l("Household"), "outcome": _l("Outcome"),
    "valid_from": _l("Valid from"), "valid_until": _l("Valid until"), "budget_cents": _l("Budget"),
    "budget_period": _l("Budget period"), "budget_overridden": _l("Budget differs from the scale"),
    "old_proofs": _l("Proofs too old"), "card_id": _l("Card"), "replaced_card_ids": _l("Cards replaced"),
    "reason": _l("Reason"), "till": _l("Till"), "float_cents": _l("Float"), "amount_cents": _l("Amount"),
    "expected_cents": _l("Expected in the drawer"), "counted_cents": _l("Counted"),
    "difference_cents": _l("Difference"), "before": _l("Explanation before"), "after": _l("Explanation"),
    "from_user_id": _l("From account"), "to_user_id": _l("To account"), "refund_id": _l("Refund"),
    "condition": _l("State of the goods"), "lines": _l("Lines"), "prints": _l("Prints"), "file": _l("File"),
    "source": _l("Source"), "created": _l("Created"), "lines_read": _l("Lines read"),
    "lines_imported": _l("Lines imported"), "lines_present": _l("Lines already present"),
    "lines_invalid": _l("Lines with errors"), "years": _l("Years"), "count": _l("Number"),
    "barcode": _l("Barcode"), "code": _l("Code"), "kind": _l("Type"), "donor": _l("Donor"),
    "retail_cents": _l("Retail value"), "quantity": _l("Quantity"), "note": _l("Note"), "category": _l("Category"),
    "adjusted": _l("Adjusted"), "category_id": _l("Category"), "unit_kind": _l("Sold by"),
    "net_weight_g": _l("Net weight (g)"), "retail_price_cents": _l("Retail price"), "price_rule": _l("Price rule"),
    "social_price_cents": _l("Social price"), "social_percent": _l("Percentage of retail"),
    "quota_quantity": _l("Quota"), "quota_scope": _l("Quota applies"), "quota_period": _l("Quota period"),
    "low_stock_threshold": _l("Low-stock threshold"), "default_social_percent": _l("Default social price (%)"),
    "sort_order": _l("Order"), "contact": _l("Contact"), "engagement_type": _l("Engagement type"),
    "status": _l("Status"), "competences": _l("Competences"), "from": _l("From"), "to": _l("To"),
    "shift": _l("Shift"), "attendance": _l("Attendance"), "day": _l("Day"), "people": _l("People"),
    "supervisor": _l("Confirmed by the supervisor"), "participant": _l("Participant"), "consent": _l("Consent"),
    "has_piis": _l("PIIS signed"), "previous_cents": _l("Previous amount"), "title": _l("Title"),
    "session": _l("Session"), "linked": _l("Linked"), "lots": _l("Lots"), "street": _l("Street and number"),
    "postcode": _l("Postcode"), "municipality": _l("Municipality"), "phone": _l("Phone"), "email": _l("E-mail"),
    "proxy_names": _l("Authorised proxy shoppers"), "consent_on": _l("Consent given on"),
    "notes": _l("Confidential notes"), "first_name": _l("First name"), "last_name": _l("Last name"),
    "birth_on": _l("Birth date"), "national_number": _l("National register number"), "sex": _l("Sex"),
    "presence_percent": _l("Share of the time in the household (%)"),
    "recipient": _l("Recipient"), "last_error": _l("Last error"), "accepts_reminders": _l("Reminders by e-mail"),
}

#: Details whose values are personal data (names, contact, free text about people): the log says that they
#: changed, not what they hold.
PERSONAL_DETAILS = {"username", "display_name", "contact", "before", "after", "street", "phone", "email",
                    "proxy_names", "notes", "first_name", "last_name", "birth_on", "national_number", "sex",
                    "from_user_id", "to_user_id", "file", "recipient"}


def action_label(action: str) -> str:
    """The action in words; an action unknown to this version (an older record) reads "Other change"."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else _("Other change")


def target_label(target_type: str | None, target_id: str | None) -> str:
    """"Till session no. 4", "Settings"; empty when the event names no record."""
    if not target_type:
        return ""
    kind = str(TARGET_LABELS.get(target_type, _l("Record")))
    return _("%(record)s no. %(number)s", record=kind, number=target_id) if target_id else kind


def _value_labels() -> dict[str, dict]:
    """Code values shown in words, by detail key (read from the domains' own labels)."""
    from grocery.auth.roles import ROLE_LABELS
    from grocery.households.forms import CARD_REASON_LABELS, OUTCOME_LABELS, PERIOD_LABELS, RELATION_LABELS
    from grocery.stock.forms import (
        DONOR_KIND_LABELS,
        PRICE_RULE_LABELS,
        QUOTA_PERIOD_LABELS,
        QUOTA_SCOPE_LABELS,
        UNIT_LABELS,
        WASTE_REASON_LABELS,
    )
    from grocery.volunteers.models import ATTENDANCE, ENGAGEMENT_TYPES

    return {"role": {str(k): v for k, v in ROLE_LABELS.items()}, "outcome": OUTCOME_LABELS,
            "budget_period": PERIOD_LABELS, "relation": RELATION_LABELS,
            "reason": {**CARD_REASON_LABELS, **WASTE_REASON_LABELS}, "kind": DONOR_KIND_LABELS,
            "price_rule": PRICE_RULE_LABELS, "quota_period": QUOTA_PERIOD_LABELS, "quota_scope": QUOTA_SCOPE_LABELS,
            "unit_kind": UNIT_LABELS, "attendance": ATTENDANCE, "engagement_type": ENGAGEMENT_TYPES}


def _format(key: str, value, codes: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key.endswith("_cents") and isinstance(value, int):
        return format_money(value)
    if isinstance(value, int | float):
        return format_decimal(value)
    if isinstance(value, list):
        return ", ".join(_format(key, item, codes) for item in value) or "—"
    if isinstance(value, str):
        if key in codes and value in codes[key]:
            return str(codes[key][value])
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return format_local_date(date.fromisoformat(value))
            except ValueError:
                return value
    return str(value)


def detail_label(key: str) -> str:
    from grocery.settings.registry import DEFINITIONS

    label = DETAIL_LABELS.get(key)
    if label is None and key in DEFINITIONS:
        label = DEFINITIONS[key].label
    return str(label) if label is not None else _("Other detail")


def describe_details(details: dict | None) -> list[tuple[str, str]]:
    """(label, value in words) for each detail of an event. A change [old, new] reads "old → new"; field names
    read as their labels; personal data reads "changed", never its content."""
    codes = _value_labels()
    lines = []
    for key, value in (details or {}).items():
        if key in PERSONAL_DETAILS:
            lines.append((detail_label(key), _("changed (personal data, not shown)")))
        elif key == "fields" and isinstance(value, list):
            lines.append((detail_label(key), ", ".join(detail_label(str(name)) for name in value) or "—"))
        elif key == "changes" and isinstance(value, dict):
            lines.extend(describe_details(value))
        elif key == "lines" and isinstance(value, dict):
            lines.append((detail_label(key), format_decimal(len(value))))
        elif isinstance(value, list) and len(value) == 2 and key not in ("replaced_card_ids", "lots",
                                                                            "competences"):
            old, new = (_format(key, item, codes) for item in value)
            lines.append((detail_label(key), f"{old} → {new}"))
        else:
            lines.append((detail_label(key), _format(key, value, codes)))
    return lines
