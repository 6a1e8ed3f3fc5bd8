"""Formatted workbooks for people: the ledger and its lists as officials keep them (openpyxl).

One sheet per list, each with an optional merged title line ("山阳区一台账（截至2026年11月29日）"),
a bold header with fill and borders, the header frozen and filtered, columns sized for Chinese
text, real Excel dates, money with two decimals, long text wrapped, and a print setup (A4
landscape, fit to the page width, the header repeated on every page, page numbers).

For plain extracts of a million rows use core/bulkxlsx.py instead: openpyxl styles every cell in
Python. Rows are streamed (write-only mode), so memory does not grow with them; the column widths
are estimated from the first rows.

Every text value goes through `neutralize_value` (spreadsheet.py): a value such as "=cmd|..."
arrives as text, never as a formula. Timezone-aware datetimes are shown in the local zone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from numbers import Integral, Real
from os import PathLike
from typing import IO, Any, Literal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from minqing.core.spreadsheet import neutralize_value

Kind = Literal["text", "int", "date", "datetime", "money"]
KINDS: tuple[Kind, ...] = ("text", "int", "date", "datetime", "money")
LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE; this module does not import Django

NUMBER_FORMATS: dict[str, str] = {
    "text": "@",
    "int": "0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "money": "#,##0.00",
}
MIN_WIDTH, MAX_WIDTH = 6, 50  # in Excel's width unit, about one Latin character
SAMPLE_ROWS = 1000  # rows looked at to size the columns
LINE_HEIGHT = 15  # points per line of wrapped 11-point text (CJK glyphs need a little more)
MAX_ROW_HEIGHT = 409  # Excel's limit
_BAD_TITLE_CHARS = set("[]:*?/\\")

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
TITLE_FONT = Font(bold=True, size=16)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
TITLE_ALIGNMENT = Alignment(horizontal="center", vertical="center")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
BODY_ALIGNMENT = Alignment(vertical="top")
WRAP_ALIGNMENT = Alignment(vertical="top", wrap_text=True)


@dataclass(frozen=True)
class Column:
    """One column: its Chinese header, the row key it shows, and how.

    kind: text (anything, shown as text — ID numbers stay text), int, date, datetime, money
    (two decimals). width: in Excel's unit (a Chinese character is about 2); None estimates it."""

    header: str
    key: str
    width: float | None = None
    kind: Kind = "text"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.header!r}: kind must be one of {KINDS}")


