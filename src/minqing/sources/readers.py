"""Read one department file (CSV or xlsx) into a table of raw text, or refuse it with a message.

Every cell stays text exactly as the user sees it (numbers without a trailing ".0", date cells
as ISO dates); only empty cells become null. `__row` is the row number in the file as Excel or
a text editor shows it, so that every message can point at a row the clerk can find.

A CSV is parsed by Polars and then checked by counting: every delimiter and line break in the
file must be a field boundary, inside a cell, or on an empty line. When that does not hold (a
ragged or cut row, a stray quote) the file is read again with the csv module, which finds the
row to name in the message. Formula cells of an xlsx are found by streaming the sheet's XML.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import polars as pl

from minqing.core.bulkxlsx import column_letter

ROW = "__row"
AUTO_ENCODINGS = ("utf-8-sig", "utf-8", "gbk", "gb18030")
ENCODING_LABELS = {
    "utf-8-sig": "UTF-8(带BOM)",
    "utf-8": "UTF-8",
    "gbk": "GBK",
    "gb18030": "GB18030",
}
DELIMITERS = (",", "\t", ";")
CHUNK = 8 << 20
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CORRUPT = "Excel文件已损坏或不完整, 无法读取"
# A line that is valid UTF-8 and holds Chinese text. Lines of GBK bytes that happen to be valid
# UTF-8 decode to Latin/Greek/Cyrillic/Arabic letters (U+0080–U+07FF), so those do not count.
_NOT_UTF8 = "[^\ufffd\u0080-\u00b6\u00b8-\u00d6\u00d8-\u07ff]*"
_UTF8_CHINESE_LINE = f"^{_NOT_UTF8}[\u4e00-\u9fff]{_NOT_UTF8}[\u4e00-\u9fff]{_NOT_UTF8}$"
_EMPTY_LINE = re.compile(r"\n(?=\r?\n)")
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})([0-9]+)"')
_TAG_END = (b" ", b">", b"/", b"\t", b"\n", b"\r")  # what may follow a tag name


class FileRejected(Exception):
    """The whole file is refused; str(exc) is the Chinese message for the user."""


@dataclass
class Table:
    frame: pl.DataFrame  # header columns (pl.String) as in the file, plus "__row" (Int64)
    encoding: str | None  # CSV: the encoding used; None for xlsx
    sheet: str | None  # xlsx: the sheet read; None for CSV
    formula_cells: list[tuple[int, str]] = field(default_factory=list)  # (row, column header)


def read_table(
    path: Path,
    *,
    kind: str,
    encoding: str = "auto",
    sheet: str | None = None,
    header_row: int = 1,
    max_bytes: int = 200 * 1024 * 1024,
) -> Table:
    """Read a CSV or xlsx file whose header is on `header_row` (1-based; title lines above it and
    blank rows before the header are skipped). Raises FileRejected with the reason in Chinese."""
    path = Path(path)
    if kind not in ("csv", "xlsx"):
        raise ValueError(f"unknown file kind {kind!r}")
    size = path.stat().st_size
    if size > max_bytes:
        raise FileRejected(f"文件大小 {_size(size)} 超过上限 {_size(max_bytes)}")
    if size == 0:
        raise FileRejected("文件为空")
    if kind == "csv":
        return _read_csv(path.read_bytes(), encoding or "auto", header_row)
    return _read_xlsx(path, sheet or None, header_row)


# ---------------------------------------------------------------------------------------- CSV


def _read_csv(data: bytes, encoding: str, header_row: int) -> Table:
    if data.startswith(ZIP_MAGIC):
        raise FileRejected("文件是Excel(.xlsx)格式, 不是CSV; 请按Excel格式上传")
    if data.startswith(OLE_MAGIC):
        raise FileRejected("文件是旧版Excel(.xls)格式, 不是CSV; 请用Excel另存为CSV或.xlsx后再上传")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(
            "文件是UTF-16编码(Excel的“Unicode文本”), 请另存为“CSV UTF-8(逗号分隔)”后再上传"
        )
    text, used = _decode(data, encoding)
    if "\r" in text and "\n" not in text:  # old Mac line ends
        text = text.replace("\r", "\n")
    start, offset, header_line = _find_header_line(text, header_row)
    delimiter = _delimiter(header_line)
    grid = _parse_fast(text[offset:], delimiter)
    if grid is None:
        grid, start = _parse_slow(text, delimiter, header_row)
    grid = grid.with_columns(
        pl.int_range(start + 1, start + 1 + grid.height, dtype=pl.Int64).alias(ROW)
    )
    frame, _ = _tabulate(grid, list(range(grid.width - 1)))
    return Table(frame=frame, encoding=used, sheet=None)


def _decode(data: bytes, declared: str) -> tuple[str, str]:
    """Text and the encoding used. UTF-8 is tried first in every case: a file that is valid UTF-8
    with Chinese in it is UTF-8 whatever was declared, and one that is only partly UTF-8 is mixed."""
    has_bom = data.startswith(codecs.BOM_UTF8)
    utf8 = "utf-8-sig" if has_bom else "utf-8"
    try:
        text = data.decode("utf-8")[1 if has_bom else 0 :]
    except UnicodeDecodeError as exc:
        _check_mixed(data, exc)
        if has_bom:
            line = data.count(b"\n", 0, exc.start) + 1
            raise FileRejected(
                f"文件开头标明是UTF-8编码, 但第{line}行不是UTF-8; 请用同一种编码重新导出整个文件"
            ) from None
        text = None
    name = "auto" if declared == "auto" else codecs.lookup(declared).name
    if name in ("auto", "utf-8", "utf-8-sig") and text is not None:
        return text, utf8
    if name == "auto":
        for candidate in ("gbk", "gb18030"):
            try:
                return data.decode(candidate), candidate
            except UnicodeDecodeError:
                continue
        raise FileRejected(
            "无法识别文件编码(不是UTF-8, GBK或GB18030), 请另存为UTF-8编码的CSV后再上传"
        )
    if text is None or not re.search(r"[\u4e00-\u9fff]", text):
        # GB18030 is the superset systems still call "GBK": rare name characters (䶮) need it
        family = [name, "gb18030"] if name in ("gbk", "gb2312") else [name]
        for candidate in family:
            try:
                return data.decode(candidate), candidate
            except UnicodeDecodeError:
                continue
    label = ENCODING_LABELS.get(name, name.upper())
    for candidate in AUTO_ENCODINGS:
        if candidate == name or (candidate == "utf-8-sig") != has_bom:
            continue
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        raise FileRejected(
            f"文件不是{label}编码(看起来是{ENCODING_LABELS[candidate]}), 请确认数据来源的编码设置"
        )
    raise FileRejected(f"文件不是{label}编码, 也不是UTF-8、GBK或GB18030, 无法读取")


def _check_mixed(data: bytes, exc: UnicodeDecodeError) -> None:
    """Refuse a file in which some lines are UTF-8 Chinese and others are not UTF-8 at all."""
    try:  # whole lines (nothing is cut at 0x1f in text), invalid UTF-8 replaced by U+FFFD
        lines = pl.read_csv(
            data,
            has_header=False,
            separator="\x1f",
            quote_char=None,
            encoding="utf8-lossy",
            infer_schema=False,
            truncate_ragged_lines=True,
        ).to_series(0)
    except pl.exceptions.PolarsError:
        return
    found = (
        lines.rename("line")
        .to_frame()
        .with_row_index()
        .filter(pl.col("line").str.contains(_UTF8_CHINESE_LINE))
    )
    if found.height == 0:
        return
    utf8_line = found["index"][0] + 1
    bad_line = data.count(b"\n", 0, exc.start) + 1
    raise FileRejected(
        f"文件混用了多种编码: 第{utf8_line}行是UTF-8, 第{bad_line}行不是UTF-8(可能是GBK); "
        "请用同一种编码重新导出整个文件"
    )


def _find_header_line(text: str, header_row: int) -> tuple[int, int, str]:
    """(0-based line, character offset, text) of the header: the first non-blank line from
    `header_row` on."""
    index, offset = 0, 0
    while True:
        end = text.find("\n", offset)
        line = text[offset : end if end >= 0 else len(text)]
        if index >= header_row - 1 and not _blank_line(line):
            return index, offset, line
        if end < 0:
            _no_header(index + 1 if line else index, header_row)
        index, offset = index + 1, end + 1


def _blank_line(line: str) -> bool:
    return not line.strip().strip(',;\t"').strip()


def _delimiter(header_line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties keep the comma
    return best if counts[best] else ","


def _parse_fast(body: str, delimiter: str) -> pl.DataFrame | None:
    """Polars parse of header + data; None when the counts show anything Polars may have glossed
    over (short rows, blank lines, quotes it read differently), so the careful reader takes over."""
    body = body.rstrip("\r\n")
    try:
        grid = pl.read_csv(
            body.encode("utf-8"),
            has_header=False,
            separator=delimiter,
            infer_schema=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if grid.height == 0:
        return None
    inside = grid.select(
        pl.sum_horizontal(
            pl.col(c).str.count_matches(delimiter, literal=True).sum() for c in grid.columns
        ).alias("delimiters"),
        pl.sum_horizontal(
            pl.col(c).str.count_matches("\n", literal=True).sum() for c in grid.columns
        ).alias("newlines"),
    ).row(0)
    n, m = grid.height, grid.width
    if body.count("\n") != n - 1 + inside[1]:
        return None
    delimiters = body.count(delimiter)
    if delimiters != (m - 1) * n + inside[0]:
        empty = len(_EMPTY_LINE.findall(body))  # an empty line is a row without delimiters
        all_null = grid.select(pl.all_horizontal(pl.all().is_null()).sum()).item()
        if not empty or all_null < empty or delimiters != (m - 1) * (n - empty) + inside[0]:
            return None
    return grid.rename({c: f"c{i}" for i, c in enumerate(grid.columns)})


def _parse_slow(text: str, delimiter: str, header_row: int) -> tuple[pl.DataFrame, int]:
    """The csv module, record by record: names the row that is cut short, ragged, or has a quote
    that never closes. Returns the grid from the header on and the header's 0-based row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    ends_with_newline = text.endswith(("\n", "\r"))
    total_lines = text.count("\n") + (0 if ends_with_newline else 1)
    columns: list[list[str | None]] = []
    header_at, width, index, line_before = -1, 0, -1, 0
    while True:
        index += 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            _bad_quote(index + 1, line_before + 1, total_lines, str(exc))
        line_before = reader.line_num
        blank = all(not cell.strip() for cell in record)
        if header_at < 0:
            if index >= header_row - 1 and not blank:
                header_at, width = index, len(record)
                columns = [[cell] for cell in record]
            continue
        if blank:
            record = []
        elif len(record) != width:
            record = _fit(
                record, width, index + 1, last=line_before >= total_lines and not ends_with_newline
            )
        for column, cell in zip(columns, record or [""] * width, strict=True):
            column.append(cell or None)
    if header_at < 0:
        _no_header(index, header_row)
    grid = pl.DataFrame(
        {f"c{i}": values for i, values in enumerate(columns)},
        schema={f"c{i}": pl.String for i in range(width)},
    )
    return grid, header_at


