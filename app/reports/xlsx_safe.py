"""Safe Excel cells (text never becomes a formula) and safe opening of workbooks we did not write.

Writing: a text cell is always a string cell (`t="inlineStr"`) holding the text unchanged — no
apostrophe or other prefix — so `=HYPERLINK(...)`, `+1`, `-2`, `@SUM` or `#N/A` stay literal text.
Characters XML cannot carry (control characters, a carriage return, which XML parsers turn into a
line feed) and the C1 controls (0x7f-0x9f, which XML would carry raw) use the OOXML `_xHHHH_`
escape that Excel decodes, and a literal `_xHHHH_` in the text is protected as `_x005F_xHHHH_`;
`unescape_text` undoes both on import.

Reading: before openpyxl sees a file, it must be a zip with the parts of a workbook, at most
MAX_ENTRIES entries, at most MAX_UNCOMPRESSED bytes once unpacked, no entry compressed beyond
MAX_RATIO (zip bombs), and no XML part with a document type declaration (entity bombs, external
entities). openpyxl then opens the workbook with defusedxml (a second line of defence) in read-only
mode, and `sheet_rows` reads each sheet's rows with the streaming reader of xlsx_rows (lxml with
entities, DTDs and the network off; a DTD is refused there too).
"""

from __future__ import annotations

import codecs
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.cell.cell import ERROR_CODES, Cell, WriteOnlyCell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet import _read_only
from openpyxl.worksheet._reader import FORMULA_TAG as _FORMULA_TAG
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.table import Table, TableStyleInfo

from app.errors import ClausekeeperError
from app.reports.xlsx_write import fast_rows

MAX_ENTRIES = 10_000
MAX_UNCOMPRESSED = 1024 * 1024 * 1024
"""Unpacked size limit: the enterprise register (SPEC §7) unpacks to about 390 MB."""
MAX_RATIO = 200
"""Largest compression ratio accepted for an entry of more than RATIO_FLOOR bytes."""
RATIO_FLOOR = 1024 * 1024
MAX_CELL_TEXT = 32_767
"""Excel's limit on the characters of one cell."""

FORMULA_STARTS = frozenset("=+-@\t\r\n")
"""Text starting with one of these is what spreadsheet formula injection uses."""

_ERROR_TEXTS = frozenset(ERROR_CODES)
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_PROLOG_CHUNK = 64 * 1024
_PROLOG_LIMIT = 4 * 1024 * 1024
"""An XML prolog longer than this is refused (no workbook part has more than a few bytes)."""


class CellTextTooLong(ClausekeeperError):
    """Text longer than an Excel cell can hold."""


def _escape_match(match: re.Match[str]) -> str:
    found = match.group(0)
    if len(found) == 1:
        return f"_x{ord(found):04X}_"
    return "_x005F_" + found[1:]  # the literal underscore, escaped


def escape_text(value: str) -> str:
    """Text as OOXML stores it: control characters and literal `_xHHHH_` escaped."""
    if "_x" in value or _NEEDS_ESCAPE.search(value):
        return _NEEDS_ESCAPE.sub(_escape_match, value)
    return value


def unescape_text(value: str) -> str:
    """Decode OOXML `_xHHHH_` escapes (what Excel shows for the text of a cell)."""
    if "_x" not in value:
        return value
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)


def forced_text_cell(ws: Any, value: str) -> Cell:
    """A write-only cell that is a string cell whatever its text looks like."""
    cell = WriteOnlyCell(ws)
    cell._value = value
    cell.data_type = "s"
    return cell


def plain_text(value: str) -> bool:
    """True when the text needs nothing done to be a cell's text (the common case): no control
    characters to escape, no literal `_xHHHH_`, not too long, nothing a formula starts with."""
    return (
        value.isprintable()
        and "_x" not in value
        and value[:1] not in FORMULA_STARTS
        and len(value) <= MAX_CELL_TEXT
        and value not in _ERROR_TEXTS
    )


