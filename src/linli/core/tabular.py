"""Excel (.xlsx) and CSV in and out: the one module that reads and writes spreadsheets for every app.

A sheet is described once by a `Sheet` of `Column`s: canonical key, Chinese header, English header,
other accepted headers, type and enum choices. From it:

- reading (`open_xlsx`, `read_sheet`, `read_table`) turns a file into rows keyed by canonical key, after
  guarding against oversized files, zip bombs and sheets with too many rows or cells. openpyxl's read-only
  mode trusts the sheet's `<dimension>` element, which other programs leave stale: every sheet is read to
  its real last row. Enum cells written as their Chinese labels are read back as their values, and cells
  escaped against formula injection as their original text.
- `TableErrors` names each bad field by the header the file itself uses (户数, not `households`), keeps
  the first `MAX_ERRORS` problems and counts the rest; the services fill it and refuse the whole file.
- writing (`Writer`) streams rows with openpyxl's write-only mode: Chinese headers (English second on
  bilingual sheets), enum values as Chinese labels with a drop-down list, yes/no as 是/否, and every text
  cell that a spreadsheet would run as a formula (= + - @, tab, carriage return) escaped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError, RowErrors

Progress = Callable[[int, int, str], None]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"

MAX_FILE_BYTES = 20 * 1024 * 1024  # an upload
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # an .xlsx's members together, as its zip directory declares them
MAX_ZIP_RATIO = 100  # uncompressed : compressed, over the whole .xlsx
MAX_ROWS = 100_000  # rows of one sheet
MAX_CELLS = 3_000_000  # cells of one file
MAX_ERRORS = 500  # problems kept; the rest are counted
PROGRESS_EVERY = 500  # rows between progress reports

TEXT, NUMBER, DATE, BOOLEAN, CHOICE, CHOICES = "text", "number", "date", "boolean", "choice", "choices"
YES, NO = "是", "否"
# A cell starting with one of these is a formula to Excel, LibreOffice or a CSV import (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SEPARATORS = str.maketrans({"，": ",", "、": ","})


# Describing a sheet ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column: its canonical `key`, the Chinese header `zh`, the English header `en` (written second
    on bilingual sheets), other accepted headers, its type and, for an enum, its TextChoices."""

    key: str
    zh: str
    en: str = ""
    aliases: tuple[str, ...] = ()
    kind: str = TEXT
    choices: Any = None  # a TextChoices class for CHOICE and CHOICES columns
    width: int | None = None

    def names(self) -> set[str]:
        """Every accepted way of writing the header, lower-cased: "名称 name", "名称", "name", aliases."""
        names = {self.zh, self.en, f"{self.zh} {self.en}", *self.aliases}
        return {n.strip().lower() for n in names if n.strip()}

    @cached_property
    def labels(self) -> dict[str, str]:
        """Enum value -> the Chinese label written in the cell."""
        return {str(option.value): chinese_label(option) for option in self.choices or ()}

    @cached_property
    def values(self) -> dict[str, str]:
        """Every accepted way of writing an enum value (value, Chinese label, English label and its
        halves), lower-cased -> the value."""
        from linli.core.parsing import choice_names

        words: dict[str, str] = {}
        with translation.override("en"):
            for option in self.choices or ():
                for name in (*choice_names(option), chinese_label(option)):
                    words.setdefault(name.strip().lower(), str(option.value))
        return words


def chinese_label(option: Any) -> str:
    """The Chinese label of a TextChoices member: the part in brackets of "government-run (政府运营)", or
    the label itself when it has no such part ("5A")."""
    with translation.override("en"):
        label = str(option.label)
    if label.endswith(")") and " (" in label:
        return label[:-1].split(" (", 1)[1]
    return label


@dataclass(frozen=True)
class Sheet:
    """A sheet: its key, its title (the workbook's sheet name, "设施 facilities" or "areas"), its columns
    and the keys a file must have. `bilingual` headers read "中文 english". `match` maps a header no column
    names to a key (the age groups of the area sheet); `unknown` gives the message for a header nothing
    matches (None: the general one). `strict` False ignores unknown columns instead of refusing them."""

    key: str
    title: str
    columns: tuple[Column, ...]
    required: tuple[str, ...] = ()
    bilingual: bool = False
    match: Callable[[str], str | None] | None = None
    unknown: Callable[[str], str | None] | None = None
    strict: bool = True

    def column(self, key: str) -> Column:
        return self._by_key[key]

    def has(self, key: str) -> bool:
        return key in self._by_key

    @cached_property
    def _by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    @cached_property
    def _by_name(self) -> dict[str, str]:
        return {name: c.key for c in self.columns for name in c.names()}

    def header_of(self, column: Column) -> str:
        return f"{column.zh} {column.en}" if self.bilingual and column.en else column.zh

    def header(self) -> list[str]:
        return [self.header_of(c) for c in self.columns]

    def key_of(self, label: str) -> str | None:
        """The key a header names, or None."""
        key = self._by_name.get(label.strip().lower())
        if key is None and self.match is not None:
            key = self.match(label)
        return key

    def names(self) -> set[str]:
        """The sheet's accepted names: its title and, for "设施 facilities", each half."""
        return {name for name in (self.title, *self.title.split(" ", 1)) if name}


