"""The till's service worker as the server sends it: at /till/sw.js (scope /till/), never cached by the HTTP cache,
with the static files of the checkout page it keeps and a version that changes with any of them."""

import json
import re

from grocery.checkout.service_worker import till_static_files, worker_version


def _config(body: str) -> dict:
    match = re.match(r"self\.GROCERY_SW = (\{.*?\});\n", body)
    assert match, body[:200]
    return json.loads(match.group(1))


def test_the_worker_is_served_for_the_till_scope(client, db):
    """Anyone gets it (no personal data in it; the browser checks it for updates after a logout too): JavaScript,
    no-cache, allowed to control /till/, followed by the worker's code."""
    response = client.get("/till/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/till/"
    body = response.get_data(as_text=True)
    assert 'self.addEventListener("fetch"' in body
    config = _config(body)
    assert config["catalogue"] == "/api/till/catalogue" and config["screen"] == "/till/sessions/"
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])


def test_the_worker_keeps_the_pages_static_files_and_nothing_else(client, db, till):
    """The precache list is the checkout page's scripts, styles, icon and vendored libraries: every script and
    stylesheet the page loads is in it; not the worker itself, no page, no API."""
    precache = set(_config(client.get("/till/sw.js").get_data(as_text=True))["precache"])
    page = client.get(f"/till/sessions/{till.id}/screen").get_data(as_text=True)
    loaded = set(re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css|svg))"', page))
    assert loaded and loaded <= precache
    assert "/static/js/checkout/sw_register.js" in loaded
    assert "/static/vendor/zxing-library-0.23.0/zxing.min.js" in precache  # the camera's library, loaded later
    assert "/static/js/checkout/sw.js" not in precache
    assert all(path.startswith("/static/") for path in precache)


def test_the_version_changes_with_any_kept_file(tmp_path):
    """A deploy that changes a kept file or the worker changes the version (the browser then installs the new
    worker with fresh caches); the same files give the same version."""
    (tmp_path / "js" / "checkout").mkdir(parents=True)
    (tmp_path / "css").mkdir()
    (tmp_path / "js" / "checkout" / "sw.js").write_text("// worker")
    (tmp_path / "js" / "checkout" / "till.js").write_text("// till v1")
    (tmp_path / "css" / "checkout.css").write_text("body {}")
    files = till_static_files(tmp_path)
    assert files == ["css/checkout.css", "js/checkout/till.js"]
    first = worker_version(tmp_path, files)
    assert worker_version(tmp_path, files) == first
    (tmp_path / "js" / "checkout" / "till.js").write_text("// till v2, longer")
    second = worker_version(tmp_path, files)
    assert second != first
    (tmp_path / "js" / "checkout" / "sw.js").write_text("// worker v2, longer")
    assert worker_version(tmp_path, files) not in (first, second)