@dataclass(frozen=True)
class Sheet:
    """One sheet: rows are mappings with every column's key (None for an empty cell)."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Mapping[str, Any]]
    title_line: str | None = None


def write_workbook(
    sheets: Iterable[Sheet],
    path_or_stream: str | PathLike[str] | IO[bytes],
    *,
    tz: dt.tzinfo = LOCAL_TZ,
) -> None:
    """Write the sheets, in order, to a file path or a binary stream (an HttpResponse works)."""
    sheets = list(sheets)
    _check_titles([sheet.title for sheet in sheets])
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "minqing"
    for sheet in sheets:
        _write_sheet(workbook, sheet, tz)
    workbook.save(path_or_stream)


def display_width(text: str) -> int:
    """Width of the longest line, counting a wide (CJK, full-width) character as 2."""
    return max(
        (
            sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
            for line in text.split("\n")
        ),
        default=0,
    )


def _check_titles(titles: list[str]) -> None:
    if not titles:
        raise ValueError("a workbook needs at least one sheet")
    seen = set()
    for title in titles:
        if not title or len(title) > 31 or _BAD_TITLE_CHARS & set(title):
            raise ValueError(f"bad sheet title {title!r}: 1–31 characters, none of []:*?/\\")
        if title.casefold() in seen:  # Excel compares sheet names without case
            raise ValueError(f"two sheets are called {title!r}")
        seen.add(title.casefold())


def _write_sheet(workbook: Workbook, sheet: Sheet, tz: dt.tzinfo) -> None:
    ws = workbook.create_sheet(sheet.title)
    columns = list(sheet.columns)
    if not columns:
        raise ValueError(f"sheet {sheet.title!r} has no columns")
    last = get_column_letter(len(columns))
    header_row = 2 if sheet.title_line else 1

    # A write-only sheet writes its views, properties and column widths before the first row:
    # all of them are set first. The values of the first rows size the columns.
    rows = (_values(sheet.title, columns, row, tz) for row in sheet.rows)
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    widths = [_width(column, [values[i] for values in sample]) for i, column in enumerate(columns)]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.HeaderFooter.oddFooter.center.text = "第 &P 页，共 &N 页"

    if sheet.title_line:
        cell = WriteOnlyCell(ws, _text(sheet.title_line))
        cell.font, cell.alignment = TITLE_FONT, TITLE_ALIGNMENT
        ws.row_dimensions[1].height = 30
        ws.append([cell])
        if len(columns) > 1:
            ws.merged_cells.add(f"A1:{last}1")  # a write-only sheet has no merge_cells()

    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, _text(column.header))
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = HEADER_ALIGNMENT
        header.append(cell)
    header_lines = max(_lines(_text(c.header), w) for c, w in zip(columns, widths, strict=True))
    ws.row_dimensions[header_row].height = header_lines * LINE_HEIGHT + 6
    ws.append(header)

    # Setting a style on a cell hashes the style objects (most of the time spent, measured);
    # each cell gets a copy of one of two prepared style arrays per column instead.
    plain = [_style(ws, BODY_ALIGNMENT, NUMBER_FORMATS[column.kind]) for column in columns]
    wrapped = [_style(ws, WRAP_ALIGNMENT, NUMBER_FORMATS[column.kind]) for column in columns]
    row_number = header_row
    for values in itertools.chain(sample, rows):
        row_number += 1
        cells, lines = [], 1
        for i, value in enumerate(values):
            cell = WriteOnlyCell(ws, value)
            if isinstance(value, str) and ("\n" in value or display_width(value) > widths[i] - 1):
                cell._style = copy(wrapped[i])
                lines = max(lines, _lines(value, widths[i]))
            else:
                cell._style = copy(plain[i])
            cells.append(cell)
        if lines > 1:
            ws.row_dimensions[row_number].height = min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT)
        ws.append(cells)
    ws.auto_filter.ref = f"A{header_row}:{last}{row_number}"


def _style(ws: Any, alignment: Alignment, number_format: str) -> StyleArray:
    cell = WriteOnlyCell(ws)
    cell.border, cell.alignment, cell.number_format = BORDER, alignment, number_format
    return cell._style


def _values(title: str, columns: list[Column], row: Mapping[str, Any], tz: dt.tzinfo) -> list[Any]:
    values = []
    for column in columns:
        try:
            value = row[column.key]
        except KeyError:
            raise KeyError(
                f"sheet {title!r}, column {column.header!r}: no {column.key!r}"
            ) from None
        try:
            values.append(None if value is None else _CONVERT[column.kind](value, tz))
        except (TypeError, ValueError) as error:
            raise type(error)(f"sheet {title!r}, column {column.header!r}: {error}") from None
    return values


def _text(value: Any, tz: dt.tzinfo | None = None) -> str | None:
    if isinstance(value, bool):
        text = "是" if value else "否"
    else:
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return neutralize_value(text) if text else None


def _int(value: Any, tz: dt.tzinfo) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral | Decimal | float):
        raise TypeError(f"not a whole number: {value!r}")
    if value != int(value):
        raise ValueError(f"not a whole number: {value!r}")
    return int(value)


def _money(value: Any, tz: dt.tzinfo) -> Decimal | float | int | None:
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise TypeError(f"not an amount: {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        return None  # Excel has no NaN or infinity
    return value


def _date(value: Any, tz: dt.tzinfo) -> dt.date:
    if isinstance(value, dt.datetime):
        return _local(value, tz).date()
    if not isinstance(value, dt.date):
        raise TypeError(f"not a date: {value!r}")
    return value


def _datetime(value: Any, tz: dt.tzinfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return _local(value, tz)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    raise TypeError(f"not a date and time: {value!r}")


def _local(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """Excel has no time zones: an aware datetime is shown as local wall time."""
    if value.tzinfo is None:
        return value
    return value.astimezone(tz).replace(tzinfo=None)


_CONVERT = {"text": _text, "int": _int, "date": _date, "datetime": _datetime, "money": _money}


def _shown(value: Any, kind: str) -> str:
    """The text a cell shows, to size its column."""
    if value is None:
        return ""
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "date":
        return "0000-00-00"
    if kind == "datetime":
        return "0000-00-00 00:00"
    return str(value)


def _width(column: Column, values: list[Any]) -> float:
    if column.width is not None:
        return column.width
    widest = max((display_width(_shown(v, column.kind)) for v in values), default=0)
    # a header may wrap onto two lines rather than widen a narrow column
    header = display_width(column.header)
    if header > max(widest, 8):
        header = max(math.ceil(header / 2) + 1, widest)
    return float(min(max(widest + 2, header + 2, MIN_WIDTH), MAX_WIDTH))


def _lines(text: str | None, width: float) -> int:
    """Lines a wrapped text takes in a column of the given width (an estimate)."""
    if not text:
        return 1
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(display_width(line) / usable)) for line in text.split("\n"))
