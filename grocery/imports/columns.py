"""Accepted column titles per field, matching a file's header against them, and the analysis result (a plan)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from grocery.imports.parsing import ImportRefused, Table, fold_header, shown

#: The languages of the accepted column titles and values, the first one being the fallback.
TITLE_LANGUAGES = ("fr", "nl", "en")


def language() -> str:
    """The language of the person importing (the interface language), one of TITLE_LANGUAGES."""
    try:
        code = getattr(get_locale(), "language", None)
    except (RuntimeError, KeyError):  # outside a request or an app: the default
        code = None
    return code if code in TITLE_LANGUAGES else TITLE_LANGUAGES[0]


@dataclass(frozen=True)
class Column:
    """One importable field: the titles accepted for it in French, Dutch and English (case and accents ignored);
    the first title of each language is the one of the empty model and of the messages in that language."""

    key: str
    label: Any
    fr: tuple[str, ...]
    nl: tuple[str, ...]
    en: tuple[str, ...]
    required: bool = False
    help: Any = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Every accepted title (French, Dutch, English), each once."""
        return tuple(dict.fromkeys(self.fr + self.nl + self.en))

    def titles_for(self, language_code: str) -> tuple[str, ...]:
        """Every accepted title, those of the given language first."""
        own = getattr(self, language_code, ()) if language_code in TITLE_LANGUAGES else ()
        return tuple(dict.fromkeys(own + self.names))

    def title(self, language_code: str | None = None) -> str:
        """The main title in a language (the current one by default)."""
        return self.titles_for(language_code or language())[0]


@dataclass(frozen=True)
class RowError:
    """A bad row: its line in the file, the column title as written in the file ("" for the whole line)."""

    line: int
    column: str
    message: str


@dataclass(frozen=True)
class Present:
    """Rows already in the database (skipped, never updated): the lines, what they describe, what matched."""

    lines: tuple[int, ...]
    label: str
    reason: str


@dataclass
class Item:
    """Something the import will create (one product, or one household with its members)."""

    lines: tuple[int, ...]
    label: str
    values: dict


def line_refused(item: Item, message) -> ImportRefused:
    """The refusal of a whole import because of one of its items, found while writing: nothing is written."""
    return ImportRefused(_l("Line %(line)d: %(message)s Nothing was imported.", line=item.lines[0],
                            message=str(message)))


def concurrent_change() -> ImportRefused:
    """The refusal of an import that met another person's change while writing (a barcode, a reference or a card
    code taken meanwhile): the caller rolls everything back."""
    return ImportRefused(_l("Another change was saved during the import and conflicts with it: nothing was "
                            "imported; check the file again."))


@dataclass
class Plan:
    """What an import would do, computed without writing: rows to create, rows already present, bad rows."""

    kind: str
    table: Table
    lines_read: int = 0
    errors: list[RowError] = field(default_factory=list)
    present: list[Present] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def bad_lines(self) -> set[int]:
        return {error.line for error in self.errors}

    @property
    def lines_invalid(self) -> int:
        return len(self.bad_lines)

    @property
    def lines_present(self) -> int:
        return sum(len(p.lines) for p in self.present)

    @property
    def lines_ok(self) -> int:
        return sum(len(i.lines) for i in self.items)

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: e.line)


@dataclass
class ColumnMap:
    """Where each known field is in the file: its cell index and its title as written."""

    index: dict[str, int]
    titles: dict[str, str]

    def cell(self, cells: list, key: str):
        position = self.index.get(key)
        return None if position is None else cells[position]

    def title(self, key: str) -> str:
        return self.titles.get(key, "")


def accepted_names(columns: tuple[Column, ...]) -> str:
    """The main titles of the columns in the current language, for a message."""
    code = language()
    return ", ".join(f"« {c.title(code)} »" for c in columns)


def map_columns(table: Table, columns: tuple[Column, ...]) -> ColumnMap:
    """Match the header with the accepted titles. Unknown titles, a field given twice and missing required fields
    refuse the whole file (the message lists what is accepted)."""
    lookup = {fold_header(name): column for column in columns for name in column.names}
    index: dict[str, int] = {}
    titles: dict[str, str] = {}
    unknown: list[str] = []
    untitled: list[int] = []
    for position, title in enumerate(table.headers):
        if not (title or "").strip():
            if any(len(cells) > position and cells[position] is not None for _line, cells in table.rows):
                untitled.append(position + 1)
            continue
        column = lookup.get(fold_header(title))
        if column is None:
            unknown.append(title)
            continue
        if column.key in index:
            raise ImportRefused(_l("The columns “%(first)s” and “%(second)s” give the same information: keep only "
                                   "one of them.", first=shown(titles[column.key]), second=shown(title)))
        index[column.key], titles[column.key] = position, title
    if unknown:
        raise ImportRefused(_l("Unknown columns: %(unknown)s. Rename or remove them. Accepted columns: "
                               "%(accepted)s.", unknown=", ".join(f"« {shown(t)} »" for t in unknown),
                               accepted=accepted_names(columns)))
    if untitled:
        raise ImportRefused(_l("Column %(number)s has values but no title in the first line: give it one of the "
                               "accepted titles (%(accepted)s) or remove it.",
                               number=", ".join(str(n) for n in untitled), accepted=accepted_names(columns)))
    missing = [c for c in columns if c.required and c.key not in index]
    if missing:
        raise ImportRefused(_l("Required columns missing: %(missing)s. The first line of the file must give the "
                               "column titles.", missing=accepted_names(tuple(missing))))
    if not table.rows:
        raise ImportRefused(_l("The file has column titles but no data line."))
    return ColumnMap(index, titles)


#: A callback told how many rows were just processed (the CLI progress bar).
Progress = Callable[[int], None] | None
