"""CSV/XLSX import and export shared by the registers (IoT, devices, training, findings, ...).

Reading: UTF-8 with or without BOM and Big5 (cp950) CSV, or the first sheet of an
XLSX file; headers matched in zh-TW or English, case- and space-insensitively;
every cell parsed by its column; each bad row reported with its line number,
column and reason. The caller chooses :class:`ImportMode`: load all rows or none
(``all_or_nothing``), or load the valid rows and report the rest (``valid_rows``).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from brokerguard.clock import parse_date as parse_date_text
from brokerguard.errors import PayloadTooLargeError, UnsupportedMediaError, ValidationError
from brokerguard.textpolicy import check_text, neutralise
from brokerguard.timefmt import format_when

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 200_000
MAX_CELL_CHARS = 4096

Parser = Callable[[str], Any]


class ImportMode(StrEnum):
    all_or_nothing = "all_or_nothing"
    valid_rows = "valid_rows"


@dataclass(frozen=True)
class Column:
    """One column: its field name, the headers that name it, and how to parse a cell."""

    name: str
    headers: tuple[str, ...]
    required: bool = True
    parse: Parser = str
    default: Any = None

    def header_keys(self) -> set[str]:
        return {normalise_header(h) for h in (self.name, *self.headers)}


@dataclass(frozen=True)
class RowError:
    line: int  # line in the file (header = 1)
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


def rows_with_errors(errors: Iterable[RowError]) -> int:
    """How many rows ``errors`` names: one row may have several bad cells."""
    return len({error.line for error in errors})


@dataclass
class ImportResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    #: file line of each entry in ``rows``
    lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def accepted(self, mode: ImportMode) -> list[dict[str, Any]]:
        """The rows to load under ``mode``; raises when ``all_or_nothing`` meets an error."""
        if self.errors and mode is ImportMode.all_or_nothing:
            raise ImportRejectedError(self.errors, self.total)
        return self.rows


class ImportRejectedError(ValidationError):
    code = "import_rejected"

    def __init__(self, errors: list[RowError], total: int) -> None:
        shown = "; ".join(str(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more problems)" if len(errors) > 5 else ""
        super().__init__(
            f"{rows_with_errors(errors)} of {total} rows have errors, nothing was loaded: "
            f"{shown}{more}",
            field="file",
        )
        self.errors = errors


def normalise_header(text: str) -> str:
    return "".join(text.replace("\ufeff", "").split()).lower().replace("_", "").replace("-", "")


# --- cell parsers -----------------------------------------------------------------------

TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "v", "✓", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "無", "", "x", "f"}


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValueError(f"not yes/no: {text!r} (use 是/否 or yes/no)")


def parse_date(text: str) -> date:
    return parse_date_text(text)


def parse_optional_date(text: str) -> date | None:
    return parse_date_text(text) if text.strip() else None


def parse_int(text: str) -> int:
    try:
        return int(text.strip().replace(",", ""))
    except ValueError:
        raise ValueError(f"not a whole number: {text!r}") from None


def choice(*options: str, aliases: Mapping[str, str] | None = None) -> Parser:
    lookup = {o.lower(): o for o in options}
    lookup.update({k.lower(): v for k, v in (aliases or {}).items()})

    def parse(text: str) -> str:
        value = lookup.get(text.strip().lower())
        if value is None:
            raise ValueError(f"{text!r} is not one of {', '.join(options)}")
        return value

    return parse


def text(max_chars: int = 255) -> Parser:
    """A text cell under the text policy (:mod:`brokerguard.textpolicy`); a cell may hold
    line breaks (Excel's Alt+Enter), never control or bidi characters."""

    def parse(value: str) -> str:
        stripped = value.strip()
        if len(stripped) > max_chars:
            raise ValueError(f"longer than {max_chars} characters")
        return check_text(stripped, multiline=True)

    return parse


# --- reading ----------------------------------------------------------------------------


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM) or Big5/cp950; anything else is refused."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp950")
    except UnicodeDecodeError:
        raise ValidationError(
            "the file is neither UTF-8 nor Big5 text; save it as UTF-8 CSV", field="file"
        ) from None


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    text_value = decode_text(content)
    if "\x00" in text_value:
        raise ValidationError("the CSV file contains NUL bytes", field="file")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text_value[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text_value, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as exc:
        raise ValidationError(
            f"malformed CSV at line {reader.line_num}: {exc}", field="file"
        ) from None


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            total = sum(i.file_size for i in archive.infolist())
            if total > 50 * len(content) + 10_000_000:
                raise ValidationError("the XLSX file expands too much (zip bomb?)", field="file")
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise ValidationError(f"not a readable XLSX file: {exc}", field="file") from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield ["" if cell is None else _cell_text(cell) for cell in row]
    finally:
        workbook.close()


def _cell_text(cell: Any) -> str:
    if isinstance(cell, date):
        return cell.isoformat()[:10]
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def raw_rows(content: bytes, filename: str) -> Iterator[list[str]]:
    lowered = filename.lower()
    if lowered.endswith(".xlsx"):
        return _xlsx_rows(content)
    if lowered.endswith((".csv", ".txt", ".tsv")):
        return _csv_rows(content)
    raise UnsupportedMediaError(
        f"cannot import {filename!r}: use a .csv (UTF-8 or Big5) or .xlsx file", field="file"
    )


def read_table(
    content: bytes,
    filename: str,
    columns: Sequence[Column],
    *,
    unique: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> ImportResult:
    """Parse a CSV/XLSX file into typed rows and per-row errors.

    Whole-file problems (empty, too large, wrong type or encoding, missing
    required columns) raise; row problems are collected in the result.
    """
    if not content:
        raise ValidationError("the file is empty", field="file")
    if len(content) > max_bytes:
        raise PayloadTooLargeError(f"the file is larger than {max_bytes:,} bytes", field="file")
    rows = raw_rows(content, filename)
    header = next(rows, None)
    while header is not None and not any(cell.strip() for cell in header):
        header = next(rows, None)
    if header is None:
        raise ValidationError("the file has no header row", field="file")
    positions: dict[str, int] = {}
    keys = [normalise_header(h) for h in header]
    for column in columns:
        wanted = column.header_keys()
        for index, key in enumerate(keys):
            if key in wanted:
                positions[column.name] = index
                break
    missing = [
        c.headers[0] if c.headers else c.name
        for c in columns
        if c.required and c.name not in positions
    ]
    if missing:
        raise ValidationError(f"missing column(s): {', '.join(missing)}", field="columns")

    result = ImportResult()
    seen: dict[tuple[Any, ...], int] = {}
    for offset, raw in enumerate(rows, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        result.total += 1
        if result.total > max_rows:
            raise PayloadTooLargeError(f"more than {max_rows:,} rows", field="file")
        parsed, problems = _parse_row(raw, columns, positions, offset)
        if not problems and unique:
            identity = tuple(parsed.get(name) for name in unique)
            if identity in seen:
                problems.append(
                    RowError(
                        offset,
                        unique[0],
                        f"duplicate of line {seen[identity]} ({', '.join(map(str, identity))})",
                    )
                )
            else:
                seen[identity] = offset
        if problems:
            result.errors.extend(problems)
        else:
            result.rows.append(parsed)
            result.lines.append(offset)
    return result


def _parse_row(
    raw: list[str], columns: Sequence[Column], positions: dict[str, int], line: int
) -> tuple[dict[str, Any], list[RowError]]:
    parsed: dict[str, Any] = {}
    problems: list[RowError] = []
    for column in columns:
        index = positions.get(column.name)
        cell = raw[index].strip() if index is not None and index < len(raw) else ""
        if len(cell) > MAX_CELL_CHARS:
            problems.append(
                RowError(line, column.name, f"cell longer than {MAX_CELL_CHARS} characters")
            )
            continue
        if not cell:
            if column.required:
                problems.append(RowError(line, column.name, "required value is empty"))
            else:
                parsed[column.name] = column.default
            continue
        try:
            parsed[column.name] = column.parse(cell)
        except ValueError as exc:
            problems.append(RowError(line, column.name, str(exc)))
    return parsed, problems


# --- writing ----------------------------------------------------------------------------


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """Text a spreadsheet will show, never run as a formula (CSV/formula injection).

    Characters no XLSX (XML) or UTF-8 file can hold, and those the text policy refuses,
    become U+FFFD, so a row stored before the policy never breaks an export.
    """
    value = neutralise(value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _export_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return spreadsheet_safe(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):  # a datetime in Taipei time with its offset, a day as ISO
        return format_when(value, precision="export")
    if isinstance(value, StrEnum):
        return value.value
    return value


#: the media type of each file format :func:`write_csv` and :func:`write_xlsx` make
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def write_csv(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """UTF-8 CSV with a BOM (Excel opens it correctly); headers are each column's first header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.headers[0] if c.headers else c.name for c in columns])
    for row in rows:
        writer.writerow([_export_value(row.get(c.name)) for c in columns])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def write_xlsx(
    columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *, title: str
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31] or "Sheet1"
    sheet.append([c.headers[0] if c.headers else c.name for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE4EE")
    count = 1
    for row in rows:
        sheet.append([_export_value(row.get(c.name)) for c in columns])
        count += 1
    sheet.freeze_panes = "A2"
    if count > 1:
        sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
