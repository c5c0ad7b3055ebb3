"""The till's service worker (static/js/checkout/sw.js), served at /till/sw.js so that it may control the checkout
screen (/till/...): the checkout page opens offline once it was opened online. The script is sent with the list of
static files it keeps and a version computed from their contents, so that a deploy that changes any of them changes
the worker, which the browser then installs with fresh caches."""

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import current_app, url_for

from grocery.auth.roles import public
from grocery.checkout import bp

#: The static files of the checkout screen, as globs under static/: its scripts, styles (sites.css: the site picker
#: of a user who works at several sites), icon and vendored libraries.
TILL_STATIC = ("js/checkout/*.js", "js/app.js", "js/menu.js", "css/app.css", "css/checkout.css", "css/till_site.css",
               "css/sites.css",
               "img/favicon.svg", "vendor/*/*.js", "sounds/*")
WORKER = "js/checkout/sw.js"


def till_static_files(static_folder: Path) -> list[str]:
    """The static files the worker keeps (relative to static/, sorted); not the worker itself."""
    found = {path.relative_to(static_folder).as_posix()
             for pattern in TILL_STATIC for path in static_folder.glob(pattern) if path.is_file()}
    found.discard(WORKER)
    return sorted(found)


@lru_cache(maxsize=8)
def _version(files: tuple[tuple[str, int, int], ...], static_folder: str) -> str:
    digest = hashlib.sha256()
    for name, _mtime, _size in files:
        digest.update(name.encode())
        digest.update((Path(static_folder) / name).read_bytes())
    return digest.hexdigest()[:16]


def worker_version(static_folder: Path, files: list[str]) -> str:
    """A hash of the worker's and the kept files' contents (recomputed only when a file's time or size changed)."""
    stats = []
    for name in [WORKER, *files]:
        stat = (static_folder / name).stat()
        stats.append((name, stat.st_mtime_ns, stat.st_size))
    return _version(tuple(stats), str(static_folder))


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker with its settings; no personal data, so open to anyone (the browser checks it for updates
    even after a logout). Never cached by the HTTP cache: the browser sees a deploy at the next check."""
    static_folder = Path(current_app.static_folder)
    files = till_static_files(static_folder)
    config = {
        "version": worker_version(static_folder, files),
        "precache": [url_for("static", filename=name) for name in files],
        "static": url_for("static", filename=""),
        "catalogue": url_for("till_api.catalogue"),
        "screen": url_for("checkout.index") + "sessions/",
        "login": url_for("auth.login"),
    }
    body = f"self.GROCERY_SW = {json.dumps(config)};\n" + (static_folder / WORKER).read_text(encoding="utf-8")
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for("checkout.index")
    return response