def _fit(record: list[str], width: int, row: int, *, last: bool) -> list[str]:
    if len(record) > width and not any(cell.strip() for cell in record[width:]):
        return record[:width]  # trailing empty fields (a comma at the end of the line)
    if last and len(record) < width:
        raise FileRejected(
            f"文件在第{row}行被截断(该行只有{len(record)}列, 应有{width}列), 可能未传完整"
        )
    if width == 1:  # a title line taken for the header
        raise FileRejected(
            f"第{row}行有{len(record)}列, 但表头只有1列; 表头上面如果有标题行, 请设置表头所在的行号"
        )
    raise FileRejected(
        f"第{row}行有{len(record)}列, 表头有{width}列, 列数对不上"
        "(常见原因: 单元格里有未加引号的逗号或换行); 请检查该行"
    )


def _bad_quote(row: int, line: int, total_lines: int, error: str) -> None:
    if "unexpected end of data" not in error and "field larger" not in error:
        raise FileRejected(f"第{row}行的引号用法不对(引号后面直接跟了其他字符), 请检查该行")
    if line >= total_lines:
        raise FileRejected(f"文件在第{row}行被截断(该行的引号没有闭合), 可能未传完整")
    raise FileRejected(
        f"第{row}行的引号没有闭合, 从该行到文件末尾都被当成了同一个单元格; "
        "文件可能未传完整, 或该行有多余的英文引号"
    )