# Problems --------------------------------------------------------------------------------------------


class TableErrors(RowErrors):
    """Problems of a file, each naming its row and the field by the header the file itself uses.

    Services add problems by canonical key ("households", or "offerings.item" for a key of another sheet
    registered with that prefix); a key of a sheet read from the file becomes that sheet's header as
    written (户数), with the sheet's title when the file has several sheets. Only the first `limit`
    problems are kept, the others counted in `more`."""

    def __init__(self, limit: int = MAX_ERRORS) -> None:
        super().__init__()
        self.limit = limit
        self.more = 0
        self._tables: dict[str, Table] = {}

    def name_by(self, table: Table, prefix: str = "") -> None:
        """Name the fields of `table` (keys with `prefix` + "." when given) by its headers."""
        self._tables[prefix] = table

    def __bool__(self) -> bool:
        return bool(self.errors) or self.more > 0

    def label(self, fieldname: str) -> tuple[str, str | None]:
        """(the header as the file writes it, the sheet's title or None) for a field key."""
        prefix, _dot, key = fieldname.rpartition(".")
        table = self._tables.get(prefix)
        if table is None or not table.sheet.has(key):
            return fieldname, None
        return table.label(key), table.title if len(self._tables) > 1 else None

    def add(self, row: int, fieldname: str, message: str, value: Any = None) -> None:
        if len(self.errors) >= self.limit:
            self.more += 1
            return
        name, sheet = self.label(fieldname)
        super().add(row, name, message, value)
        if sheet is not None:
            self.errors[-1]["sheet"] = sheet

    def count(self) -> int:
        return len(self.errors) + self.more

    def amend(self, exc: ApplicationError) -> ApplicationError:
        """A refusal listing these problems, saying how many were left off the list."""
        if self.more and exc.extra.get("errors") is self.errors:
            exc.extra["more"] = self.more
            exc.message = _("%(n)d problem(s) in the file; nothing was imported.") % {"n": self.count()}
            exc.args = (exc.message,)
        return exc

    def raise_if_any(self, code: str, message: str, **extra: Any) -> None:
        if self.more:
            extra["more"] = self.more
        super().raise_if_any(code, message, **extra)


# Reading ---------------------------------------------------------------------------------------------


@dataclass
class Table:
    """The rows of one sheet: (row number as the spreadsheet shows it, values by key), the title of the
    sheet in the file, the header each key was read from, and the problems of the header row."""

    sheet: Sheet
    title: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    problems: RowErrors = field(default_factory=RowErrors)
    missing: list[str] = field(default_factory=list)

    def label(self, key: str) -> str:
        """The header of `key` as the file writes it, else as the template writes it."""
        return self.headers.get(key) or self.sheet.header_of(self.sheet.column(key))


