"""`make i18n`: extract, update and compile every catalog (fr, nl), writing only the files whose content changes.

Each domain package has its catalog (grocery/<domain>/translations; the foundation's is grocery/translations).
For each one: the messages are extracted into messages.pot, merged into <lang>/LC_MESSAGES/messages.po for every
language, and compiled into messages.mo. A file is rewritten only when its messages change: a run on unchanged
sources leaves every file byte for byte as it was (no new POT-Creation-Date, no new "Generated-By" header).
"""

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
#: Languages with catalogs (English is the language of the message ids).
LANGUAGES = ("fr", "nl")
#: Domain packages with a catalog of their own; each also extracts templates/<domain>.
DOMAINS = ("households", "stock", "checkout", "volunteers", "reports", "imports", "sites", "appointments",
           "notifications")
FOUNDATION_PACKAGES = ("auth", "admin", "audit", "settings", "main")
FOUNDATION_TEMPLATES = ("base.html", "_macros", "_partials", "errors", "auth", "admin", "settings", "main")
WIDTH = "110"
#: Header lines that change with the time or the Babel version, not with the messages.
VOLATILE_HEADERS = (b'"POT-Creation-Date:', b'"Generated-By:', b'"PO-Revision-Date:')


def pybabel(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", *args], check=True, cwd=ROOT)  # noqa: S603


def _stable(content: bytes) -> bytes:
    return b"\n".join(line for line in content.splitlines() if not line.startswith(VOLATILE_HEADERS))


def write_if_changed(path: Path, content: bytes, *, compare=_stable) -> bool:
    """Write `content` to `path` unless the file already says the same (volatile headers aside)."""
    if path.exists() and compare(path.read_bytes()) == compare(content):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return True


def catalogs() -> list[tuple[Path, list[str]]]:
    """(translations directory, sources to extract) of the foundation and of each domain package."""
    grocery, templates = ROOT / "grocery", ROOT / "templates"
    foundation = sorted(str(p.relative_to(ROOT)) for p in grocery.glob("*.py"))
    foundation += [f"grocery/{name}" for name in FOUNDATION_PACKAGES if (grocery / name).is_dir()]
    foundation += [f"templates/{name}" for name in FOUNDATION_TEMPLATES if (templates / name).exists()]
    found = [(grocery / "translations", foundation)]
    for domain in DOMAINS:
        if (grocery / domain).is_dir():
            sources = [f"grocery/{domain}"] + ([f"templates/{domain}"] if (templates / domain).is_dir() else [])
            found.append((grocery / domain / "translations", sources))
    return found


def extract(directory: Path, sources: list[str], scratch: Path) -> tuple[Path, bool]:
    """Extract the messages into messages.pot; rewrite it only when the messages changed."""
    fresh = scratch / "messages.pot"
    pybabel("extract", "--sort-output", "-w", WIDTH, "-F", "grocery/translations/babel.cfg", "-k", "_l",
            "-k", "lazy_gettext", "--no-location", "-o", str(fresh), *sources)
    pot = directory / "messages.pot"
    return pot, write_if_changed(pot, fresh.read_bytes())


def update(directory: Path, pot: Path, language: str, scratch: Path) -> bool:
    """Merge the template into the language's catalog (created when missing), keeping every translation."""
    po = directory / language / "LC_MESSAGES" / "messages.po"
    work = scratch / f"{language}.po"
    if po.exists():
        work.write_bytes(po.read_bytes())
        pybabel("update", "-w", WIDTH, "--no-fuzzy-matching", "--ignore-pot-creation-date", "-i", str(pot),
                "-o", str(work), "-l", language)
    else:
        pybabel("init", "-w", WIDTH, "-i", str(pot), "-o", str(work), "-l", language)
    return write_if_changed(po, work.read_bytes())


def mo_messages(content: bytes) -> dict:
    """The messages of a compiled catalog (the header aside), comparable between two compilations."""
    key = lambda value: value if isinstance(value, str) else tuple(value)  # noqa: E731 - plural ids are lists
    return {key(m.id): key(m.string) for m in read_mo(io.BytesIO(content)) if m.id}


def compile_catalog(po: Path) -> bool:
    """Compile the .mo when it is missing or its messages differ from a fresh compilation of the .po."""
    mo = po.with_suffix(".mo")
    with po.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return write_if_changed(mo, buffer.getvalue(), compare=mo_messages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", nargs="+", default=list(LANGUAGES), help="catalog languages (fr nl)")
    args = parser.parse_args(argv)
    written = []
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        for directory, sources in catalogs():
            pot, changed = extract(directory, sources, scratch)
            written += [pot] if changed else []
            for language in args.languages:
                po = directory / language / "LC_MESSAGES" / "messages.po"
                if update(directory, pot, language, scratch):
                    written.append(po)
                if compile_catalog(po):
                    written.append(po.with_suffix(".mo"))
    for path in written:
        print(f"i18n: wrote {path.relative_to(ROOT)}")
    if not written:
        print("i18n: every catalog is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