def _no_header(rows: int, header_row: int) -> None:
    if header_row > 1 and rows < header_row:
        raise FileRejected(f"文件只有{rows}行, 找不到第{header_row}行的表头")
    if header_row > 1:
        raise FileRejected(f"第{header_row}行及以下都是空的, 找不到表头")
    raise FileRejected("文件没有表头和数据(所有行都是空的)")


# ------------------------------------------------------------------------------------------ xlsx


def _read_xlsx(path: Path, sheet: str | None, header_row: int) -> Table:
    _sniff_xlsx(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileRejected(CORRUPT) from None
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.bin" in names:
            raise FileRejected("文件是Excel二进制工作簿(.xlsb), 请用Excel另存为.xlsx后再上传")
        if not any(n.endswith("workbook.xml") for n in names):
            raise FileRejected("文件不是Excel(.xlsx)工作簿(可能是Word文档或其他压缩包)")
        try:
            reader = fastexcel.read_excel(path)
            sheets = reader.sheet_names
        except fastexcel.FastExcelError:
            raise FileRejected(CORRUPT) from None
        if not sheets:
            raise FileRejected(CORRUPT)
        name = sheet if sheet is not None else sheets[0]
        if name not in sheets:
            listed = ", ".join(f"“{s}”" for s in sheets)
            raise FileRejected(f"文件里没有名为“{sheet}”的工作表; 文件中的工作表有: {listed}")
        with ThreadPoolExecutor(max_workers=1) as pool:  # the formula scan overlaps calamine
            formulas = pool.submit(_formula_refs, archive, name, path)
            try:
                loaded = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
                grid = loaded.to_polars()
                positions = [c.absolute_index for c in loaded.available_columns()]
            except fastexcel.FastExcelError:
                raise FileRejected(CORRUPT) from None
            try:
                refs = formulas.result()
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error):
                raise FileRejected(CORRUPT) from None
    if grid.width == 0:
        raise FileRejected(f"工作表“{name}”是空的")
    grid = grid.rename({c: f"c{i}" for i, c in enumerate(grid.columns)})
    grid = grid.with_columns(pl.int_range(1, grid.height + 1, dtype=pl.Int64).alias(ROW))
    blank = _blank_rows(grid)
    header_index = next((i for i in range(header_row - 1, grid.height) if not blank[i]), None)
    if header_index is None:
        _no_header(grid.height, header_row)
    frame, kept = _tabulate(grid[header_index:], positions, blank[header_index + 1 :])
    frame = _excel_dates(frame)
    formula_cells: list[tuple[int, str]] = []
    if refs:
        rows = set(frame[ROW].to_list())
        formula_cells = sorted((row, kept[col]) for row, col in refs if row in rows and col in kept)
    return Table(frame=frame, encoding=None, sheet=name, formula_cells=formula_cells)


