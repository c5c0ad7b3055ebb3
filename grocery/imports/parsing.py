"""Reading spreadsheet files: CSV (UTF-8 or Windows-1252, comma or semicolon) and XLSX, into rows of cells.

Nothing here touches the database: a file is turned into a `Table` (headers and numbered rows) or refused with
`ImportRefused` and a message that says what to do.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from flask_babel import lazy_gettext as _l

from grocery.imports.limits import DEFAULT_MAX_BYTES, Deadline, ImportLimits, ImportRefused, number
from grocery.imports.xlsx_guard import check_workbook, unreadable

#: File name endings accepted by the imports.
EXTENSIONS = (".csv", ".txt", ".xlsx")

_BINARY_SIGNATURES = (
    (b"%PDF", _l("This file is a PDF document, not a spreadsheet.")),
    (b"\x89PNG", _l("This file is an image, not a spreadsheet.")),
    (b"\xff\xd8\xff", _l("This file is an image, not a spreadsheet.")),
    (b"GIF8", _l("This file is an image, not a spreadsheet.")),
    (b"\xd0\xcf\x11\xe0", _l("This file is in the old Excel format (.xls) or another Office format: open it in your "
                             "spreadsheet program and save it as .xlsx or CSV.")),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[^a-z0-9]+")
_CONTENT = re.compile(rb"[^ \t\r\n\x00]")
#: Characters of a value quoted back in a message (the rest is cut: a file's content is never echoed whole).
SHOWN_CHARS = 60
#: Rows read between two checks of the time limit.
_CHECK_EVERY = 500


@dataclass
class Table:
    """A spreadsheet read into memory: its header cells and its non-empty rows with their line numbers."""

    headers: list[str]
    #: (line number in the file, cells); cells are str, int, float, date or None.
    rows: list[tuple[int, list[Any]]]
    file_type: str
    encoding: str | None = None
    delimiter: str | None = None
    #: Line numbers of rows that have more cells than the header (reported as row errors).
    overlong: dict[int, int] = field(default_factory=dict)


def fold_header(text: Any) -> str:
    """A column title folded for matching: no accents, lower case, words separated by one space."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    plain = plain.replace("œ", "oe").replace("æ", "ae")
    return _SPACES.sub(" ", plain).strip()