def cell_text(value: str, *, truncate: bool = True) -> str:
    """The text as a cell stores it: escaped (see `escape_text`), and cut with an ellipsis when
    too long for a cell if `truncate`, else CellTextTooLong."""
    value = escape_text(value)
    if len(value) > MAX_CELL_TEXT:
        if not truncate:
            raise CellTextTooLong(
                f"text of {len(value):,} characters is longer than an Excel cell holds "
                f"({MAX_CELL_TEXT:,})"
            )
        value = value[: MAX_CELL_TEXT - 1] + "…"
    return value


def safe_text(ws: Any, value: str, *, truncate: bool = True) -> str | Cell:
    """A value to append for this text: the text itself, or a cell forced to be a string.

    Text too long for a cell is cut with an ellipsis when `truncate`, else CellTextTooLong.
    (On a sheet with `xlsx_write.fast_rows` every str is a string cell: `cell_text` is enough.)
    """
    if plain_text(value):
        return value
    value = cell_text(value, truncate=truncate)
    if value[:1] in FORMULA_STARTS or value in _ERROR_TEXTS:
        return forced_text_cell(ws, value)
    return value


def excel_number(value: Decimal) -> Decimal | str:
    """A decimal as an Excel number when that keeps it exactly, else as its text.

    openpyxl writes numbers with 16 significant digits and Excel keeps 15; a value that would
    not come back the same (more digits, a huge exponent) is written as text, which import reads.
    """
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    back = Decimal(repr(float(format(float(value), ".16g"))))  # what a reader gets back
    if back == value and len(back.normalize().as_tuple().digits) <= 15:
        return value
    return format(value, "f")


def declare_dimension(ws: Any, columns: int, rows: int) -> None:
    """State a write-only sheet's size (call before its first row).

    openpyxl's write-only sheets have no `<dimension>`; a read-only reader (openpyxl's, ours on
    import) then parses the whole sheet once more just to find its size.
    """
    ref = f"A1:{get_column_letter(max(columns, 1))}{max(rows, 1)}"
    ws.calculate_dimension = lambda: ref


@contextmanager
def write_only_workbook() -> Iterator[Any]:
    """A write-only workbook whose half-written sheets are discarded if the block fails."""
    workbook = openpyxl.Workbook(write_only=True)
    try:
        yield workbook
    except BaseException:
        discard_workbook(workbook)
        raise


def discard_workbook(workbook: Any) -> None:
    """Close the streams and remove the temporary files of an unsaved write-only workbook."""
    for ws in getattr(workbook, "_sheets", ()):
        rows = getattr(ws, "_rows", None)
        writer = getattr(ws, "_writer", None)
        try:
            if rows is not None:
                rows.close()
            if writer is not None:
                writer.close()
                writer.cleanup()
        except Exception:  # best effort: the file is being thrown away
            pass


# --- opening workbooks --------------------------------------------------------------------


def _not_a_workbook(path: Path, why: str = "") -> ClausekeeperError:
    suffix = f" ({why})" if why else ""
    return ClausekeeperError(f"{path.name} is not an .xlsx workbook{suffix}")


