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
