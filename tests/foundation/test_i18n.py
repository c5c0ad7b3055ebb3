"""Every user-facing string has a French translation, and the compiled catalogs are up to date."""

from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from grocery import ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("**.py", "python"), ("**.html", "jinja2")]
FOUNDATION_TEMPLATES = ["base.html", "_macros", "_partials", "errors", "auth", "admin", "settings", "main"]


def _catalogs() -> list[Path]:
    return sorted((ROOT / "grocery").glob("**/translations/fr/LC_MESSAGES/messages.po"))


def _domain_sources(catalog: Path) -> list[Path]:
    package = catalog.parents[3]
    if package.name == "grocery":
        templates = ROOT / "templates"
        return [*package.glob("*.py"), *(package / d for d in ("auth", "admin", "audit", "settings", "main")),
                *(templates / d for d in FOUNDATION_TEMPLATES)]
    return [package, ROOT / "templates" / package.name]


def _extract(path: Path) -> set[str]:
    if path.is_file():
        messages = [item[1] for item in extract_from_file("python", str(path), keywords=KEYWORDS)]
    elif path.is_dir():
        messages = [item[2] for item in extract_from_dir(str(path), method_map=METHODS, keywords=KEYWORDS)]
    else:
        return set()
    return {message if isinstance(message, str) else message[0] for message in messages}


def test_every_message_is_translated_in_french():
    """Is any string in the code or templates missing from its French catalog, or left untranslated?"""
    catalogs = _catalogs()
    assert catalogs
    for po_path in catalogs:
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                      if m.id and m.string and "fuzzy" not in m.flags}
        used = set().union(*(_extract(source) for source in _domain_sources(po_path)))
        missing = sorted(used - translated)
        assert missing == [], f"{po_path}: run `make i18n` and translate: {missing[:10]}"


def _key(value):
    return value if isinstance(value, str) else tuple(value)  # plural entries have a list of ids and strings


def test_compiled_catalogs_match_their_sources():
    for po_path in _catalogs():
        with po_path.open("rb") as handle:
            po = {_key(m.id): _key(m.string) for m in read_po(handle) if m.id and m.string and "fuzzy" not in m.flags}
        with po_path.with_suffix(".mo").open("rb") as handle:
            mo = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
        assert po == mo, f"{po_path.with_suffix('.mo')} is stale: run `make i18n`"


def test_a_message_has_one_translation_across_catalogs():
    """The domain catalogs are merged at run time: the same English message must mean the same in French
    everywhere (otherwise the first catalog loaded wins and another screen shows the wrong word)."""
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po_path in _catalogs():
        with po_path.open("rb") as handle:
            for message in read_po(handle):
                if not message.id or not message.string:
                    continue
                key, value = _key(message.id), _key(message.string)
                if key in seen and seen[key][1] != value:
                    clashes.append((key, seen[key], (str(po_path), value)))
                seen.setdefault(key, (str(po_path), value))
    assert clashes == [], clashes[:5]
