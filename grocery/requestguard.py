"""Request guard: refuse NUL characters and over-deep JSON with a 400 before any view reads the request."""

from __future__ import annotations

import re

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l

from grocery.errors import BadInput

#: Deepest nesting of arrays/objects a JSON body may have; the till's bodies are three levels deep.
MAX_JSON_DEPTH = 32
#: Largest JSON body read (the till's largest sale is a few kilobytes); larger ones are refused with a 413.
MAX_JSON_BYTES = 1024 * 1024
_SPECIAL = re.compile(r'[\[\]{}"\\]')


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays/objects deeper than `limit`, found by one linear scan of its brackets,
    quotes and backslashes without parsing (so a body nested 100,000 deep never reaches the recursive parser).
    Brackets inside strings do not count."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth, in_string, escaped_at = 0, False, -1
    for match in _SPECIAL.finditer(text):
        position, char = match.start(), match.group()
        if position == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = position + 1
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
    """Refuse a request whose query string, URL-encoded form, URL or JSON body holds a NUL character, or whose JSON
    body nests deeper than MAX_JSON_DEPTH: no text column may store NUL (PostgreSQL refuses it), nothing reads such
    JSON."""
    values = [*request.args.values(), *(request.view_args or {}).values()]
    # Multipart bodies (uploads) are left to their views, which may read them as a stream; their text fields meet
    # the safety net of grocery/errors.py instead.
    if request.method != "GET" and request.mimetype == "application/x-www-form-urlencoded":
        values += [*request.form.keys(), *request.form.values()]
    if any(isinstance(value, str) and "\x00" in value for value in [*request.args.keys(), *values]):
        raise BadInput(NUL_MESSAGE)
    if request.is_json and request.content_length != 0:
        if (request.content_length or 0) > MAX_JSON_BYTES:
            abort(413)
        text = request.get_data(as_text=True)
        if json_depth_exceeds(text):
            raise BadInput(DEPTH_MESSAGE)
        if ("\\u0000" in text or "\x00" in text) and _has_nul(request.get_json(silent=True)):
            raise BadInput(NUL_MESSAGE)
    return None


def init_request_guard(app: Flask) -> None:
    app.before_request(guard_request)
