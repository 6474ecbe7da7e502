"""Fast rows for openpyxl write-only sheets: the cells written as XML text, byte for byte as
openpyxl writes them, about ten times faster.

openpyxl's write-only `ws.append` builds a cell object and lxml elements for every cell (about
10 µs a cell); `fast_rows(ws)` makes `ws.append` format the row's XML directly. Everything else
of the sheet is still openpyxl's: what comes before the rows (properties, dimension, views,
column widths: written when the first row is appended, as openpyxl does) and after them (merged
cells, conditional formats, validations, margins, page setup, header and footer, drawings,
tables: written when the sheet is closed), and the workbook's parts (styles, workbook, content
types) written by `wb.save`.

What `ws.append` takes is what openpyxl takes — None (no cell), str, int, float, Decimal, bool,
date, datetime and openpyxl cells (e.g. a WriteOnlyCell with a number format or a font) — and
the XML is the same, with one difference, on the safe side: a str is always a text cell, never a
formula (`=...`) or an error value (`#N/A`), as `xlsx_safe.forced_text_cell` makes it. Rare
values (times, durations, formulas in cells, rich text, comments, hyperlinks) are written by
openpyxl's own cell writer. tests/reports/test_xlsx_write.py compares the files with openpyxl's.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from inspect import isgenerator
from io import BytesIO
from typing import Any

from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet import _writer as openpyxl_writer
from openpyxl.xml.functions import xmlfile

MAX_TEXT = 32_767
"""openpyxl cuts text longer than this (Excel's limit on a cell)."""

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry (openpyxl and lxml refuse them too)."""
_DATE_CACHE_LIMIT = 100_000


def fast_rows(ws: Any) -> Any:
    """Make `ws.append` of a new write-only sheet write XML directly; returns the sheet.

    Call it before the first row. The sheet is then saved by `wb.save` as any other.
    """
    if getattr(ws, "_writer", True) is not None:
        raise ValueError(f"fast_rows needs a new write-only sheet, not {ws!r}")
    if ws.parent.iso_dates:
        raise ValueError("fast_rows writes dates as serial numbers, not as ISO text")
    writer = FastRowsWriter(ws)
    ws._writer = writer
    ws.append = writer.append
    return ws


def _text(value: str) -> str:
    """The content of an inline string cell (`<is><t>...</t></is>`), escaped as lxml does."""
    if not value:
        return ""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    preserve = value[0].isspace() or value[-1].isspace()
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if not value.isprintable():  # tabs, line feeds, control characters
        if _ILLEGAL.search(value):
            raise IllegalCharacterError(f"{value[:40]!r} cannot be used in worksheets.")
        if "\r" in value:
            value = value.replace("\r", "&#13;")
    if preserve:
        return f'<is><t xml:space="preserve">{value}</t></is>'
    return f"<is><t>{value}</t></is>"


_G16 = "%.16g".__mod__
"""A number as openpyxl writes it: `"%.16g" % value` (a Decimal as the float it makes;
`format(Decimal, ".16g")` would keep its trailing zeros)."""


def _number(value: Any) -> str:
    """A number as openpyxl writes it (empty when not finite)."""
    if value.__class__ is int:
        return _G16(value)
    return _G16(value) if math.isfinite(value) else ""


class FastRowsWriter:
    """Stands in for openpyxl's WorksheetWriter of one write-only sheet (see the module)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.out = openpyxl_writer.create_temporary_file()
        self._rels = openpyxl_writer.RelationshipList()
        self._file = open(self.out, "wb", buffering=1 << 20)  # noqa: SIM115 - closed by close()
        self._inner: openpyxl_writer.WorksheetWriter | None = None
        self._row = 0
        self._refs: list[str] = []
        self._dates: dict[Any, tuple[str, str]] = {}
        self._epoch = ws.parent.epoch

    # --- what ws.append does ---------------------------------------------------------------

    def append(self, row: Iterable[Any]) -> None:
        """Write one row (the values of columns A, B, ...; None leaves a cell out)."""
        if not isgenerator(row) and not isinstance(row, list | tuple | range):
            raise TypeError(
                f"Value must be a list, tuple, range or a generator Supplied value is {type(row)}"
            )
        if self._inner is None:
            self._start()
        self._row += 1
        try:
            data = self._row_xml(row)
        except BaseException:  # nothing written: the next row takes its number
            self._row -= 1
            raise
        self._file.write(data)

    def _row_xml(self, row: Iterable[Any]) -> bytes:
        r = str(self._row)
        parts = [f'<row r="{r}">']
        add = parts.append
        refs = self._refs
        for index, value in enumerate(row):
            if value is None:
                continue
            if index >= len(refs):
                refs.extend(get_column_letter(i + 1) for i in range(len(refs), index + 1))
            cls = value.__class__
            if cls is str:
                add(f'<c r="{refs[index]}{r}" t="inlineStr">{_text(value)}</c>')
            elif cls is int or cls is float or cls is Decimal:
                add(f'<c r="{refs[index]}{r}" t="n"><v>{_number(value)}</v></c>')
            elif cls is date or (cls is datetime and value.tzinfo is None):
                serial, style = self._date(value)
                add(f'<c r="{refs[index]}{r}" s="{style}" t="n"><v>{serial}</v></c>')
            elif cls is bool:
                add(f'<c r="{refs[index]}{r}" t="b"><v>{value:d}</v></c>')
            elif isinstance(value, Cell):
                add(self._cell(value, index + 1, r))
            elif isinstance(value, str):  # a str subclass (an enumeration, ...): its text
                add(f'<c r="{refs[index]}{r}" t="inlineStr">{_text(str(value))}</c>')
            else:
                add(self._other(value, index + 1))
        add("</row>")
        return "".join(parts).encode("ascii", "xmlcharrefreplace")

    def _date(self, value: date) -> tuple[str, str]:
        """A date's serial number and the style id of its default format (as openpyxl)."""
        found = self._dates.get(value)
        if found is None:
            cell = WriteOnlyCell(self.ws, value)
            found = (_G16(to_excel(value, self._epoch)), str(cell.style_id))
            if len(self._dates) < _DATE_CACHE_LIMIT:
                self._dates[value] = found
        return found

    def _cell(self, cell: Cell, column: int, r: str) -> str:
        """An openpyxl cell: its value and its style (a number format, a font, ...)."""
        value = cell._value
        kind = cell.data_type
        if value is None or cell._comment is not None or cell.hyperlink is not None:
            return self._openpyxl_cell(cell, column)
        ref = f"{self._refs[column - 1]}{r}"
        style = f' s="{cell.style_id}"' if cell.has_style else ""
        cls = value.__class__
        if kind == "s" and cls is str:
            return f'<c r="{ref}"{style} t="inlineStr">{_text(value)}</c>'
        if kind == "n" and (cls is int or cls is float or cls is Decimal):
            return f'<c r="{ref}"{style} t="n"><v>{_number(value)}</v></c>'
        if kind == "d" and (cls is date or (cls is datetime and value.tzinfo is None)):
            serial = _G16(to_excel(value, self._epoch))
            return f'<c r="{ref}"{style} t="n"><v>{serial}</v></c>'
        if kind == "b" and cls is bool:
            return f'<c r="{ref}"{style} t="b"><v>{value:d}</v></c>'
        return self._openpyxl_cell(cell, column)

    def _other(self, value: Any, column: int) -> str:
        """Any other value, as openpyxl's write-only sheet writes it."""
        cell = WriteOnlyCell(self.ws, value)
        return self._openpyxl_cell(cell, column)

    def _openpyxl_cell(self, cell: Cell, column: int) -> str:
        """A cell written by openpyxl's own cell writer (values this module does not format)."""
        cell.column = column
        cell.row = self._row
        if cell._comment is not None:
            self.ws._comments.append(CommentRecord.from_cell(cell))
        if cell._value is None and not cell.has_style and not cell._comment:
            return ""
        if cell.hyperlink is not None:
            cell.hyperlink.ref = cell.coordinate
        buffer = BytesIO()
        with xmlfile(buffer) as xf:
            write_cell(xf, self.ws, cell, cell.has_style)
        return buffer.getvalue().decode("ascii")

    # --- what openpyxl's writer does around the rows -------------------------------------------

    def _start(self) -> None:
        """openpyxl writes what comes before the rows; the rows follow in <sheetData>."""
        inner = openpyxl_writer.WorksheetWriter(self.ws, out=BytesIO())
        inner.write_top()
        xf = inner.xf.send(True)
        xf.flush()
        head = inner.out.getvalue()
        inner.out.seek(0)
        inner.out.truncate()
        self._inner = inner
        self._file.write(head + b"<sheetData>")

    def write_rows(self) -> None:
        """The end of the rows (ws.close calls this)."""
        if self._inner is None:
            self._start()
        self._file.write(b"</sheetData>")

    def write_tail(self) -> None:
        """openpyxl writes what comes after the rows (ws.close calls this)."""
        inner = self._inner
        assert inner is not None
        inner.xf.send(None)
        inner.write_tail()
        inner.close()
        self._file.write(inner.out.getvalue())
        self._rels = inner._rels

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()  # done already after the tail; not when the sheet is dropped
        if not self._file.closed:
            self._file.close()

    def cleanup(self) -> None:
        """Remove the sheet's temporary file (after saving, or when the workbook is dropped)."""
        self.close()
        if os.path.exists(self.out):
            os.remove(self.out)
        if self.out in openpyxl_writer.ALL_TEMP_FILES:
            openpyxl_writer.ALL_TEMP_FILES.remove(self.out)
