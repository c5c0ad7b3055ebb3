"""`make i18n` (tools/i18n.py) rewrites a catalog only when its messages change, never for a header date."""

import importlib.util

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from grocery import ROOT

_spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)

POT = '''msgid ""
msgstr ""
"POT-Creation-Date: {date}\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Generated-By: Babel {version}\\n"

msgid "Save"
msgstr "{save}"
'''


def _po(date="2026-11-24 01:23+0000", version="2.18.0", save="") -> bytes:
    return POT.format(date=date, version=version, save=save).encode()


def test_a_new_date_or_babel_version_alone_does_not_rewrite_a_catalog(tmp_path):
    path = tmp_path / "messages.pot"
    path.write_bytes(_po())
    assert tool.write_if_changed(path, _po(date="2026-12-01 22:00+0000", version="2.19.0")) is False
    assert path.read_bytes() == _po()
    assert tool.write_if_changed(path, _po(save="Opslaan")) is True
    assert b"Opslaan" in path.read_bytes()


def test_an_up_to_date_compiled_catalog_is_left_as_it_is(tmp_path):
    """A .mo compiled by another Babel version (other header) but with the same messages is not rewritten;
    a new translation recompiles it."""
    po = tmp_path / "messages.po"
    po.write_bytes(_po(save="Opslaan"))
    with po.open("rb") as handle:
        catalog = read_po(handle)
    old = tmp_path / "messages.mo"
    with old.open("wb") as handle:
        write_mo(handle, catalog)
    committed = old.read_bytes().replace(b"Babel", b"babel")  # stands for a header written by another version
    old.write_bytes(committed)
    assert tool.compile_catalog(po) is False and old.read_bytes() == committed
    po.write_bytes(_po(save="Bewaren"))
    assert tool.compile_catalog(po) is True
    assert tool.mo_messages(old.read_bytes()) == {"Save": "Bewaren"}


def test_every_domain_and_both_languages_are_handled():
    directories = [directory.relative_to(ROOT).as_posix() for directory, _sources in tool.catalogs()]
    assert directories[0] == "grocery/translations"
    assert {f"grocery/{domain}/translations" for domain in ("households", "stock", "checkout", "volunteers",
                                                           "reports", "imports")} <= set(directories)
    assert tool.LANGUAGES == ("fr", "nl")
