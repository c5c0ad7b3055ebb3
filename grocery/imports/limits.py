"""What one import may read (lines, columns, characters per cell, unpacked workbook size, time): the settings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from time import monotonic

from flask import current_app, has_app_context
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from grocery.errors import GroceryError

#: Upload limit in bytes (GROCERY_IMPORT_MAX_MB in the environment, read by grocery/config.py).
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

#: (app config key, environment variable, default, multiplier from the variable to the config value).
SETTINGS = (
    ("GROCERY_IMPORT_MAX_ROWS", "GROCERY_IMPORT_MAX_ROWS", 20_000, 1),
    ("GROCERY_IMPORT_MAX_COLUMNS", "GROCERY_IMPORT_MAX_COLUMNS", 100, 1),
    ("GROCERY_IMPORT_MAX_CELL_CHARS", "GROCERY_IMPORT_MAX_CELL_CHARS", 1_000, 1),
    ("GROCERY_IMPORT_MAX_UNPACKED_BYTES", "GROCERY_IMPORT_MAX_UNPACKED_MB", 50, 1024 * 1024),
    ("GROCERY_IMPORT_MAX_SECONDS", "GROCERY_IMPORT_MAX_SECONDS", 20, 1),
)


def config_defaults(app) -> None:
    """Put the import limits into the app config from the environment (a value already in the config wins)."""
    for key, variable, default, unit in SETTINGS:
        raw = os.environ.get(variable)
        app.config.setdefault(key, (int(raw) if raw and raw.strip().isdecimal() else default) * unit)


class ImportRefused(GroceryError):
    """The whole file is refused (wrong type, empty, unknown or missing columns, too large): nothing is read."""

    code = "import_refused"
    status = 422
    default_message = _l("This file cannot be imported.")


def number(value: int) -> str:
    """A limit as people read it: 20 000."""
    return format_decimal(value)


def human_size(size: int) -> str:
    """A size limit as people read it: "50 Mo", "1,5 Mo", "100 ko"."""
    if size >= 1024 * 1024:
        return str(_l("%(n)s MB", n=format_decimal(round(size / 1024 / 1024, 1))))
    return str(_l("%(n)s kB", n=format_decimal(max(1, round(size / 1024)))))


@dataclass(frozen=True)
class ImportLimits:
    """The limits of one import, checked while the file is read, before anything grows past them."""

    max_bytes: int = DEFAULT_MAX_BYTES
    #: Lines of the file (titles included) that may hold values.
    max_rows: int = 20_000
    #: Columns that may hold values (and cells per XLSX row).
    max_columns: int = 100
    max_cell_chars: int = 1_000
    #: Sum of the unpacked sizes of an XLSX workbook's parts.
    max_unpacked_bytes: int = 50 * 1024 * 1024
    max_seconds: float = 20

    @classmethod
    def from_config(cls, config) -> ImportLimits:
        defaults = cls()

        def get(key: str, default):
            value = config.get(key)
            return default if value in (None, "") else type(default)(value)

        return cls(max_bytes=get("GROCERY_IMPORT_MAX_BYTES", defaults.max_bytes),
                   max_rows=get("GROCERY_IMPORT_MAX_ROWS", defaults.max_rows),
                   max_columns=get("GROCERY_IMPORT_MAX_COLUMNS", defaults.max_columns),
                   max_cell_chars=get("GROCERY_IMPORT_MAX_CELL_CHARS", defaults.max_cell_chars),
                   max_unpacked_bytes=get("GROCERY_IMPORT_MAX_UNPACKED_BYTES", defaults.max_unpacked_bytes),
                   max_seconds=get("GROCERY_IMPORT_MAX_SECONDS", defaults.max_seconds))

    @classmethod
    def current(cls) -> ImportLimits:
        """The limits of the running app (the defaults outside an app)."""
        return cls.from_config(current_app.config) if has_app_context() else cls()

    # --- the refusals, each naming its limit ---------------------------------------------------------------------

    def too_large(self) -> ImportRefused:
        return ImportRefused(_l("The file is too large (more than %(size)s): split it into several files.",
                                size=human_size(self.max_bytes)))

    def too_many_rows(self) -> ImportRefused:
        return ImportRefused(_l("The file has more than %(n)s lines (the limit of one import): split it into several "
                                "files.", n=number(self.max_rows)))

    def too_many_columns(self, line: int) -> ImportRefused:
        return ImportRefused(_l("Line %(line)d has more than %(n)s columns (the limit of one import): keep only the "
                                "columns to import.", line=line, n=number(self.max_columns)))

    def cell_too_long(self, line: int | None) -> ImportRefused:
        if line is None:
            return ImportRefused(_l("A cell of the file has more than %(n)s characters (the limit of one cell): "
                                    "shorten it or remove it.", n=number(self.max_cell_chars)))
        return ImportRefused(_l("A cell on line %(line)d has more than %(n)s characters (the limit of one cell): "
                                "shorten it or remove it.", line=line, n=number(self.max_cell_chars)))

    def unpacked_too_large(self) -> ImportRefused:
        return ImportRefused(_l("Unpacked, this workbook is larger than %(size)s (the limit of one import): save the "
                                "sheet as CSV or split it into several files.",
                                size=human_size(self.max_unpacked_bytes)))

    def too_slow(self) -> ImportRefused:
        return ImportRefused(_l("Reading the file takes more than %(n)s seconds (the limit of one import): split it "
                                "into several files.", n=number(int(self.max_seconds))))

    def import_too_slow(self) -> ImportRefused:
        return ImportRefused(_l("Importing the file takes more than %(n)s seconds (the limit of one import): nothing "
                                "was imported; split it into several files.", n=number(int(self.max_seconds))))

    def deadline(self) -> Deadline:
        return Deadline(self)


class Deadline:
    """The moment one request's work on a file (reading, checking, writing) must be over; check() refuses the file
    after it, so that a file is refused with a message rather than the worker killed by its timeout."""

    def __init__(self, limits: ImportLimits) -> None:
        self.limits = limits
        self.at = monotonic() + limits.max_seconds
        self.writing = False

    def check(self) -> None:
        if monotonic() > self.at:
            raise self.limits.import_too_slow() if self.writing else self.limits.too_slow()
