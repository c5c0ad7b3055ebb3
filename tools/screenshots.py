"""Screenshots of every page of the app with demo data, for each role, at a phone, tablet and desk size."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.utils import ARGUMENT_TABLES  # noqa: E402 - after the path above

#: Viewport sizes: a phone (volunteers checking their shifts), a tablet in landscape (back room, till), a desk.
SIZES = [(390, 844), (1024, 768), (1280, 800)]
#: Demo accounts (grocery/cli.py DEMO_USERS) in the order the screenshots are taken.
ROLES = ["caisse", "stock", "social", "coordination", "admin"]
#: Endpoints that are not pages (files, JSON, redirects after an action) or end the session.
NOT_PAGES = {"static", "auth.logout", "main.health", "settings.logo", "till_openapi.document"}
#: Chromium flags for a headless browser in a container.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def page_urls(app, db, role) -> list[tuple[str, str]]:
    """(endpoint, URL) of the GET pages `role` may open, each id argument naming the first row of its table; an
    argument with no row skips the page."""
    from sqlalchemy import text

    from grocery.auth.roles import PUBLIC, declared_roles

    urls = []
    seen = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint in NOT_PAGES or rule.endpoint in seen or "GET" not in rule.methods:
            continue
        if rule.endpoint.startswith("till_api.") or rule.endpoint.endswith("_csv"):
            continue
        declared = declared_roles(app.view_functions[rule.endpoint])
        if declared is not PUBLIC and (declared is None or role not in declared):
            continue
        values = {}
        for name in rule.arguments:
            if name == "session_id":
                table = "till_sessions" if rule.endpoint.startswith("checkout.") else "volunteer_workshop_sessions"
                values[name] = db.session.execute(text(f"SELECT min(id) FROM {table}")).scalar()  # noqa: S608
            elif name in ARGUMENT_TABLES:
                sql = f"SELECT min(id) FROM {ARGUMENT_TABLES[name]}"  # noqa: S608 - names from the table above
                values[name] = db.session.execute(text(sql)).scalar()
            elif name == "user_id":
                values[name] = db.session.execute(text("SELECT max(id) FROM users")).scalar()
            elif name == "card_code":
                values[name] = db.session.execute(text("SELECT min(code) FROM household_cards")).scalar()
            elif name == "day":
                from grocery.timeutil import local_today

                values[name] = local_today().isoformat()
            else:
                values[name] = None
        if any(value is None for value in values.values()):
            continue
        seen.add(rule.endpoint)
        urls.append((rule.endpoint, rule.build(values)[1]))
    return urls


def open_browser(playwright):
    return playwright.chromium.launch(executable_path=os.environ.get("GROCERY_CHROMIUM", "/usr/bin/chromium"),
                                      args=CHROMIUM_ARGS)


def log_in(context, base: str, username: str, password: str):
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    return page


def widths(page) -> tuple[int, int]:
    """(document width, viewport width) in CSS pixels: wider than the viewport means a sideways scroll."""
    return page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")


def is_html_page(page, url: str) -> bool:
    response = page.request.get(url, max_redirects=0)
    return response.status == 200 and response.headers.get("content-type", "").startswith("text/html")


def open_kiosk(page, base: str) -> None:
    """Turn the session into kiosk mode (the page a tablet at the entrance shows); it stays so until left."""
    page.goto(f"{base}/volunteers/kiosk")
    page.click("form[action$='/kiosk/open'] button")
    page.wait_for_selector(".kiosk-main")


def _kiosk(page, base, out, username, sizes, overflows) -> int:
    open_kiosk(page, base)
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(50)
        page_width, viewport = widths(page)
        if page_width > viewport:
            overflows.append(f"{username:<13} {width}x{height} {'kiosk (open)':<40} {page_width} px")
        page.screenshot(path=out / f"{username}-kiosk-open-{width}.png", full_page=True)
    return len(sizes)


def _serve(app, port: int):
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots", help="folder of the PNG files")
    parser.add_argument("--port", type=int, default=5114)
    parser.add_argument("--roles", default=",".join(ROLES), help="demo accounts, comma-separated")
    parser.add_argument("--sizes", default=",".join(f"{w}x{h}" for w, h in SIZES), help="e.g. 390x844,1024x768")
    parser.add_argument("--only", default="", help="endpoints containing this text (e.g. volunteers.)")
    parser.add_argument("--language", default="", help="the demo accounts' language (fr, nl, en; default: theirs)")
    args = parser.parse_args(argv)
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]

    workdir = tempfile.mkdtemp(prefix="grocery-screens-")
    os.environ["GROCERY_DATABASE_URL"] = f"sqlite:///{workdir}/demo.sqlite"
    os.environ.setdefault("GROCERY_SECRET_KEY", "screenshots-only")
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright

    from grocery import create_app
    from grocery.auth.models import User
    from grocery.cli import DEMO_PASSWORD
    from grocery.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["demo"])
    if result.exit_code != 0:
        print(result.output, file=sys.stderr)
        return 1
    if args.language:
        with app.app_context():
            for user in db.session.scalars(db.select(User)):
                user.preferred_language = args.language
            db.session.commit()
    server = _serve(app, args.port)
    base = f"http://127.0.0.1:{args.port}"
    args.out.mkdir(parents=True, exist_ok=True)
    overflows = []
    count = 0
    try:
        with sync_playwright() as playwright:
            browser = open_browser(playwright)
            for username in args.roles.split(","):
                with app.app_context():
                    user = db.session.scalar(db.select(User).filter_by(username=username))
                    urls = [(e, u) for e, u in page_urls(app, db, user.role_enum) if args.only in e]
                # The browser's own locale (date inputs, number formats) as a Belgian user's.
                context = browser.new_context(viewport={"width": sizes[0][0], "height": sizes[0][1]},
                                              locale=f"{args.language or 'fr'}-BE")
                page = log_in(context, base, username, DEMO_PASSWORD)
                for endpoint, url in urls:
                    if not is_html_page(page, base + url):
                        continue
                    page.goto(base + url)
                    for width, height in sizes:
                        page.set_viewport_size({"width": width, "height": height})
                        page.wait_for_timeout(50)
                        page_width, viewport = widths(page)
                        if page_width > viewport:
                            overflows.append(f"{username:<13} {width}x{height} {endpoint:<40} {page_width} px")
                        page.screenshot(path=args.out / f"{username}-{endpoint}-{width}.png", full_page=True)
                        count += 1
                # The menu, folded and open, on a phone.
                page.set_viewport_size({"width": 390, "height": 844})
                page.goto(base + "/")
                page.screenshot(path=args.out / f"{username}-menu-folded-390.png")
                toggle = page.locator(".menu-toggle")
                if toggle.count() and toggle.is_visible():
                    toggle.click()
                    page.screenshot(path=args.out / f"{username}-menu-open-390.png", full_page=True)
                count += 1
                if "volunteers.kiosk" in dict(urls):
                    count += _kiosk(page, base, args.out, username, sizes, overflows)
                context.close()
            browser.close()
    finally:
        server.shutdown()
    print(f"{count} screenshots in {args.out}")
    if overflows:
        print("Wider than the viewport (document width):")
        print("\n".join(overflows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