def check_size(size: int) -> None:
    """Refuse a file larger than `MAX_FILE_BYTES`."""
    if size > MAX_FILE_BYTES:
        raise ApplicationError(
            "file_too_large",
            _("The file is larger than %(limit)d MB.") % {"limit": MAX_FILE_BYTES // (1024 * 1024)},
            {"field": "file", "size": size, "limit": MAX_FILE_BYTES},
        )


def _zip_check(content: bytes) -> None:
    """Refuse an .xlsx whose members would unpack to too much, by the sizes its zip directory declares
    (openpyxl stops reading a member at its declared size)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ApplicationError("bad_file", _("This is not an Excel (.xlsx) file."), {"field": "file"}) from exc
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNZIPPED_BYTES or unpacked > MAX_ZIP_RATIO * max(len(content), 1):
        raise ApplicationError(
            "file_too_large",
            _("This Excel file unpacks to %(size)d MB, more than can be read.") % {"size": unpacked // (1024 * 1024)},
            {"field": "file", "unpacked": unpacked},
        )


def open_xlsx(content: bytes) -> Any:
    """The workbook in an .xlsx file, read-only, values rather than formulas; guarded against oversized
    files and zip bombs. Close it after use."""
    from openpyxl import load_workbook

    check_size(len(content))
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ApplicationError("bad_file", _("This is not an Excel (.xlsx) file."), {"field": "file"})
    _zip_check(content)
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ApplicationError(
            "bad_file", _("This Excel file cannot be read."), {"field": "file", "why": str(exc)}
        ) from exc


def csv_rows(content: bytes) -> Iterator[tuple[Any, ...]]:
    """The rows of a CSV file: UTF-8 with or without BOM, else GB 18030 (GBK, as Chinese Excel saves)."""
    check_size(len(content))
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            decoded = content.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ApplicationError(
                "bad_file", _("This CSV file is neither UTF-8 nor GBK text."), {"field": "file"}
            ) from exc
    for row in csv.reader(io.StringIO(decoded, newline="")):
        yield tuple(None if v == "" else v for v in row)


def read_feature_collection(content: bytes) -> list[Any]:
    """The features of an uploaded GeoJSON FeatureCollection (size checked like every upload); refuses a
    file that is not one, naming the file."""
    check_size(len(content))
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApplicationError(
            "bad_file", _("This is not a GeoJSON file."), {"field": "file", "why": str(exc)}
        ) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ApplicationError("bad_file", _("A GeoJSON FeatureCollection is expected."), {"field": "file"})
    return list(document.get("features") or [])


def read_sheet(worksheet: Any, sheet: Sheet, progress: Progress | None = None) -> Table:
    """Every row of an openpyxl worksheet (read-only or not), the header being row 1."""
    estimate = worksheet.max_row or 0
    if hasattr(worksheet, "reset_dimensions"):  # read-only: its <dimension> may be stale; read to the end
        worksheet.reset_dimensions()
    return read_rows(
        worksheet.iter_rows(values_only=True), sheet, title=worksheet.title, estimate=estimate, progress=progress
    )


def read_table(content: bytes, name: str, sheet: Sheet, progress: Progress | None = None) -> Table:
    """The first sheet of an .xlsx file, or the rows of a CSV file (any other name)."""
    if not name.lower().endswith(".xlsx"):
        return read_rows(csv_rows(content), sheet, title=sheet.title, progress=progress)
    workbook = open_xlsx(content)
    try:
        return read_sheet(workbook.worksheets[0], sheet, progress)
    finally:
        workbook.close()


def read_rows(
    rows: Iterable[Sequence[Any]],
    sheet: Sheet,
    *,
    title: str,
    estimate: int = 0,
    progress: Progress | None = None,
) -> Table:
    """Rows (the header first) into a `Table`. Empty rows are skipped; a value in a column without a
    header, an unknown, repeated or missing required column is a problem of the header row (1)."""
    table = Table(sheet, title)
    rows_iter = iter(rows)
    header = next(rows_iter, None) or ()
    columns = _map_header(header, table)
    headed = {col for col, cell in enumerate(header) if not _empty(cell)}
    cells = len(header)
    for index, values in enumerate(rows_iter, start=2):
        if index - 1 > MAX_ROWS:
            raise ApplicationError(
                "too_many_rows",
                _("The sheet %(sheet)s has more than %(n)d rows.") % {"sheet": title, "n": MAX_ROWS},
                {"field": "file", "sheet": title, "limit": MAX_ROWS},
            )
        cells += len(values)
        if cells > MAX_CELLS:
            raise ApplicationError(
                "too_many_cells",
                _("The file has more than %(n)d cells.") % {"n": MAX_CELLS},
                {"field": "file", "limit": MAX_CELLS},
            )
        if not values or all(_empty(v) for v in values):
            continue
        for col in sorted({col for col, v in enumerate(values) if not _empty(v)} - headed):
            message = _("a column without a header in sheet %(sheet)s") % {"sheet": title}
            table.problems.add(1, _column_letter(col), message)
            headed.add(col)  # reported once
        table.rows.append(
            (
                index,
                {
                    key: cell_value(values[col] if col < len(values) else None, column)
                    for key, (col, column) in columns.items()
                },
            )
        )
        if progress and index % PROGRESS_EVERY == 0:
            progress(index - 1, max(estimate - 1, index - 1), _("reading row %(n)d") % {"n": index})
    return table


def _map_header(header: Sequence[Any], table: Table) -> dict[str, tuple[int, Column]]:
    sheet = table.sheet
    columns: dict[str, tuple[int, Column]] = {}
    for col, cell in enumerate(header):
        label = str(cell).strip() if cell is not None else ""
        if not label:
            continue
        key = sheet.key_of(label)
        if key is None:
            if sheet.strict:
                message = sheet.unknown(label) if sheet.unknown else None
                table.problems.add(1, label, message or _("unknown column in sheet %(sheet)s") % {"sheet": table.title})
        elif key in columns:
            table.problems.add(1, label, _("column given twice in sheet %(sheet)s") % {"sheet": table.title})
        else:
            columns[key] = (col, sheet.column(key))
            table.headers[key] = label
    for key in sheet.required:
        if key not in columns:
            table.missing.append(key)
            table.problems.add(
                1,
                sheet.header_of(sheet.column(key)),
                _("required column is missing from sheet %(sheet)s") % {"sheet": table.title},
            )
    return columns


def raise_header_problems(*tables: Table) -> None:
    """Refuse the file when any header row has a problem, naming every one."""
    problems = [problem for table in tables for problem in table.problems.errors]
    if problems:
        raise ApplicationError(
            "bad_header", _("The header row does not match the template; nothing was imported."), {"errors": problems}
        )


def cell_value(value: Any, column: Column | None = None) -> Any:
    """A cell as read: escaped text as its original, enum labels as their values (a CHOICES cell as a
    list); anything else as it is, for the services to check."""
    if isinstance(value, str):
        value = unescape(value)
        if column is not None and column.kind == CHOICE:
            return column.values.get(value.strip().lower(), value)
        if column is not None and column.kind == CHOICES and value.strip():
            parts = [p.strip() for p in value.translate(_SEPARATORS).split(",") if p.strip()]
            return [column.values.get(p.lower(), p) for p in parts]
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _column_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col + 1)


# Writing ---------------------------------------------------------------------------------------------


def escape(value: str) -> str:
    """Text a spreadsheet would run as a formula, prefixed with an apostrophe (shown as text)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def unescape(value: str) -> str:
    """The original of an `escape`d text."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def plain(value: Any) -> Any:
    """A value for a cell: text escaped; numbers, dates and None as they are."""
    if isinstance(value, str):
        return escape(value) if value else None  # an empty cell, not an empty text
    if value is None or isinstance(value, int | float | dt.date | dt.time):
        return value
    if hasattr(value, "is_finite"):  # Decimal
        return value
    return escape(str(value))


def typed(value: Any, column: Column) -> Any:
    """A record's value as the cell shows it: enum values as Chinese labels, yes/no as 是/否, lists
    comma-separated; text escaped."""
    if isinstance(value, bool):
        value = YES if value else NO
    elif column.kind == CHOICE and value not in (None, ""):
        value = column.labels.get(str(value), value)
    elif isinstance(value, list | tuple):
        if column.kind == CHOICES:
            value = [column.labels.get(str(v), v) for v in value]
        value = ",".join(str(v) for v in value)
    return plain(value)


class Writer:
    """A workbook written row by row (openpyxl's write-only mode): sheets in the order added."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self.workbook = Workbook(write_only=True)

    def sheet(
        self,
        title: str,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        widths: Sequence[int | None] = (),
        lists: Mapping[int, Sequence[str]] | None = None,
        freeze: str | None = None,
    ) -> None:
        """A sheet with a bold header and `rows` (values escaped by `plain`); `lists` puts a drop-down of
        the given words on the data cells of a column (0-based)."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.datavalidation import DataValidation

        ws = self.workbook.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            if width:
                ws.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            ws.freeze_panes = freeze
        for col, words in (lists or {}).items():
            formula = '"' + ",".join(words) + '"'
            if len(formula) > 257 or any("," in w or '"' in w for w in words):
                continue  # Excel's inline lists hold 255 characters
            validation = DataValidation(type="list", formula1=formula, allow_blank=True)
            validation.error = _("Choose a value from the list.")
            validation.showErrorMessage = True
            letter = get_column_letter(col + 1)
            validation.add(f"{letter}2:{letter}1048576")
            ws.data_validations.append(validation)
        bold = Font(bold=True)
        cells = []
        for name in header:
            cell = WriteOnlyCell(ws, value=plain(name))
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
        for row in rows:
            ws.append([plain(v) for v in row])

    def table(self, sheet: Sheet, records: Iterable[Mapping[str, Any]], *, freeze: str | None = "B2") -> None:
        """A sheet of records by `sheet`'s columns: its header, enum labels with drop-downs, 是/否."""
        lists: dict[int, list[str]] = {}
        for col, column in enumerate(sheet.columns):
            if column.kind == CHOICE:
                lists[col] = list(column.labels.values())
            elif column.kind == BOOLEAN:
                lists[col] = [YES, NO]
        header = sheet.header()
        widths = [c.width or max(10, min(40, len(h) + 4)) for c, h in zip(sheet.columns, header, strict=True)]
        self.sheet(
            sheet.title,
            header,
            ([typed(record.get(c.key), c) for c in sheet.columns] for record in records),
            widths=widths,
            lists=lists,
            freeze=freeze,
        )

    def notes(self, title: str, lines: Iterable[Sequence[Any]], widths: Sequence[int] = (30, 100)) -> None:
        """A sheet of explanations, without a header."""
        from openpyxl.utils import get_column_letter

        ws = self.workbook.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        for line in lines:
            ws.append([plain(v) for v in line])

    def content(self) -> bytes:
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()
