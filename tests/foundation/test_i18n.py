"""Every user-facing string has a French and a Dutch translation, and the compiled catalogs are up to date."""

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from grocery import ROOT

#: Languages whose catalogs must be complete (English is the language of the message ids).
LANGUAGES = ("fr", "nl")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("**.py", "python"), ("**.html", "jinja2")]
FOUNDATION_TEMPLATES = ["base.html", "_macros", "_partials", "errors", "auth", "admin", "settings", "main"]


def _translation_dirs() -> list[Path]:
    return sorted(path for path in (ROOT / "grocery").glob("**/translations") if path.is_dir())


def _catalogs(language: str) -> list[Path]:
    return sorted((ROOT / "grocery").glob(f"**/translations/{language}/LC_MESSAGES/messages.po"))


def _all_catalogs() -> list[Path]:
    return [path for language in LANGUAGES for path in _catalogs(language)]


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


def _key(value):
    return value if isinstance(value, str) else tuple(value)  # plural entries have a list of ids and strings


def _is_translated(message) -> bool:
    """Every form (singular and plurals) has a text, and the entry is not fuzzy."""
    strings = [message.string] if isinstance(message.string, str) else list(message.string)
    return bool(message.id) and all(strings) and "fuzzy" not in message.flags


def _read(po_path: Path):
    with po_path.open("rb") as handle:
        return read_po(handle)


def missing_translations(po_path: Path) -> list[str]:
    """Message ids used by the catalog's domain that the catalog lacks or leaves untranslated."""
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in _read(po_path) if _is_translated(m)}
    used = set().union(*(_extract(source) for source in _domain_sources(po_path)))
    return sorted(used - translated)


def stale_compilation(po_path: Path) -> bool:
    """Does the committed .mo say something else than a fresh compilation of the .po (or is it missing)?"""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return True
    fresh = io.BytesIO()
    write_mo(fresh, _read(po_path))
    fresh.seek(0)
    with mo_path.open("rb") as handle:
        committed = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    return committed != {_key(m.id): _key(m.string) for m in read_mo(fresh) if m.id}


def clashes(po_paths: list[Path]) -> list:
    """Messages translated differently by two catalogs of one language (the merged catalogs would pick one)."""
    seen: dict = {}
    found = []
    for po_path in po_paths:
        for message in _read(po_path):
            if not _is_translated(message):
                continue
            key, value = _key(message.id), _key(message.string)
            if key in seen and seen[key][1] != value:
                found.append((key, seen[key], (str(po_path), value)))
            seen.setdefault(key, (str(po_path), value))
    return found


def test_every_domain_has_a_catalog_per_language():
    """Does each translations directory (foundation and every domain) hold a French and a Dutch catalog?"""
    directories = _translation_dirs()
    assert len(directories) >= 7
    absent = [f"{d}/{lang}" for d in directories for lang in LANGUAGES
              if not (d / lang / "LC_MESSAGES" / "messages.po").exists()]
    assert absent == [], f"run `make i18n` to create: {absent}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    """Is any string in the code or templates missing from a catalog of this language, or left untranslated?"""
    catalogs = _catalogs(language)
    assert catalogs
    report = {str(path.relative_to(ROOT)): missing for path in catalogs if (missing := missing_translations(path))}
    summary = {path: f"{len(missing)} missing, e.g. {missing[:3]}" for path, missing in report.items()}
    assert report == {}, f"run `make i18n` and translate ({language}): {summary}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogs_match_their_sources(language):
    stale = [str(path.with_suffix(".mo").relative_to(ROOT)) for path in _catalogs(language) if stale_compilation(path)]
    assert stale == [], f"stale or missing, run `make i18n`: {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_message_has_one_translation_across_catalogs(language):
    """The domain catalogs are merged at run time: the same English message must mean the same in one language
    everywhere (otherwise the first catalog loaded wins and another screen shows the wrong word)."""
    found = clashes(_catalogs(language))
    assert found == [], found[:5]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_of_a_language_has_the_same_plural_rule(language):
    """The merged catalogs take their plural rule from the first one loaded: a catalog made by another Babel with
    another rule (French with three forms) would pick the wrong form of the others' messages, or none of its own."""
    rules = {}
    for path in _catalogs(language):
        with path.with_suffix(".mo").open("rb") as compiled:
            rules[str(path.relative_to(ROOT))] = (_read(path).plural_forms, read_mo(compiled).plural_forms)
    assert len({rule for pair in rules.values() for rule in pair}) == 1, rules


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    """Does every translation use the same %(name)s placeholders as its message (else the page breaks)?"""
    errors = [(str(path.relative_to(ROOT)), message.id, [str(e) for e in problems])
              for path in _catalogs(language) for message, problems in _read(path).check()]
    assert errors == [], errors[:5]


# The checks themselves must be able to fail: run them on small catalogs written for the purpose.

PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'


def _write_po(path: Path, entries: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f'msgid "{key}"\nmsgstr "{value}"\n\n' for key, value in entries.items())
    path.write_text(PO_HEADER + body, encoding="utf-8")
    return path


def _compile(po_path: Path) -> None:
    with po_path.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, _read(po_path))


def test_the_checks_catch_a_stale_compilation_and_a_clash(tmp_path):
    """Would a .mo compiled before the last translation, or two catalogs disagreeing, be caught?"""
    first = _write_po(tmp_path / "a" / "nl" / "LC_MESSAGES" / "messages.po", {"Save": "Opslaan", "Back": ""})
    _compile(first)
    assert not stale_compilation(first)
    _write_po(first, {"Save": "Opslaan", "Back": "Terug"})
    assert stale_compilation(first)
    second = _write_po(tmp_path / "b" / "nl" / "LC_MESSAGES" / "messages.po", {"Save": "Bewaren"})
    assert [key for key, *_ in clashes([first, second])] == ["Save"]
    assert stale_compilation(second)  # never compiled


def test_the_check_catches_a_message_without_translation(monkeypatch, tmp_path):
    """Would a string used in a template but untranslated (or absent) in the catalog be reported?"""
    templates = tmp_path / "templates" / "demo"
    templates.mkdir(parents=True)
    (templates / "page.html").write_text("{{ _('Save') }} {{ _('Back') }} {{ _('Print') }}", encoding="utf-8")
    po = _write_po(tmp_path / "grocery" / "demo" / "translations" / "nl" / "LC_MESSAGES" / "messages.po",
                   {"Save": "Opslaan", "Back": ""})
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert missing_translations(po) == ["Back", "Print"]
