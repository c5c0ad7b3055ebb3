"""Request guard: refuse NUL characters and over-deep JSON with a 400 before any view reads the request."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l

from grocery.errors import BadInput

#: Deepest nesting of arrays/objects a JSON body may have; the till's bodies are three levels deep.
MAX_JSON_DEPTH = 32


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays/objects deeper than `limit`, found by one scan without parsing (so a body
    nested 100,000 deep never reaches the recursive parser). Brackets inside strings do not count."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _has_nul(value) -> bool:
    """Whether a parsed JSON value holds a NUL character in any string (key or value); depth is already bounded."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


NUL_MESSAGE = _l("The request holds an invisible NUL character: remove it and send again.")
DEPTH_MESSAGE = _l("The request is nested too deeply to be read.")


def guard_request():
    """Refuse a request whose query string, form, URL or JSON body holds a NUL character, or whose JSON body nests
    deeper than MAX_JSON_DEPTH: no text column may store NUL (PostgreSQL refuses it) and nothing reads such JSON."""
    values = [*request.args.values(), *(request.view_args or {}).values()]
    if request.method != "GET" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.keys(), *request.form.values()]
    if any(isinstance(value, str) and "\x00" in value for value in [*request.args.keys(), *values]):
        raise BadInput(NUL_MESSAGE)
    if request.is_json and request.content_length != 0:
        text = request.get_data(as_text=True)
        if json_depth_exceeds(text):
            raise BadInput(DEPTH_MESSAGE)
        if ("\\u0000" in text or "\x00" in text) and _has_nul(request.get_json(silent=True)):
            raise BadInput(NUL_MESSAGE)
    return None


def init_request_guard(app: Flask) -> None:
    app.before_request(guard_request)
