"""Small helpers for view tests."""

import html


def text_of(response) -> str:
    """The response body with HTML entities decoded, to search for French messages (l'apostrophe)."""
    return html.unescape(response.get_data(as_text=True))
