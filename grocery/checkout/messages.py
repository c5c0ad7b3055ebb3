"""Messages the till's JavaScript shows, translated on the server (passed to the page as JSON)."""

from flask_babel import gettext as _


def till_messages() -> dict[str, str]:
    return {
        "scan_card": _("Scan the household card."),
        "card_first": _("Scan the household card first."),
        "card_ok": _("Card accepted: scan the products."),
        "other_card": _("Card of another household: finish this sale or park it first."),
        "valid_until": _("valid until %(date)s"),
        "proxies": _("Authorised proxies: %(names)s"),
        "quota_left": _("%(name)s: %(left)s left"),
        "badge_not_product": _("%(code)s is a volunteer badge, not a product."),
        "invalid_code": _("Unreadable code %(code)s: scan it again or type it."),
        "unknown_code": _("Unknown code %(code)s: nothing added. Put the product aside for the stock manager."),
        "no_stock": _("not in stock according to the catalogue"),
        "free_programme": _("Free (programme)"),
        "past_best_before": _("Best-before date passed"),
        "less": _("One less"),
        "more": _("One more"),
        "void_line": _("Remove the line"),
        "line_voided": _("%(name)s removed."),
        "bad_weight": _("Type a weight in kg, for example 1,250."),
        "bad_quantity": _("Type a quantity, for example 2."),
        "fix_violations": _("Some lines must change before paying: see in red."),
        "quote_ok": _("Total checked: you can take the payment."),
        "parked": _("Sale parked. Resume it with the Resume button."),
        "no_household": _("No household"),
        "items_count": _("%(n)s lines"),
        "nothing_parked": _("No parked sale."),
        "confirm_new": _("Start a new sale? The current lines will be lost."),
        "camera_denied": _("The camera is not allowed: allow it in the browser, or use the scanner."),
        "camera_missing": _("No camera available here (the camera needs HTTPS)."),
        "pending": _("Quantity typed: %(n)s (scan the product)"),
        "catalogue_loading": _("Loading the catalogue…"),
        "catalogue_failed": _("The catalogue did not load: reload the page."),
    }