def check_xlsx_container(path: Path) -> None:
    """Refuse anything that is not a plausible, bounded .xlsx zip (raises ClausekeeperError)."""
    if not path.exists():
        raise ClausekeeperError(f"{path}: no such file")
    if not path.is_file():
        raise ClausekeeperError(f"{path}: not a file")
    try:
        is_zip = zipfile.is_zipfile(path)
    except OSError as exc:
        raise ClausekeeperError(f"{path}: cannot read it ({exc.strerror})") from None
    if not is_zip:
        with path.open("rb") as fh:
            head = fh.read(8)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise _not_a_workbook(
                path, "an old .xls or a password-protected file: save it as .xlsx"
            )
        raise _not_a_workbook(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                raise ClausekeeperError(
                    f"{path.name} was not opened: it holds {len(infos):,} parts "
                    f"(at most {MAX_ENTRIES:,} accepted)"
                )
            total = sum(info.file_size for info in infos)
            if total > MAX_UNCOMPRESSED:
                raise ClausekeeperError(
                    f"{path.name} was not opened: it unpacks to {total / 2**20:,.0f} MB "
                    f"(at most {MAX_UNCOMPRESSED // 2**20} MB accepted)"
                )
            for info in infos:
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
                    raise ClausekeeperError(
                        f"{path.name} was not opened: its part {info.filename} is compressed "
                        f"{ratio:,.0f} to 1, like a zip bomb"
                    )
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise _not_a_workbook(path, "a zip file without a workbook inside")
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    _refuse_dtd(path, archive, info)
    except zipfile.BadZipFile as exc:
        raise _not_a_workbook(path, str(exc)) from None
    except (OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        raise _not_a_workbook(path, str(exc)) from None


def _refuse_dtd(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """A workbook's XML never has a DTD; one is how entity bombs and external entities work.

    The prolog (declaration, comments, processing instructions) is read up to the root
    element, however long it is padded, and refused if it declares a document type.
    """
    with archive.open(info) as fh:
        if _prolog_declares_dtd(fh):
            raise ClausekeeperError(
                f"{path.name} was not opened: its part {info.filename} declares XML entities "
                "(a document type declaration), which workbooks never need"
            )


def _prolog_declares_dtd(fh: Any) -> bool:
    """True when the XML prolog declares a document type (or is too long to be honest)."""
    head = fh.read(4)
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    elif head[:1] == b"\x00":
        encoding = "utf-16-be"
    elif head[1:2] == b"\x00":
        encoding = "utf-16-le"
    else:
        encoding = "utf-8"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    buffer = decoder.decode(head)
    consumed = len(head)

    def more() -> bool:
        nonlocal buffer, consumed
        if consumed >= _PROLOG_LIMIT:
            return False
        chunk = fh.read(_PROLOG_CHUNK)
        consumed += len(chunk)
        buffer += decoder.decode(chunk, final=not chunk)
        return bool(chunk)

    blanks = "\ufeff \t\r\n"
    while True:
        buffer = buffer.lstrip(blanks)
        while len(buffer) < 9 and more():
            buffer = buffer.lstrip(blanks)
        if buffer[:9].upper() == "<!DOCTYPE" or buffer[:8].upper() == "<!ENTITY":
            return True
        if buffer.startswith("<?"):
            closing = "?>"
        elif buffer.startswith("<!--"):
            closing = "-->"
        else:
            return False  # the root element: no document type declaration came before it
        end = buffer.find(closing, 2)
        while end < 0:
            if not more():
                return consumed >= _PROLOG_LIMIT  # refuse megabytes of prolog; EOF is fine
            end = buffer.find(closing, 2)
        buffer = buffer[end + len(closing) :]


class FormulaWithoutValue:
    """What a read cell holds when it has a formula but no value saved with it (a workbook
    written by a script): SPEC §5 makes it an error that says so, never an empty cell."""

    _instance: FormulaWithoutValue | None = None
    REASON = "formula without a saved value"

    def __new__(cls) -> FormulaWithoutValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<formula without a saved value>"


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()


class _ValuesParser(_read_only.WorkSheetParser):  # type: ignore[misc]
    """openpyxl's sheet parser, but a formula cell with no saved value reads as
    FORMULA_WITHOUT_VALUE instead of None (values-only reading cannot tell them apart)."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        if (
            self.data_only
            and cell["value"] is None
            and element.find(_FORMULA_TAG) is not None
            and element.get("t") != "inlineStr"
        ):
            cell["value"] = FORMULA_WITHOUT_VALUE
        return cell


# Read-only worksheets build their parser by this module-level name.
_read_only.WorkSheetParser = _ValuesParser


@contextmanager
def open_workbook(path: Path) -> Iterator[Any]:
    """Open an .xlsx for reading (read-only, values only) after the checks above."""
    path = Path(path)
    check_xlsx_container(path)
    if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise ClausekeeperError("defusedxml is not in use; refusing to parse workbooks")
    with path.open("rb") as source:  # ours to close, also when openpyxl fails
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            cause = exc.__cause__ or exc
            raise _not_a_workbook(path, f"{type(cause).__name__}: {cause}") from None
        try:
            yield workbook
        finally:
            workbook.close()


MAX_ROWS = 1_048_576
"""Rows of a sheet read at most (Excel's own limit)."""
MAX_COLUMNS = 1_024
"""Columns of a sheet read at most (a register has 20; Excel allows 16,384)."""
MAX_EMPTY_RUN = 100_000
"""Empty rows in a row before a sheet is refused (a million of them take a minute to parse)."""
MAX_SHEET_CELLS = 10_000_000
"""Cells of one sheet read at most (the enterprise register's largest sheet has 3.6 million)."""


def _no_value(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def bounded_rows(
    rows: Iterable[Sequence[Any]], where: str, blank: Callable[[Any], bool] = _no_value
) -> Iterator[Sequence[Any]]:
    """The rows, refused (ClausekeeperError naming `where`) once a sheet goes beyond a bound.

    MAX_ROWS rows, MAX_COLUMNS columns (blank cells at a row's end do not count), MAX_EMPTY_RUN
    empty rows in a row, MAX_SHEET_CELLS cells: time and memory stay bounded whatever the
    sheet declares or holds. `blank` tells an empty cell (a value, or a cell object).
    """
    cells = 0
    empty_run = 0
    number = 0
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise ClausekeeperError(
                f"{where}: more than {MAX_ROWS:,} rows, more than Excel holds; nothing was read"
            )
        width = len(row)
        if width > MAX_COLUMNS:
            while width > MAX_COLUMNS and blank(row[width - 1]):
                width -= 1
            if width > MAX_COLUMNS:
                raise ClausekeeperError(
                    f"{where} row {number:,}: a value in column {width:,} "
                    f"({get_column_letter(min(width, 16_384))}); at most {MAX_COLUMNS:,} "
                    "columns are read"
                )
        cells += width
        if cells > MAX_SHEET_CELLS:
            raise ClausekeeperError(
                f"{where}: more than {MAX_SHEET_CELLS:,} cells; split the file"
            )
        if width == 0 or (blank(row[0]) and all(blank(v) for v in row)):
            empty_run += 1
            if empty_run > MAX_EMPTY_RUN:
                raise ClausekeeperError(
                    f"{where}: more than {MAX_EMPTY_RUN:,} empty rows in a row after row "
                    f"{number - empty_run:,}; delete the empty rows (or the stray values below "
                    "them) and save the file again"
                )
        else:
            empty_run = 0
        yield row


def sheet_rows(worksheet: Any, where: str | None = None) -> Iterator[Any]:
    """The rows of a read-only sheet as value tuples, whatever its stated dimensions.

    Bounded as `bounded_rows` says (`where` names the sheet in its messages, e.g.
    `register.xlsx, sheet Vendors`). openpyxl warns about oddities of other writers; wrap the
    reading in `warnings.catch_warnings()` where that matters.
    """
    from app.reports.xlsx_rows import fast_rows_available, sheet_values

    reset = getattr(worksheet, "reset_dimensions", None)
    if reset is not None:
        reset()
    try:
        if fast_rows_available(worksheet):
            rows = sheet_values(worksheet)
        else:
            rows = worksheet.iter_rows(values_only=True)
        yield from bounded_rows(rows, where or f"the sheet {worksheet.title}")
    except (DefusedXmlException, ParseError) as exc:  # a second line of defence
        raise ClausekeeperError(
            f"the sheet {worksheet.title} cannot be read: {type(exc).__name__}: {exc}"
        ) from None


# --- report sheets ------------------------------------------------------------------------

DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
KINDS = ("text", "int", "date", "month", "money", "percent", "number", "bool")
MONTH_FORMAT = "yyyy-mm"
_CENT = Decimal("0.01")
_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FONT = Font(bold=True)
HEADER_ROW = 3
"""Reports: row 1 the title with the as-of date, row 2 a note, row 3 the column names."""


_FORMATS = {"date": DATE_FORMAT, "month": MONTH_FORMAT, "percent": PERCENT_FORMAT}

PORTRAIT_WIDTH = 100.0
"""Column widths (in characters) that a portrait page holds at full size; wider sheets print
landscape. Either way a sheet is scaled to one page wide."""
CHART_CHARACTERS_PER_CM = 5.4
"""About how many characters of column width one centimetre of a chart covers."""
DEFAULT_COLUMN_WIDTH = 8.43
"""The width (in characters) of a column whose width is not set."""
PAPER_SIZE = 9
"""A4 (OOXML paper size 9). A sheet with page setup but no paper size prints on Letter."""
_MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6, "header": 0.25,
            "footer": 0.3}
"""Page margins in inches (openpyxl's defaults are 0.75 to 1 inch)."""


def footer_text(text: str) -> str:
    """Text for a header or footer section: `&` starts a code there, so a literal one is `&&`."""
    return text.replace("&", "&&")


def print_setup(
    ws: Any, footer: str, *, width: float, title_rows: str | None = None, pages_tall: int = 0
) -> None:
    """Print the sheet one page wide (and `pages_tall` pages tall; 0: as many as it takes).

    On A4, landscape when `width` (the columns' and charts' width in characters) is more than a
    portrait page holds; `title_rows` (e.g. `3:3`) repeat on every page; the footer shows
    `footer` (the title with the as-of date), the page number and the sheet name. Call it before
    the first row of a write-only sheet: `fitToPage` sits in the sheet properties, which are
    written with the first row.
    """
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    setup = ws.page_setup
    setup.paperSize = PAPER_SIZE
    setup.orientation = "landscape" if width > PORTRAIT_WIDTH else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = pages_tall
    ws.page_margins = PageMargins(**_MARGINS)
    if title_rows is not None:
        ws.print_title_rows = title_rows
    sections = ws.oddFooter
    sections.left.text = footer_text(footer)
    sections.center.text = "Page &P of &N"
    sections.right.text = "&A"  # the sheet's name
    for section in (sections.left, sections.center, sections.right):
        section.size = 8


def money_format(currency: str) -> str:
    """An Excel number format showing the currency code, e.g. `#,##0.00 "EUR"`."""
    code = "".join(ch for ch in currency if ch.isalnum())[:3] or "?"
    return f'#,##0.00 "{code}"'


@dataclass(frozen=True)
class Column:
    """A report column: its header, kind (see KINDS) and width in characters (None: fit)."""

    header: str
    kind: str = "text"
    width: float | None = None


def round_ratio(value: Fraction | float | None) -> float | None:
    """A ratio rounded half-up to 4 places (as the JSON shows it), for a percent cell."""
    if value is None:
        return None
    exact = Fraction(value)
    scaled = (exact.numerator * 20000 + exact.denominator) // (2 * exact.denominator)
    return scaled / 10000


def fit_widths(
    columns: Sequence[Column], rows: Iterable[Sequence[Any]], sample: int = 2000
) -> list[float]:
    """Column widths that fit the header and the first `sample` rows (8 to 60 characters)."""
    widths = [float(len(c.header) + 2) for c in columns]
    for count, row in enumerate(rows):
        if count >= sample:
            break
        for index, value in enumerate(row[: len(columns)]):
            kind = columns[index].kind
            if value is None:
                continue
            if kind in ("date", "month"):
                length = 10
            elif kind == "money":
                length = len(f"{value:,.2f}") + 4
            elif kind == "percent":
                length = 6
            elif kind == "text":
                length = max(len(line) for line in str(value).split("\n"))
            else:
                length = len(str(value))
            widths[index] = max(widths[index], length + 2)
    return [
        c.width if c.width is not None else min(max(w, 8.0), 60.0)
        for c, w in zip(columns, widths, strict=True)
    ]


class ReportSheet:
    """A streamed report sheet: title row, column names frozen, typed cells, an Excel table.

    Every text goes through `safe_text`; dates, money (with its currency in the number format),
    percentages and integers get real formats. Conditional formats are added with `highlight`
    once the rows are written (their range is known then).
    """

    def __init__(
        self,
        workbook: Any,
        name: str,
        title: str,
        columns: Sequence[Column],
        *,
        note: str = "",
        table: str | None = None,
        widths: Sequence[float] | None = None,
        rows: int | None = None,
    ) -> None:
        self.ws = fast_rows(workbook.create_sheet(name))
        if rows is not None:
            declare_dimension(self.ws, len(columns), HEADER_ROW + rows)
        self.columns = list(columns)
        self.table = table
        self.rows = 0
        ws = self.ws
        ws.freeze_panes = f"A{HEADER_ROW + 1}"
        widths = list(widths or fit_widths(columns, ()))
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        print_setup(ws, title, width=sum(widths), title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
        ws.append([title_cell(ws, title)])
        ws.append([safe_text(ws, note)] if note else [])
        header = []
        for column in self.columns:
            cell = forced_text_cell(ws, escape_text(column.header))
            cell.font = _HEADER_FONT
            header.append(cell)
        ws.append(header)
        self._templates: list[Cell | None] = []
        for column in self.columns:
            template: Cell | None = None
            if column.kind in _FORMATS:
                template = WriteOnlyCell(ws)
                template.number_format = _FORMATS[column.kind]
            self._templates.append(template)
        self._money: dict[tuple[int, str], Cell] = {}
        self._text_columns = [i for i, c in enumerate(self.columns) if c.kind == "text"]
        self._converted = [
            (i, self._converter(i, c.kind))
            for i, c in enumerate(self.columns)
            if c.kind not in ("text", "int", "bool")
        ]

    def _converter(self, index: int, kind: str) -> Callable[[Any, str], Any]:
        template = self._templates[index]
        if kind == "money":
            return lambda v, c: self._money_cell(index, v, c)
        if template is not None:
            data_type = "n" if kind == "percent" else "d"
            is_percent = kind == "percent"

            def styled(value: Any, _c: str) -> Any:
                if is_percent:
                    value = round_ratio(value)
                template._value = value
                template.data_type = data_type
                return template

            return styled
        if kind == "number":
            return lambda v, _c: excel_number(v) if isinstance(v, Decimal) else v
        return lambda v, _c: v

    def _money_cell(self, index: int, value: Any, currency: str) -> Any:
        amount = Decimal(value).quantize(_CENT, ROUND_HALF_UP)
        number = excel_number(amount)
        if isinstance(number, str):
            return safe_text(self.ws, number)
        template = self._money.get((index, currency))
        if template is None:
            template = self._money[(index, currency)] = WriteOnlyCell(self.ws)
            template.number_format = money_format(currency)
        template._value = number
        template.data_type = "n"
        return template

    def append(self, values: Sequence[Any], currency: str = "EUR") -> None:
        """One row; `currency` is the code shown with the row's money cells.

        The sheet has fast rows (`xlsx_write.fast_rows`): every str is a string cell, so a
        text needs escaping only when it is not `plain_text`.
        """
        row: Sequence[Any] = values
        copied = False
        for i in self._text_columns:
            value = values[i]
            if value.__class__ is str and not plain_text(value):
                if not copied:
                    row, copied = list(values), True
                row[i] = cell_text(value)  # type: ignore[index]
        if self._converted:
            if not copied:
                row = list(values)
            for i, convert in self._converted:
                value = row[i]
                if value is not None:
                    row[i] = convert(value, currency)  # type: ignore[index]
        self.ws.append(row)
        self.rows += 1

    @property
    def first_row(self) -> int:
        return HEADER_ROW + 1

    @property
    def last_row(self) -> int:
        return HEADER_ROW + max(self.rows, 1)

    def column_range(self, header: str) -> str:
        """The data cells of a column, e.g. `F4:F120`."""
        letter = self.letter(header)
        return f"{letter}{self.first_row}:{letter}{self.last_row}"

    def letter(self, header: str) -> str:
        for index, column in enumerate(self.columns, start=1):
            if column.header == header:
                return str(get_column_letter(index))
        raise KeyError(header)

    def highlight(self, cells: str, formula: str, fill: str, font: str | None = None) -> None:
        """Conditional formatting: color `cells` where the formula (for their first row) holds."""
        self.ws.conditional_formatting.add(
            cells,
            FormulaRule(
                formula=[formula],
                fill=PatternFill(start_color=fill, end_color=fill, fill_type="solid"),
                font=Font(color=font) if font else None,
            ),
        )

    def finish(self) -> None:
        """Add the Excel table (with its filter buttons) over the written rows."""
        if self.table is None:
            return
        last_col = get_column_letter(len(self.columns))
        table = Table(
            displayName=self.table,
            ref=f"A{HEADER_ROW}:{last_col}{self.last_row}",
            tableStyleInfo=TableStyleInfo(name="TableStyleLight9", showRowStripes=True),
        )
        table._initialise_columns()
        for column, spec in zip(table.tableColumns, self.columns, strict=True):
            column.name = spec.header
        with warnings.catch_warnings():  # openpyxl reminds write-only users to do just that
            warnings.filterwarnings("ignore", "In write-only mode you must add table columns")
            self.ws.add_table(table)


def title_cell(ws: Any, text: str) -> Cell:
    """A bold title cell (the text is a literal string)."""
    cell = forced_text_cell(ws, escape_text(text))
    cell.font = _TITLE_FONT
    return cell


def bold_cell(ws: Any, text: str) -> Cell:
    cell = forced_text_cell(ws, escape_text(text))
    cell.font = _HEADER_FONT
    return cell


class SummarySheet:
    """A report's summary sheet: title, key figures and small tables for charts, streamed.

    It prints on one page, landscape when its columns and chart (`add_chart`) are wide.
    """

    def __init__(self, workbook: Any, title: str, note: str, widths: Sequence[float]) -> None:
        self.ws = workbook.create_sheet("Summary")
        self._widths = list(widths)
        self._title = title
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        print_setup(self.ws, title, width=sum(widths), pages_tall=1)
        self.row = 0
        self._append([title_cell(self.ws, title)])
        self._append([safe_text(self.ws, note)] if note else [])
        self._styles: dict[str, Cell] = {}

    def _append(self, cells: list[Any]) -> int:
        self.ws.append(cells)
        self.row += 1
        return self.row

    def blank(self) -> None:
        self._append([])

    def heading(self, *texts: str) -> int:
        return self._append([bold_cell(self.ws, t) for t in texts])

    def cell(self, value: Any, kind: str = "text", currency: str = "EUR") -> Any:
        """A cell of a summary row (fresh objects: a row may hold several of a kind)."""
        if value is None:
            return None
        if kind == "text":
            return safe_text(self.ws, str(value))
        cell = WriteOnlyCell(self.ws)
        if kind == "percent":
            cell.value = round_ratio(value)
            cell.number_format = PERCENT_FORMAT
        elif kind == "money":
            number = excel_number(Decimal(value).quantize(_CENT, ROUND_HALF_UP))
            if isinstance(number, str):
                return safe_text(self.ws, number)
            cell.value = number
            cell.number_format = money_format(currency)
        elif kind == "date":
            cell.value = value
            cell.number_format = DATE_FORMAT
        elif kind == "month":
            cell.value = value
            cell.number_format = MONTH_FORMAT
        elif kind == "number" and isinstance(value, Decimal):
            number = excel_number(value)
            if isinstance(number, str):
                return safe_text(self.ws, number)
            cell.value = number
        else:
            cell.value = value
        return cell

    def figure(self, label: str, value: Any, kind: str = "int", currency: str = "EUR") -> int:
        """A labelled key figure on its own row; returns the row number."""
        return self._append([safe_text(self.ws, label), self.cell(value, kind, currency)])

    def values(self, values: Sequence[tuple[Any, str]], currency: str = "EUR") -> int:
        """A row of (value, kind) cells; returns the row number."""
        return self._append([self.cell(v, k, currency) for v, k in values])

    def add_chart(self, chart: Any, anchor: str) -> None:
        """Place a chart (its top left corner at `anchor`) and print the sheet wide enough."""
        self.ws.add_chart(chart, anchor)
        first = column_index_from_string(anchor.rstrip("0123456789"))
        before = sum(
            self._widths[i] if i < len(self._widths) else DEFAULT_COLUMN_WIDTH
            for i in range(first - 1)
        )
        width = before + chart.width * CHART_CHARACTERS_PER_CM
        print_setup(self.ws, self._title, width=max(width, sum(self._widths)), pages_tall=1)


def show_axes(chart: Any) -> None:
    """Make both axes visible (openpyxl 3.1 leaves `delete` unset, and Excel then hides them)."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