def _sniff_xlsx(path: Path) -> None:
    with path.open("rb") as f:
        head = f.read(65536)
    if head.startswith(ZIP_MAGIC):
        return
    if head.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in path.read_bytes():
            raise FileRejected("Excel文件设置了打开密码, 请去掉密码后另存为.xlsx再上传")
        raise FileRejected("文件是旧版Excel(.xls)格式, 请用Excel打开后另存为.xlsx再上传")
    text = _as_text(head)
    if text is None:
        raise FileRejected(CORRUPT)
    lowered = text[:4096].lower()
    if "<html" in lowered or "<table" in lowered:
        raise FileRejected(
            "文件实际是网页(HTML)格式, 不是真正的Excel文件; 请用Excel打开后另存为.xlsx再上传"
        )
    if "<?xml" in lowered and "workbook" in lowered:
        raise FileRejected("文件是Excel 2003 XML格式, 请用Excel打开后另存为.xlsx再上传")
    raise FileRejected(
        "文件不是Excel(.xlsx)格式, 看起来是CSV或文本文件; 请按CSV格式上传, 或用Excel另存为.xlsx"
    )


def _as_text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    if len(head) == 65536 and b"\n" in head:
        head = head[: head.rindex(b"\n")]
    for name in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(name)
        except UnicodeDecodeError:
            continue
        if not re.search(r"[\x01-\x08\x0e-\x1f\x7f]", text):
            return text
    return None


