"""Small helpers for view tests."""

import html
import re


def text_of(response) -> str:
    """The response body with HTML entities decoded, to search for French messages (l'apostrophe)."""
    return html.unescape(response.get_data(as_text=True))


def invalid_fields(response) -> list[str]:
    """The names of the inputs a page marks aria-invalid="true", in page order (a form sent back with errors)."""
    page = response.get_data(as_text=True)
    return [re.search(r'name="([^"]+)"', tag).group(1)
            for tag in re.findall(r"<(?:input|select|textarea)[^>]*>", page) if 'aria-invalid="true"' in tag]


#: The table holding the rows each URL argument names (the route walk and tools/screenshots.py use its
#: first row, so forms are filled in).
ARGUMENT_TABLES = {
    "activity_id": "volunteer_activities", "assignment_id": "volunteer_assignments", "barcode_id": "product_barcodes",
    "category_id": "product_categories", "count_id": "stock_counts", "criterion_id": "eligibility_criteria",
    "donation_id": "donations", "donor_id": "donors", "goal_id": "volunteer_goals", "household_id": "households",
    "line_id": "donation_lines", "lot_id": "lots", "member_id": "household_members", "message_id": "outbox_messages",
    "participant_id": "volunteer_participants", "product_id": "products", "sale_id": "sales",
    "shift_id": "volunteer_shifts", "site_id": "sites", "template_id": "volunteer_shift_templates",
    "transfer_id": "stock_transfers", "workshop_id": "volunteer_workshops",
    "appointment_id": "appointments", "mandate_id": "proxy_mandates", "opening_line_id": "appointment_opening_lines",
    "slot_id": "appointment_slots", "standing_id": "appointment_standing",
}