def shown(value: Any) -> str:
    """A cell or title quoted in a message: at most SHOWN_CHARS characters, then "…"."""
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def max_bytes(config) -> int:
    return int(config.get("GROCERY_IMPORT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise ImportLimits(max_bytes=limit).too_large()


def read_table(filename: str, data: bytes, limits: ImportLimits | None = None,
               deadline: Deadline | None = None) -> Table:
    """Read an uploaded spreadsheet. The type follows the content (a real XLSX named .csv is read as XLSX);
    PDF, images, old .xls and other binary files are refused with a clear message. The file is read as a stream
    with the limits (lines, columns, characters per cell, unpacked size, time) checked as it goes: a file over a
    limit is refused with a message naming that limit, before its content grows in memory."""
    limits = limits or ImportLimits.current()
    deadline = deadline or limits.deadline()
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportRefused(_l("Only CSV and XLSX files can be imported (this file ends with “%(suffix)s”). Save "
                               "the sheet as CSV or as Excel workbook (.xlsx).", suffix=shown(suffix or "?")))
    check_size(len(data), limits.max_bytes)
    if not _CONTENT.search(data[3:] if data.startswith(codecs.BOM_UTF8) else data):
        raise ImportRefused(_l("The file is empty."))
    for signature, message in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise ImportRefused(message)
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, limits, deadline)
    return _read_csv(data, limits, deadline)


def _not_text() -> ImportRefused:
    return ImportRefused(_l("This file is neither a CSV text file nor an XLSX workbook: save the sheet as CSV "
                            "(UTF-8) or as Excel workbook (.xlsx)."))


def _encoding(data: bytes) -> tuple[str, str]:
    """The codec and its name for people; UTF-8 is checked as a stream, nothing kept."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", "UTF-16"
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(data[start:start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252", "Windows-1252"
    return "utf-8", "UTF-8"


def _delimiter(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _lines(data: bytes, codec: str, limits: ImportLimits, deadline: Deadline):
    """The file's text, line by line as it is decoded: a line longer than its columns and cells may be, or
    holding control characters, refuses the file before it is read further."""
    longest = limits.max_columns * (limits.max_cell_chars + 3) + 2
    text = io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline="")
    try:
        count = 0
        while line := text.readline(longest + 1):
            count += 1
            if len(line) > longest:
                raise ImportRefused(_l("Line %(line)d has more than %(n)s characters (the limit of one line: "
                                       "%(columns)s columns of %(chars)s characters): check the separator and the "
                                       "quotes.", line=count, n=number(longest), columns=number(limits.max_columns),
                                       chars=number(limits.max_cell_chars)))
            if _CONTROL.search(line):
                raise _not_text()
            if count % _CHECK_EVERY == 0:
                deadline.check()
            yield line
    except UnicodeDecodeError:
        raise _not_text() from None
    finally:
        text.detach()


def _read_csv(data: bytes, limits: ImportLimits, deadline: Deadline) -> Table:
    codec, encoding = _encoding(data)
    first_line = next((line for line in _lines(data, codec, limits, deadline) if line.strip()), "")
    delimiter = _delimiter(first_line)
    reader = csv.reader(_lines(data, codec, limits, deadline), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    overlong: dict[int, int] = {}
    try:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            _check_cells(cells, start, limits)
            cells = [_clean_text(c) for c in cells]
            if not any(c is not None for c in cells):
                continue
            if reader.line_num > limits.max_rows:
                raise limits.too_many_rows()
            if headers is None:
                headers = [c or "" for c in cells]
                continue
            _append_row(rows, overlong, start, cells, len(headers))
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise limits.cell_too_long(reader.line_num) from None
        raise ImportRefused(_l("The CSV file is malformed near line %(line)d (%(error)s): check the quotes.",
                               line=reader.line_num, error=shown(error))) from None
    if headers is None:
        raise ImportRefused(_l("The file is empty."))
    return Table(headers, rows, "CSV", encoding=encoding, delimiter=delimiter, overlong=overlong)


def _check_cells(cells: list, line: int, limits: ImportLimits) -> None:
    if len(cells) > limits.max_columns and any(c.strip() for c in cells[limits.max_columns:]):
        raise limits.too_many_columns(line)
    if any(len(c) > limits.max_cell_chars for c in cells):
        raise limits.cell_too_long(line)


def _append_row(rows, overlong, line: int, cells: list, width: int) -> None:
    extra = [c for c in cells[width:] if c is not None]
    if extra:
        overlong[line] = len(cells)
    cells = cells[:width] + [None] * (width - len(cells))
    rows.append((line, cells))


def _clean_text(value: str) -> str | None:
    value = value.strip()
    return value or None


def _clean_cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, datetime):
        return value.date()
    return value


def _read_xlsx(data: bytes, limits: ImportLimits, deadline: Deadline) -> Table:
    """The first sheet, through openpyxl's read-only mode once the whole workbook passed the streaming check
    (xlsx_guard): openpyxl then never meets more lines, columns, characters or bytes than the limits allow."""
    from openpyxl import load_workbook

    parts = check_workbook(data, limits, deadline)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError) as error:
        raise unreadable() from error
    try:
        if not workbook.worksheets:
            raise unreadable()
        sheet = workbook.worksheets[0]
        stats = parts.get(getattr(sheet, "_worksheet_path", ""))
        if stats is None or not stats.is_xml:
            raise unreadable()
        headers: list[str] | None = None
        rows: list[tuple[int, list[Any]]] = []
        overlong: dict[int, int] = {}
        if stats.max_row:
            values_by_line = sheet.iter_rows(max_row=stats.max_row, max_col=stats.max_column, values_only=True)
        else:
            values_by_line = iter(())
        for line, values in enumerate(values_by_line, start=1):
            if line % _CHECK_EVERY == 0:
                deadline.check()
            cells = [_clean_cell(v) for v in values]
            if not any(c is not None for c in cells):
                continue
            if headers is None:
                headers = ["" if c is None else str(c).strip() for c in cells]
                continue
            _append_row(rows, overlong, line, cells, len(headers))
    except (KeyError, OSError, ValueError, TypeError, SyntaxError) as error:
        raise unreadable() from error
    finally:
        workbook.close()
    if headers is None:
        raise ImportRefused(_l("The file is empty."))
    return Table(headers, rows, "XLSX", overlong=overlong)


# --- cell values ------------------------------------------------------------------------------------------------


class CellError(Exception):
    """A bad value in one cell; the message is translated."""

    def __init__(self, message) -> None:
        self.message = str(message)
        super().__init__(self.message)


def as_text(value: Any) -> str:
    """A cell as text: integers written by spreadsheets as 5000.0 come back as "5000"; dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def as_date(value: Any) -> date | None:
    """A date cell: a real spreadsheet date, dd/mm/yyyy (also with . or -) or ISO yyyy-mm-dd."""
    if value is None:
        return None
    if isinstance(value, date):
        return value
    text = as_text(value)
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO.match(text)
        if not match:
            raise CellError(_l("Date in the wrong format, expected dd/mm/yyyy (here: “%(value)s”).", value=shown(text)))
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(_l("The date “%(value)s” does not exist: check the day and the month.",
                           value=shown(text))) from None


def as_whole(value: Any) -> int | None:
    """A whole number cell (spaces allowed between thousands)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = re.sub(r"[\s\u202f\u00a0]", "", as_text(value))
    if not re.fullmatch(r"-?\d{1,9}", text):
        raise CellError(_l("“%(value)s” is not a whole number.", value=shown(as_text(value))))
    return int(text)


def as_money_text(value: Any) -> str | None:
    """A price cell as text for grocery.money.parse_money ("2,50", "2.50", 2.5 → "2,5"); the euro sign is dropped."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:  # a decimal comma: "2,345" is then refused (three decimals), never read as 2 345 €
            return format(Decimal(str(value)).normalize(), "f").replace(".", ",")
        except InvalidOperation:  # pragma: no cover - NaN or infinity
            return str(value)
    return as_text(value).replace("€", "").replace("EUR", "").strip() or None


def choice(value: Any, options: dict[str, str]) -> str | None:
    """A cell matched (accents and case ignored) against {folded accepted word: code}."""
    if value is None:
        return None
    return options.get(fold_header(as_text(value)))