def _excel_dates(frame: pl.DataFrame) -> pl.DataFrame:
    """Date cells arrive as "2020-04-26 00:00:00" and time-only cells as "1899-12-31 10:05:00";
    show them as the user sees them: "2020-04-26", "10:05:00"."""
    columns = [c for c in frame.columns if c != ROW]
    has = frame.select(
        *(pl.col(c).str.ends_with(" 00:00:00").any().alias(f"d{i}") for i, c in enumerate(columns)),
        *(
            pl.col(c).str.starts_with("1899-12-3").any().alias(f"t{i}")
            for i, c in enumerate(columns)
        ),
    ).row(0, named=True)
    fixes = []
    for i, c in enumerate(columns):
        expr = pl.col(c)
        if has[f"d{i}"]:
            expr = expr.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "${1}")
        if has[f"t{i}"]:
            expr = expr.str.replace(r"^1899-12-3[01] (\d{2}:\d{2}:\d{2})$", "${1}")
        if has[f"d{i}"] or has[f"t{i}"]:
            fixes.append(expr)
    return frame.with_columns(fixes) if fixes else frame


def _formula_refs(archive: zipfile.ZipFile, sheet: str, path: Path) -> list[tuple[int, int]]:
    """(row, 0-based column) of every cell with a formula, found by streaming the sheet XML."""
    member = _sheet_member(archive, sheet)
    if member is None:
        return _formula_refs_openpyxl(path, sheet)
    refs: list[tuple[int, int]] = []
    with archive.open(member) as f:
        buf = f.read(CHUNK)
        root = re.search(rb"<(\w+:)?worksheet[\s>]", buf)
        prefix = (root.group(1) or b"") if root else b""
        f_tag, c_tag = b"<" + prefix + b"f", b"<" + prefix + b"c"
        while buf:
            more = f.read(CHUNK)
            cut = len(buf)
            if more:  # keep the last cell (it may be cut off) or a cut-off tag for the next round
                cut = _rfind_tag(buf, c_tag, len(buf))
                if cut < 0:
                    cut = buf.rfind(b"<") % (len(buf) + 1)  # no "<" at all: nothing to keep
            part = buf[:cut]
            i = part.find(f_tag)
            while i >= 0:
                if part[i + len(f_tag) : i + len(f_tag) + 1] in _TAG_END:
                    cell = _rfind_tag(part, c_tag, i)
                    ref = _CELL_REF.search(part, cell, part.find(b">", cell)) if cell >= 0 else None
                    if ref is None:  # cells without r="B5" (a few writers omit it)
                        return _formula_refs_openpyxl(path, sheet)
                    refs.append((int(ref.group(2)), _column_index(ref.group(1))))
                i = part.find(f_tag, i + 1)
            buf = buf[cut:] + more
    return refs


