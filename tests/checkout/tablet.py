"""What the till's browser tests do at the start: a tablet (Debian's Chromium) and a cashier opening the till."""

from tests.factories import PASSWORD

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def launch_tablet(playwright, chromium_path, *, width=1024, height=768, locale="fr-BE"):
    """(browser, context, page) of a tablet at this size, in this language."""
    browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    return browser, context, context.new_page()


def open_till_screen(page, live_server, username, *, float_amount="50,00"):
    """Log in as `username`, open the till with a float and wait until the checkout screen is ready."""
    page.goto(live_server + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit].primary")
    page.goto(live_server + "/till/")
    page.click("text=Ouvrir la caisse")
    page.fill("#float_cents", float_amount)
    page.click("main button[type=submit].primary")
    page.wait_for_selector("#till[data-ready='1']")
