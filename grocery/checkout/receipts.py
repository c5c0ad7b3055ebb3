"""What the receipt shows: lines grouped by product, free programme goods marked, savings, budget left; the figures
that could change later (budget left, names) as they were at the time of the sale, so a reprint shows the same."""

from grocery.checkout.models import Sale
from grocery.extensions import db
from grocery.settings.services import get_setting


def receipt_data(sale: Sale) -> dict:
    """Receipt figures for a sale (no social data beyond the greeting name the till already shows): the budget left
    after the sale, the greeting and the product names as they were at the time of the sale (kept on the sale);
    the refunds as they are now. A sale recorded before these were kept (migration 0010) shows today's budget
    left and names, and says so (budget_left_today)."""
    from grocery.checkout.visit import sale_proxy_name
    from grocery.households.models import Household
    from grocery.households.services import budget_left, display_name
    from grocery.stock.services import format_quantity
    from grocery.timeutil import local_today

    figures = sale.receipt_figures or {}
    names = figures.get("products") or {}
    grouped: dict[int, dict] = {}
    for line in sale.lines:
        entry = grouped.setdefault(line.product_id, {
            "name": names.get(str(line.product_id)) or line.product.name, "quantity": 0, "price_cents": 0,
            "retail_cents": 0, "free_quantity": 0,
            "product": line.product, "past_best_before": False})
        entry["quantity"] += line.quantity
        entry["price_cents"] += line.price_cents
        entry["retail_cents"] += line.retail_cents
        entry["past_best_before"] |= line.past_best_before
        if line.is_free_programme:
            entry["free_quantity"] += line.quantity
    for entry in grouped.values():
        entry["quantity_label"] = format_quantity(entry["product"], entry["quantity"])
        entry["all_free"] = entry["free_quantity"] == entry["quantity"]
    household = db.session.get(Household, sale.household_id)
    refunded = sum(refund.amount_cents for refund in sale.refunds)
    left = sale.budget_left_cents
    return {
        "org_name": get_setting("org.name"),
        "org_address": get_setting("org.address"),
        "lines": list(grouped.values()),
        "greeting": figures.get("greeting") or display_name(household),
        "budget_left_cents": budget_left(household, local_today()) if left is None else left,
        #: True only for a sale recorded before the budget left after it was kept: the figure is today's.
        "budget_left_today": left is None,
        "refunded_cents": refunded,
        "reprint": sale.receipt_prints >= 1,
        #: The proxy who shopped for the household (grocery.appointments SaleProxy), None when it shopped itself.
        "proxy_name": sale_proxy_name(sale.id),
    }
