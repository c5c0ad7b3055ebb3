"""An XLSX workbook checked as a stream before openpyxl reads it: parts, unpacked sizes, lines, columns, cells."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

from flask_babel import lazy_gettext as _l

from grocery.imports.limits import Deadline, ImportLimits, ImportRefused, number

#: Parts (files) of a workbook: a real one has about ten, a few hundred with many images.
MAX_PARTS = 1_000
#: XML elements of a part outside its cells and shared strings (styles, formats, names, merged cells...).
MAX_OTHER_ELEMENTS = 200_000
#: Characters of text of one element outside the cells (a formula, a defined name...).
MAX_OTHER_TEXT = 100_000
#: Empty lines (formatted, without values) allowed per line of the limit.
EMPTY_ROWS_FACTOR = 5
#: Different texts (shared strings) of a workbook per line of the limit.
STRINGS_PER_ROW = 20
_CHUNK = 64 * 1024
_CELL_REF = re.compile(r"([A-Za-z]{1,4})(\d*)$")
_EOCD = b"PK\x05\x06"


def too_complex() -> ImportRefused:
    return ImportRefused(_l("This workbook has more than %(n)s styles, formats or other elements besides its cells "
                            "(the limit of one import): save the sheet as CSV and import the CSV.",
                            n=number(MAX_OTHER_ELEMENTS)))


def too_many_texts(limits: ImportLimits) -> ImportRefused:
    return ImportRefused(_l("This workbook holds more than %(n)s different texts (%(per_row)s per line of the limit "
                            "of %(rows)s lines): split it into several files.",
                            n=number(limits.max_rows * STRINGS_PER_ROW), per_row=STRINGS_PER_ROW,
                            rows=number(limits.max_rows)))


def unreadable() -> ImportRefused:
    return ImportRefused(_l("This file could not be read as an Excel workbook (.xlsx): open it in your spreadsheet "
                            "program and save it again as .xlsx or CSV."))


@dataclass
class PartStats:
    """What the scan found in one part: its last line and column holding a value (0 if none)."""

    max_row: int = 0
    max_column: int = 0
    is_xml: bool = True


def check_workbook(data: bytes, limits: ImportLimits, deadline: Deadline) -> dict[str, PartStats]:
    """Check a workbook before it is opened: the number of parts and their declared unpacked sizes, then each part
    unpacked as a stream (the bytes actually inflated are counted, nothing is kept) and parsed as XML by expat
    with the limits checked at every element: lines and columns holding values, cells per line, characters per
    cell and per shared string, other elements. A file over a limit is refused before openpyxl inflates it.
    Returns the statistics of each XML part by its name in the archive."""
    _check_directory(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise unreadable() from error
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise unreadable()
        if sum(info.file_size for info in infos) > limits.max_unpacked_bytes:
            raise limits.unpacked_too_large()
        budget = [limits.max_unpacked_bytes]
        return {info.filename: _scan_part(archive, info, limits, deadline, budget) for info in infos}


def _check_directory(data: bytes) -> None:
    """Refuse a zip whose central directory announces more parts than a workbook has, before zipfile lists them."""
    position = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if position < 0 or len(data) < position + 22:
        raise unreadable()
    entries = struct.unpack("<H", data[position + 10:position + 12])[0]
    if entries > MAX_PARTS:  # 0xFFFF (zip64) included
        raise unreadable()


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


class _Scanner:
    """expat handlers counting lines, cells and characters of one part, refusing at the first limit passed."""

    def __init__(self, limits: ImportLimits) -> None:
        self.limits = limits
        self.stats = PartStats()
        self.in_sheet = self.in_strings = False
        self.row = self.row_elements = self.cells = self.column = 0
        self.in_cell = self.in_value = self.in_string = False
        self.cell_chars = self.other_chars = self.other_elements = 0
        self.string_count = 0
        self.max_strings = limits.max_rows * STRINGS_PER_ROW

    def start(self, name: str, attrs: dict) -> None:
        local = name.rpartition(" ")[2]
        self.other_chars = 0
        if self.in_sheet:
            if local == "row":
                self._start_row(attrs)
            elif local == "c":
                self._start_cell(attrs)
            elif local in ("v", "t") and self.in_cell:
                self.in_value = True
            return
        if self.in_strings:
            if local == "si":
                self.in_string, self.cell_chars = True, 0
                self.string_count += 1
                if self.string_count > self.max_strings:
                    raise too_many_texts(self.limits)
            elif local == "t" and self.in_string:
                self.in_value = True
            return
        if local == "sheetData":
            self.in_sheet = True
        elif local == "sst":
            self.in_strings = True
        else:
            self.other_elements += 1
            if self.other_elements > MAX_OTHER_ELEMENTS:
                raise too_complex()

    def _start_row(self, attrs: dict) -> None:
        raw = attrs.get("r")
        self.row = int(raw) if raw and raw.isdecimal() else self.row + 1
        self.row_elements += 1
        if self.row_elements > self.limits.max_rows * EMPTY_ROWS_FACTOR:
            raise self.limits.too_many_rows()
        self.cells = self.column = 0

    def _start_cell(self, attrs: dict) -> None:
        self.cells += 1
        if self.cells > self.limits.max_columns:
            raise self.limits.too_many_columns(self.row)
        match = _CELL_REF.match(attrs.get("r") or "")
        self.column = _column_number(match.group(1)) if match else self.column + 1
        self.in_cell, self.cell_chars = True, 0

    def end(self, name: str) -> None:
        local = name.rpartition(" ")[2]
        self.other_chars = 0
        if self.in_sheet:
            if local in ("v", "t"):
                self.in_value = False
            elif local == "c":
                self.in_cell = False
                if self.cell_chars:
                    self._value_at(self.row, self.column)
            elif local == "sheetData":
                self.in_sheet = False
        elif self.in_strings:
            if local == "t":
                self.in_value = False
            elif local == "si":
                self.in_string = False
            elif local == "sst":
                self.in_strings = False

    def _value_at(self, row: int, column: int) -> None:
        if row > self.limits.max_rows:
            raise self.limits.too_many_rows()
        if column > self.limits.max_columns:
            raise self.limits.too_many_columns(row)
        self.stats.max_row = max(self.stats.max_row, row)
        self.stats.max_column = max(self.stats.max_column, column)

    def text(self, data: str) -> None:
        if self.in_value:
            self.cell_chars += len(data)
            if self.cell_chars > self.limits.max_cell_chars:
                raise self.limits.cell_too_long(self.row if self.in_sheet else None)
        else:
            self.other_chars += len(data)
            if self.other_chars > MAX_OTHER_TEXT:
                raise too_complex()

    def refuse_declarations(self, *_args) -> None:
        raise unreadable()


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ImportLimits, deadline: Deadline,
               budget: list[int]) -> PartStats:
    scanner = _Scanner(limits)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    parser.CharacterDataHandler = scanner.text
    parser.StartDoctypeDeclHandler = scanner.refuse_declarations
    parser.EntityDeclHandler = scanner.refuse_declarations
    try:
        with archive.open(info) as source:
            while chunk := source.read(_CHUNK):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise limits.unpacked_too_large()
                deadline.check()
                if scanner.stats.is_xml:
                    try:
                        parser.Parse(chunk, False)
                    except expat.ExpatError:
                        scanner.stats.is_xml = False  # an image or a broken part: openpyxl refuses what it needs
            if scanner.stats.is_xml:
                parser.Parse(b"", True)
    except expat.ExpatError:
        scanner.stats.is_xml = False
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise unreadable() from error
    return scanner.stats
