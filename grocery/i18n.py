"""Interface languages and their Belgian formatting locales; documents printed in their reader's language."""

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from babel import Locale, UnknownLocaleError
from flask import current_app, has_app_context, has_request_context, render_template, session
from flask_babel import force_locale, get_locale
from flask_login import current_user
from markupsafe import Markup

#: The name of each interface language, in that language (what the language switch and forms show).
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}
#: Languages a person's documents can be printed in (database CHECK of donors and participants; adding a
#: language means catalogs, GROCERY_LOCALES, this tuple and a migration widening those checks).
DOCUMENT_LANGUAGES = tuple(LANGUAGE_NAMES)
#: Dates, numbers and money follow Belgian usage whatever the language: day/month/year and the euro
#: (fr_BE, nl_BE, en_BE), never the American "2/12/26".
TERRITORY = "BE"
_FALLBACK = "fr"


def interface_languages() -> tuple[str, ...]:
    """The configured interface languages (GROCERY_LOCALES), French first by default."""
    return tuple(current_app.config["GROCERY_LOCALES"]) if has_app_context() else tuple(LANGUAGE_NAMES)


def default_language() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"] if has_app_context() else _FALLBACK


def cli_language() -> str:
    """The language of the messages of the `flask` commands: GROCERY_CLI_LANGUAGE when it names an interface
    language ("nl", "nl_BE" and "nl_BE.UTF-8" all give "nl"), else the installation's default language
    (GROCERY_DEFAULT_LOCALE). The shell's LANG is not read: a server's is often C or en_US whatever the language
    of the grocery."""
    wanted = (current_app.config.get("GROCERY_CLI_LANGUAGE") or "").strip().replace("-", "_")
    language = wanted.split(".")[0].split("_")[0].lower()
    return language if language in interface_languages() else default_language()


def language_choices() -> list[tuple[str, str]]:
    """(code, name) of every interface language, for a select field."""
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in interface_languages()]


def formatting_locale(language: str | Locale | None = None) -> Locale:
    """The Babel locale that formats dates, numbers and money for a language: its Belgian variant.

    Without an argument, the active locale (the user's, or the one forced for a document). A locale that
    already names a territory keeps it.
    """
    if language is None:
        language = get_locale() or default_language()
    return _belgian(str(language).replace("-", "_"))


@cache
def _belgian(identifier: str) -> Locale:
    locale = Locale.parse(identifier)
    if locale.territory:
        return locale
    try:
        return Locale(locale.language, TERRITORY)
    except UnknownLocaleError:  # a language without a Belgian variant keeps its own formats
        return locale


def locale_for(language: str | None) -> str:
    """The locale to render in for a person's preferred language: an interface language gets its Belgian
    variant ("nl" -> "nl_BE"); a language the interface does not offer (German, other) gets the default."""
    if language not in interface_languages():
        language = default_language()
    return str(formatting_locale(language))


def select_locale() -> str:
    """Flask-Babel's locale selector: the logged-in user's language (kept on the account), else the visitor's
    choice kept in the session, else the default; always with the Belgian territory for formats."""
    languages = interface_languages()
    language = None
    if getattr(current_user, "is_authenticated", False) and current_user.preferred_language in languages:
        language = current_user.preferred_language
    elif has_request_context() and session.get("lang") in languages:
        language = session["lang"]
    return locale_for(language)


@contextmanager
def in_language(language: str | None) -> Iterator[str]:
    """Render a document for its reader: messages, dates and money in `language` (see locale_for) inside the
    block, the user's own language again after it. Yields the language code used (for the lang attribute)."""
    locale = locale_for(language)
    with force_locale(locale):
        yield locale.split("_")[0]


def render_document(template: str, language: str | None, **context) -> Markup:
    """A document (a card, a receipt) rendered in its reader's language, to be placed in a page whose buttons and
    instructions stay in the user's language. The template gets `document_language` for its lang attribute."""
    with in_language(language) as code:
        return Markup(render_template(template, document_language=code, **context))  # noqa: S704 - autoescaped


def sort_key(text) -> tuple[str, str]:
    """A key to sort names as a reader of French or Dutch expects, without a collation library: accents and case
    folded first ("Céleri-rave" before "Crème", "émile" beside "Emma"), then the exact text to break ties. Python's
    own order puts every accented or capital letter after "z"."""
    text = str(text or "")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold(), text
