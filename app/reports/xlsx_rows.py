"""A fast streaming reader of a read-only sheet's values: the rows openpyxl gives, sooner.

openpyxl's read-only parser turns every cell into a dict and every XML element into a Python
event; on the enterprise register (7.4 million cells) that is most of an import's time. This
reader lets lxml's iterparse hand over whole `<row>` elements (the cells are parsed in C, and
no event reaches Python below a row), reads the common cells — numbers, dates, inline and shared
strings, booleans, errors, formula results — directly and hands every other cell to openpyxl's
own cell parser (`xlsx_safe._ValuesParser`). The rows are the same as
`worksheet.iter_rows(values_only=True)` once its dimensions are reset: a missing row is `[]`, a
row runs from column A to its last cell, empty cells are None, and a formula cell without a saved
value is FORMULA_WITHOUT_VALUE.

The workbook itself (sheet names, shared strings, styles) is still opened by openpyxl through
`xlsx_safe.open_workbook`, after the container checks; the sheet XML is parsed by lxml with
entities, DTDs and the network off, and a syntax error is a ClausekeeperError naming the sheet.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet._reader import (
    CELL_TAG,
    INLINE_STRING,
    ROW_TAG,
    VALUE_TAG,
    _cast_number,
)
from openpyxl.xml.constants import SHEET_MAIN_NS

from app.errors import ClausekeeperError
from app.reports.xlsx_safe import _ValuesParser

_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
_COLUMNS = {get_column_letter(index): index for index in range(1, 16_385)}
_DIGITS = "0123456789"
_PLAIN_TYPES = frozenset(("str", "e"))
"""Cell types whose saved value is the text itself (a formula's text result, an error code)."""
_DATES_KEPT = 100_000
"""Distinct date cells remembered per sheet (a register has a few thousand distinct dates)."""
_FAST_TYPES = frozenset(("n", "s", "inlineStr", "b", "str", "e"))
"""Cell types read here; any other (`d`, something unknown) goes to openpyxl's cell parser."""


def fast_rows_available(worksheet: Any) -> bool:
    """True for an openpyxl read-only worksheet (the kind this reader knows how to open)."""
    return all(
        hasattr(worksheet, name) for name in ("_worksheet_path", "_shared_strings", "parent")
    ) and hasattr(worksheet.parent, "_archive")


def sheet_values(worksheet: Any) -> Iterator[tuple[Any, ...] | list[Any]]:
    """The value rows of an openpyxl read-only worksheet (see the module's docstring)."""
    workbook = worksheet.parent
    fallback = _ValuesParser(
        None,
        worksheet._shared_strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )
    with workbook._archive.open(worksheet._worksheet_path) as source:
        try:
            yield from _rows(source, worksheet.title, worksheet._shared_strings, workbook, fallback)
        except etree.XMLSyntaxError as exc:
            raise ClausekeeperError(
                f"the sheet {worksheet.title} cannot be read: {type(exc).__name__}: {exc}"
            ) from None
        except (ValueError, IndexError, OverflowError) as exc:  # a cell openpyxl cannot read
            raise ClausekeeperError(f"the sheet {worksheet.title} cannot be read: {exc}") from None


def _rows(
    source: Any, title: str, shared: Any, workbook: Any, fallback: _ValuesParser
) -> Iterator[tuple[Any, ...] | list[Any]]:
    """openpyxl's `_cells_by_row` and `_get_row` (values only, no bounds) over lxml rows."""
    date_styles = workbook._date_formats
    timedelta_styles = workbook._timedelta_formats
    epoch = workbook.epoch
    columns = _COLUMNS
    digits = _DIGITS
    plain = _PLAIN_TYPES
    fast_kinds = _FAST_TYPES
    cell_tag = CELL_TAG
    value_tag, inline_tag, text_tag = VALUE_TAG, INLINE_STRING, _TEXT_TAG
    parse = etree.iterparse(
        source, events=("end",), tag=ROW_TAG, resolve_entities=False, no_network=True,
        load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
    )
    counter = 1
    row_counter = 0
    dates: dict[str | None, dict[str, Any] | None] = {}  # style -> its dates seen, or None
    for _event, row in parse:
        if row_counter == 0 and counter == 1 and row.getroottree().docinfo.doctype:
            raise ClausekeeperError(
                f"the sheet {title} cannot be read: it declares a document type (XML entities), "
                "which workbooks never need"
            )
        number = row.get("r")
        if number is None:
            row_counter += 1
        else:
            row_counter = _row_number(number)
        values: list[Any] = []
        width = 0  # len(values)
        irregular: list[tuple[int, Any]] | None = None  # cells out of column order
        column = 0
        for cell in row:
            before = column
            ref = cell.get("r")
            kind = cell.get("t")
            value: Any = None
            slow = cell.tag != cell_tag or (kind is not None and kind not in fast_kinds)
            if ref is None:
                column += 1
            else:
                letters = ref.rstrip(digits)
                known = columns.get(letters) if len(letters) < len(ref) else None
                if known is None:
                    slow = True
                else:
                    column = known
            children = len(cell)
            if slow:
                pass
            elif kind == "inlineStr":
                if children == 1:
                    inline = cell[0]
                    if inline.tag == inline_tag and len(inline) == 1:
                        plain_text = inline[0]
                        if plain_text.tag == text_tag:
                            value = plain_text.text or ""
                        else:
                            slow = True
                    else:
                        slow = True  # rich text runs, phonetic hints, an empty <is>
                elif children:
                    slow = True
            elif children == 1:
                first = cell[0]
                text = first.text
                if first.tag != value_tag:
                    slow = True  # a formula without its value, or something else
                elif not text:
                    pass
                elif kind is None or kind == "n":
                    style = cell.get("s")
                    known_dates = dates.get(style, _UNSEEN)
                    if known_dates is _UNSEEN:
                        known_dates = dates[style] = _date_style(style, date_styles)
                    if known_dates is None:  # _cast_number, inline
                        if "." in text or "E" in text or "e" in text:
                            value = float(text)
                        else:
                            value = int(text)
                    else:
                        value = known_dates.get(text)
                        if value is None:
                            try:
                                value = from_excel(
                                    _cast_number(text), epoch,
                                    timedelta=int(style or 0) in timedelta_styles,
                                )
                            except (OverflowError, ValueError):  # openpyxl warns: #VALUE!
                                slow = True
                            else:
                                if len(known_dates) < _DATES_KEPT:
                                    known_dates[text] = value
                elif kind == "s":
                    value = shared[int(text)]
                elif kind in plain:
                    value = text
                else:  # "b"
                    value = bool(int(text))
            elif children:
                slow = True  # a formula with its value, or something else
            if slow:  # openpyxl's own reading of the cell (it takes any child of a row for one)
                fallback.col_counter = before
                parsed = fallback.parse_cell(cell)
                column = parsed["column"]
                value = parsed["value"]
            if irregular is None and column > width:
                if column > width + 1:
                    values.extend([None] * (column - 1 - width))
                values.append(value)
                width = column
            else:  # openpyxl's placing: the last cell's column is the width, later cells win
                if irregular is None:
                    irregular = list(enumerate(values, start=1))
                irregular.append((column, value))
        row.clear()
        while row.getprevious() is not None:
            del row.getparent()[0]
        while counter < row_counter:  # rows the file leaves out
            counter += 1
            yield []
        if counter <= row_counter:
            counter += 1
            yield tuple(values) if irregular is None else _placed(irregular)


_UNSEEN: Any = object()


def _date_style(style: str | None, date_styles: set[int]) -> dict[str, Any] | None:
    """A place for the dates of cells of this style if it is a date style (as openpyxl tells:
    no style is style 0, an empty one is none), else None."""
    if style is None:
        style_id = 0
    elif not style:
        return None
    else:
        style_id = int(style)
    return {} if style_id in date_styles else None


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if number.is_integer():
            return int(number)
        raise ValueError(f"{text} is not a valid row number") from None


def _placed(cells: list[tuple[int, Any]]) -> tuple[Any, ...]:
    if not cells:
        return ()
    width = cells[-1][0]
    values: list[Any] = [None] * width
    for column, value in cells:
        if 1 <= column <= width:
            values[column - 1] = value
    return tuple(values)