def _rfind_tag(buf: bytes, tag: bytes, end: int) -> int:
    i = buf.rfind(tag, 0, end)
    while i >= 0 and buf[i + len(tag) : i + len(tag) + 1] not in _TAG_END:
        i = buf.rfind(tag, 0, i)
    return i


def _sheet_member(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding the sheet, via workbook.xml and its relationships."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    rel_id = next(
        (
            value
            for el in workbook.iter()
            if el.tag.endswith("}sheet") and el.get("name") == sheet
            for key, value in el.attrib.items()
            if key.endswith("}id")
        ),
        None,
    )
    target = next((el.get("Target") for el in rels if el.get("Id") == rel_id), None)
    if target is None:
        return None
    member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return member if member in archive.namelist() else None


def _formula_refs_openpyxl(path: Path, sheet: str) -> list[tuple[int, int]]:
    import openpyxl  # slow, but only for sheets whose XML the scan cannot follow

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [
            (cell.row, cell.column - 1)
            for row in book[sheet].iter_rows()
            for cell in row
            if getattr(cell, "data_type", None) == "f"
        ]
    finally:
        book.close()


def _column_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1


# -------------------------------------------------------------------------------------- shared


def _blank_rows(grid: pl.DataFrame) -> pl.Series:
    cells = [c for c in grid.columns if c != ROW]
    return grid.select(
        pl.all_horizontal(pl.col(c).is_null() | ~pl.col(c).str.contains(r"\S") for c in cells)
    ).to_series()


def _tabulate(
    grid: pl.DataFrame, positions: list[int], blank: pl.Series | None = None
) -> tuple[pl.DataFrame, dict[int, str]]:
    """The header (first row of `grid`) → column names; blank rows and unnamed empty columns
    dropped. `positions`: the 0-based column of each in the file, for messages; `blank`: the
    blank-row mask of the data rows if already known. Returns the table and {position: header}."""
    cells = [c for c in grid.columns if c != ROW]
    header = [_header_name(v) for v in grid.row(0)[: len(cells)]]
    header_at = grid[ROW][0]
    data = grid[1:]
    data = data.filter(~(_blank_rows(data) if blank is None else blank))
    if data.height:
        filled = data.select(
            (pl.col(c).is_not_null() & pl.col(c).str.contains(r"\S")).any() for c in cells
        ).row(0)
    else:
        filled = (False,) * len(cells)
    keep: dict[str, str] = {}
    kept: dict[int, str] = {}
    seen: dict[str, list[int]] = {}
    for column, name, position, has_data in zip(cells, header, positions, filled, strict=True):
        if not name:
            if has_data:
                raise FileRejected(
                    f"第{position + 1}列({column_letter(position)}列)有数据但没有表头; "
                    f"请补上列名或删除该列, 并确认表头在第{header_at}行"
                )
            continue
        seen.setdefault(name, []).append(position)
        keep[column], kept[position] = name, name
    duplicates = {n: p for n, p in seen.items() if len(p) > 1}
    if duplicates:
        listed = "; ".join(
            f"{n}(" + ", ".join(f"第{p + 1}列" for p in ps) + ")" for n, ps in duplicates.items()
        )
        raise FileRejected(f"表头有重复的列名: {listed}")
    if data.height == 0:
        raise FileRejected("文件只有表头, 没有数据行")
    frame = data.select(
        *(pl.when(pl.col(c) != "").then(pl.col(c)).alias(n) for c, n in keep.items()), ROW
    )
    return frame, kept


def _header_name(value: str | None) -> str:
    # "姓 名" and "联系\n电话" are how forms align and wrap a header; the name is without them
    return re.sub(r"[\s\ufeff\u200b]+", "", value or "")


def _size(n: int) -> str:
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} 字节"
