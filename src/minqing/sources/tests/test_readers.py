"""read_table: every bad file is made inside the test from a small good one."""

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from openpyxl.styles import Font

from minqing.sources import readers
from minqing.sources.readers import FileRejected, read_table
from minqing.synth.generate import generate

HEADER = ["姓名", "身份证号", "联系电话", "家庭住址"]
ROWS = [
    ["张三", "410811198503120012", "13812345678", "丰收小区3-2-402"],
    ["李秀英", "410811195806230377", "", "定和街道广场社区"],
    ["王建国", "410822199212130421", "15309563472", "焦作市山阳区电机厂小区1号楼"],
]


def csv_text(rows=None, header=HEADER, sep=",") -> str:
    return "".join(sep.join(r) + "\n" for r in [header, *(ROWS if rows is None else rows)])


@pytest.fixture
def write(tmp_path):
    def write(data: bytes | str, name: str = "名册.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    return write


@pytest.fixture
def xlsx(tmp_path):
    """Write rows (None = empty cell) with openpyxl; `title` goes on row 1 above the header."""

    def xlsx(rows, *, title=None, sheet="名册", extra_sheet=None, name="名册.xlsx") -> Path:
        book = openpyxl.Workbook()
        ws = book.active
        ws.title = sheet
        if title:
            ws.append([title])
        for row in rows:
            ws.append(row)
        if extra_sheet:
            book.create_sheet(extra_sheet).append(["其他"])
            book[extra_sheet].append(["一行"])
        path = tmp_path / name
        book.save(path)
        return path

    return xlsx


def rejected(path: Path, **kwargs) -> str:
    kwargs.setdefault("kind", "xlsx" if path.suffix == ".xlsx" else "csv")
    with pytest.raises(FileRejected) as exc:
        read_table(path, **kwargs)
    return str(exc.value)


def values(table) -> list[list]:
    return [list(r) for r in table.frame.drop("__row").rows()]


# --------------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gbk"), ("gb18030", "gbk")],
)
def test_csv_encoding_is_detected_and_declared(write, encoding, detected):
    path = write(csv_text().encode(encoding))
    auto = read_table(path, kind="csv")
    declared = read_table(path, kind="csv", encoding=encoding)
    assert auto.encoding == detected
    assert declared.encoding == encoding
    for table in (auto, declared):
        assert table.frame.columns == [*HEADER, "__row"]
        assert values(table) == [[c or None for c in r] for r in ROWS]
        assert table.frame.schema["__row"] == pl.Int64
        assert all(table.frame.schema[c] == pl.String for c in HEADER)


@pytest.mark.parametrize("rare", ["䶮", "𠀀"])
def test_gb18030_only_characters_are_read_as_gb18030(write, rare):
    with pytest.raises(UnicodeEncodeError):
        rare.encode("gbk")
    rows = [["刘" + rare, "410811198503120012", "", "丰收小区"], *ROWS]
    path = write(csv_text(rows).encode("gb18030"))
    table = read_table(path, kind="csv")
    assert table.encoding == "gb18030"
    assert table.frame["姓名"][0] == "刘" + rare
    for declared in ("GB18030", "gbk"):  # GB18030 is what systems still call GBK
        table = read_table(path, kind="csv", encoding=declared)
        assert (table.encoding, table.frame["姓名"][0]) == ("gb18030", "刘" + rare)
    assert rejected(path, encoding="utf-8") == (
        "文件不是UTF-8编码(看起来是GB18030), 请确认数据来源的编码设置"
    )


@pytest.mark.parametrize(
    ("written", "declared", "message"),
    [
        ("utf-8", "gbk", "文件不是GBK编码(看起来是UTF-8), 请确认数据来源的编码设置"),
        ("utf-8", "gb18030", "文件不是GB18030编码(看起来是UTF-8), 请确认数据来源的编码设置"),
        ("utf-8-sig", "gbk", "文件不是GBK编码(看起来是UTF-8(带BOM)), 请确认数据来源的编码设置"),
        ("gbk", "utf-8", "文件不是UTF-8编码(看起来是GBK), 请确认数据来源的编码设置"),
    ],
)
def test_declared_encoding_that_does_not_fit_is_refused_with_a_suggestion(
    write, written, declared, message
):
    assert rejected(write(csv_text().encode(written)), encoding=declared) == message


def test_declared_utf8_accepts_a_bom(write):
    table = read_table(write(csv_text().encode("utf-8-sig")), kind="csv", encoding="utf-8")
    assert table.encoding == "utf-8-sig"
    assert table.frame.columns[0] == "姓名"


@pytest.mark.parametrize("encoding", ["auto", "utf-8", "gbk"])
def test_gbk_file_with_utf8_lines_appended_is_mixed(write, encoding):
    data = csv_text().encode("gbk") + "赵六,410811195607111543,,丰收小区\n".encode()
    assert rejected(write(data), encoding=encoding) == (
        "文件混用了多种编码: 第5行是UTF-8, 第1行不是UTF-8(可能是GBK); 请用同一种编码重新导出整个文件"
    )


def test_utf8_file_with_a_gbk_line_is_mixed(write):
    lines = csv_text().splitlines(keepends=True)
    data = "".join(lines[:3]).encode() + lines[3].encode("gbk")
    assert rejected(write(data)) == (
        "文件混用了多种编码: 第1行是UTF-8, 第4行不是UTF-8(可能是GBK); 请用同一种编码重新导出整个文件"
    )


def test_bom_file_whose_later_line_is_not_utf8(write):
    data = "\ufeffname,addr\n".encode() + "李四,定和街道\n".encode("gbk")
    assert rejected(write(data)) == (
        "文件开头标明是UTF-8编码, 但第2行不是UTF-8; 请用同一种编码重新导出整个文件"
    )


def test_undecodable_bytes(write):
    data = b"name,note\n1,\xff\x80\xff\n"  # not UTF-8, GBK or GB18030, and no Chinese
    assert rejected(write(data)) == (
        "无法识别文件编码(不是UTF-8, GBK或GB18030), 请另存为UTF-8编码的CSV后再上传"
    )


def test_utf16_csv(write):
    data = b"\xff\xfe" + csv_text(sep="\t").encode("utf-16-le")
    assert "文件是UTF-16编码" in rejected(write(data))


# ------------------------------------------------------------------------------- CSV structure


def test_csv_truncated_mid_row(write):
    data = csv_text().encode("gbk")
    cut = data[: data.rindex(b",")]  # the last row keeps 3 of its 4 fields
    assert rejected(write(cut)) == "文件在第4行被截断(该行只有3列, 应有4列), 可能未传完整"
    two = data[: data.index(b",15309563472")]
    assert rejected(write(two)) == "文件在第4行被截断(该行只有2列, 应有4列), 可能未传完整"


def test_short_last_row_with_newline_is_ragged_not_truncated(write):
    data = csv_text() + "赵六,410811195607111543\n"
    assert rejected(write(data)) == (
        "第5行有2列, 表头有4列, 列数对不上(常见原因: 单元格里有未加引号的逗号或换行); 请检查该行"
    )


def test_unterminated_quote_at_end_is_truncation(write):
    data = csv_text() + '赵六,410811195607111543,,"丰收小区3号'
    assert rejected(write(data)) == "文件在第5行被截断(该行的引号没有闭合), 可能未传完整"


def test_stray_quote_in_the_middle(write):
    rows = [ROWS[0], ["李秀英", "410811195806230377", "", '"定和街道'], ROWS[2]]
    assert rejected(write(csv_text(rows))) == (
        "第3行的引号没有闭合, 从该行到文件末尾都被当成了同一个单元格; "
        "文件可能未传完整, 或该行有多余的英文引号"
    )


def test_text_after_closing_quote(write):
    rows = [ROWS[0], ["李秀英", "410811195806230377", "", '"定和"街道'], ROWS[2]]
    assert rejected(write(csv_text(rows))) == (
        "第3行的引号用法不对(引号后面直接跟了其他字符), 请检查该行"
    )


@pytest.mark.parametrize(
    ("row", "fields"),
    [
        (["李秀英", "410811195806230377", "", "定和街道", "广场社区"], 5),
        (["李秀英", "410811195806230377", "定和街道"], 3),
    ],
)
def test_ragged_row_in_the_middle(write, row, fields):
    rows = [ROWS[0], row, ROWS[2]]
    assert rejected(write(csv_text(rows).encode("gbk"))) == (
        f"第3行有{fields}列, 表头有4列, 列数对不上(常见原因: 单元格里有未加引号的逗号或换行); "
        "请检查该行"
    )


def test_trailing_empty_fields_are_tolerated(write):
    data = csv_text().replace("\n", ",\n").replace("家庭住址,\n", "家庭住址\n")
    table = read_table(write(data), kind="csv")
    assert values(table) == [[c or None for c in r] for r in ROWS]


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_tab_and_semicolon_delimiters(write, sep):
    table = read_table(write(csv_text(sep=sep)), kind="csv")
    assert table.frame.columns == [*HEADER, "__row"]
    assert table.frame["联系电话"].to_list() == ["13812345678", None, "15309563472"]


def test_quoted_cells_keep_commas_quotes_and_line_breaks(write):
    data = (
        "姓名,家庭住址,备注\n"
        '张三,"丰收小区3栋,2单元","他说""好"""\n'
        '李四,定和街道,"第一行\n第二行"\n'
        "王五,电机厂小区,\n"
    )
    table = read_table(write(data), kind="csv")
    assert values(table) == [
        ["张三", "丰收小区3栋,2单元", '他说"好"'],
        ["李四", "定和街道", "第一行\n第二行"],
        ["王五", "电机厂小区", None],
    ]
    assert table.frame["__row"].to_list() == [2, 3, 4]  # rows as Excel shows them


def test_cells_keep_their_raw_text(write):
    data = "姓名,联系电话\r\n 张三 ,13812345678\r\n李四,\u3000\r\n"
    table = read_table(write(data), kind="csv")
    assert values(table) == [[" 张三 ", "13812345678"], ["李四", "\u3000"]]


def test_header_names_are_stripped_of_spaces_and_bom(write):
    data = "\ufeff 姓 名 ,联系\u3000电话\n张三,1\n"
    table = read_table(write(data.encode()), kind="csv", encoding="utf-8")
    assert table.frame.columns == ["姓名", "联系电话", "__row"]


def test_csv_blank_rows_are_dropped_and_rows_keep_their_numbers(write):
    lines = csv_text().splitlines()
    data = "\n".join([lines[0], "", lines[1], ",,,", "  ", lines[2], lines[3], "", "", ""])
    table = read_table(write(data), kind="csv")
    assert table.frame.height == 3
    assert table.frame["__row"].to_list() == [3, 6, 7]
    assert values(table) == values(read_table(write(csv_text(), "plain.csv"), kind="csv"))


def test_csv_header_row_2_skips_the_title_line(write):
    data = "2026年10月低保名册\n" + csv_text()
    table = read_table(write(data.encode("gbk")), kind="csv", header_row=2)
    assert table.frame.columns == [*HEADER, "__row"]
    assert table.frame["__row"].to_list() == [3, 4, 5]
    assert rejected(write(data.encode("gbk"))) == (
        "第2行有4列, 但表头只有1列; 表头上面如果有标题行, 请设置表头所在的行号"
    )


def test_csv_blank_lines_before_the_header_are_skipped(write):
    data = "2026年10月低保名册\n\n,,,\n" + csv_text()
    table = read_table(write(data), kind="csv", header_row=2)
    assert table.frame["__row"].to_list() == [5, 6, 7]


def test_header_row_past_the_end(write):
    assert rejected(write("标题\n"), header_row=3) == "文件只有1行, 找不到第3行的表头"
    assert rejected(write("标题\n\n\n"), header_row=2) == "第2行及以下都是空的, 找不到表头"


def test_csv_duplicate_headers(write):
    data = csv_text(header=["姓名", "身份证号", "姓名", "家庭住址"])
    assert rejected(write(data)) == "表头有重复的列名: 姓名(第1列, 第3列)"


def test_column_with_data_but_no_header(write):
    data = csv_text(header=["姓名", "身份证号", "", "家庭住址"])
    assert rejected(write(data)) == (
        "第3列(C列)有数据但没有表头; 请补上列名或删除该列, 并确认表头在第1行"
    )


def test_empty_unnamed_column_is_dropped(write):
    data = "姓名,,电话,\n张三,,1,\n李四, ,2,\n"
    table = read_table(write(data), kind="csv")
    assert table.frame.columns == ["姓名", "电话", "__row"]


def test_csv_that_is_an_excel_file(write, xlsx):
    data = xlsx([HEADER, *ROWS]).read_bytes()
    assert rejected(write(data)) == "文件是Excel(.xlsx)格式, 不是CSV; 请按Excel格式上传"


# ------------------------------------------------------------------------------------ whole file


def test_oversize_file(write, xlsx):
    data = csv_text().encode()
    path = write(data + b" " * (1536 - len(data)))
    assert rejected(path, max_bytes=1024) == "文件大小 1.5 KB 超过上限 1 KB"
    assert read_table(path, kind="csv", max_bytes=1536).frame.height == 3
    path = xlsx([HEADER, *ROWS])
    assert rejected(path, max_bytes=100).startswith("文件大小 ")
    assert rejected(path, max_bytes=100).endswith(" 超过上限 100 字节")


def test_oversize_message_in_mb(write):
    path = write(csv_text() * 1)
    with path.open("ab") as f:
        f.write(("张三,410811198503120012,13812345678,丰收小区\n" * 50_000).encode())
    assert rejected(path, max_bytes=1 << 20) == "文件大小 2.4 MB 超过上限 1 MB"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_empty_file(write, kind):
    assert rejected(write(b"", f"空.{kind}"), kind=kind) == "文件为空"


def test_header_only(write, xlsx):
    assert rejected(write(csv_text(rows=[]))) == "文件只有表头, 没有数据行"
    assert rejected(write(csv_text(rows=[]) + ",,,\n\n")) == "文件只有表头, 没有数据行"
    assert rejected(xlsx([HEADER, [None] * 4])) == "文件只有表头, 没有数据行"


def test_only_blank_lines(write):
    assert rejected(write("\n\n,,\n")) == "文件没有表头和数据(所有行都是空的)"


# ------------------------------------------------------------------------------------------ xlsx


def test_xlsx_reads_the_first_sheet_by_default(xlsx):
    table = read_table(xlsx([HEADER, *ROWS], extra_sheet="说明"), kind="xlsx")
    assert table.sheet == "名册"
    assert table.encoding is None
    assert table.frame.columns == [*HEADER, "__row"]
    assert values(table) == [[c or None for c in r] for r in ROWS]
    assert table.frame["__row"].to_list() == [2, 3, 4]
    assert table.formula_cells == []


def test_xlsx_named_sheet(xlsx):
    table = read_table(xlsx([HEADER, *ROWS], extra_sheet="说明"), kind="xlsx", sheet="说明")
    assert table.sheet == "说明"
    assert table.frame.columns == ["其他", "__row"]
    assert values(table) == [["一行"]]


def test_xlsx_wrong_sheet_lists_the_sheets(xlsx):
    path = xlsx([HEADER, *ROWS], extra_sheet="说明")
    assert rejected(path, sheet="低保") == (
        "文件里没有名为“低保”的工作表; 文件中的工作表有: “名册”, “说明”"
    )


def test_xlsx_numbers_and_dates_come_out_as_the_user_sees_them(xlsx):
    header = [
        "姓名",
        "联系电话",
        "保障人数",
        "月保障金额",
        "起始日期",
        "来电时间",
        "序号",
        "身份证号",
    ]
    row = [
        "张三",
        13812345678,
        3.0,
        630.5,
        dt.date(2020, 4, 26),
        dt.datetime(2023, 4, 1, 10, 23),
        43831,
        "410811198503120012",
    ]
    table = read_table(
        xlsx([header, row, ["李四", 1.25, 0.1 + 0.2, -12, None, None, 7, None]]), kind="xlsx"
    )
    assert values(table) == [
        [
            "张三",
            "13812345678",
            "3",
            "630.5",
            "2020-04-26",
            "2023-04-01 10:23:00",
            "43831",
            "410811198503120012",
        ],
        ["李四", "1.25", "0.3", "-12", None, None, "7", None],
    ]


def test_xlsx_header_row_2_with_title_line(xlsx):
    path = xlsx([HEADER, *ROWS], title="2026年10月低保名册")
    table = read_table(path, kind="xlsx", header_row=2)
    assert table.frame.columns == [*HEADER, "__row"]
    assert table.frame["__row"].to_list() == [3, 4, 5]
    assert rejected(path) == "第2列(B列)有数据但没有表头; 请补上列名或删除该列, 并确认表头在第1行"


def test_xlsx_blank_rows_and_columns(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "名册"
    ws["B3"], ws["C3"] = "姓名", "联系电话"  # rows 1–2 and column A are empty
    ws["B4"], ws["C4"] = "张三", "13812345678"
    ws["B6"] = "   "  # whitespace only: a blank row
    ws["B7"], ws["C7"] = "李四", None
    ws["F20"].font = Font(bold=True)  # a formatted but empty cell far away
    path = tmp_path / "空行.xlsx"
    book.save(path)
    table = read_table(path, kind="xlsx")
    assert table.frame.columns == ["姓名", "联系电话", "__row"]
    assert values(table) == [["张三", "13812345678"], ["李四", None]]
    assert table.frame["__row"].to_list() == [4, 7]
    assert read_table(path, kind="xlsx", header_row=3).frame["__row"].to_list() == [4, 7]


def test_xlsx_duplicate_headers(xlsx):
    path = xlsx([["姓名", "电话", "姓名", "电话", "地址"], ["张三", "1", "张三", "2", "x"]])
    assert rejected(path) == "表头有重复的列名: 姓名(第1列, 第3列); 电话(第2列, 第4列)"


def test_xlsx_formula_cells_are_reported_but_formula_like_text_is_not(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["姓名", "保障人数", "备注"])
    ws.append(["张三", 1, "正常"])
    ws.append(["李四", 2, None])
    ws.append(["合计", "=SUM(B2:B3)", "=1+1"])
    ws["C4"].data_type = "s"  # typed as text: shows "=1+1", is not a formula
    path = tmp_path / "公式.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>SUM(B2:B3)</f>" in sheet and "=1+1" in sheet
    table = read_table(path, kind="xlsx")
    assert table.formula_cells == [(4, "保障人数")]
    assert table.frame.filter(pl.col("__row") == 4)["备注"].to_list() == ["=1+1"]


def test_formula_scan_across_chunk_boundaries(tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["姓名", "金额", "备注"])
    for i in range(2, 302):
        ws.append([f"人{i}", f"=ROW()*{i}" if i % 37 == 0 else i, "=A1" if i % 50 == 0 else "x"])
    path = tmp_path / "多公式.xlsx"
    book.save(path)
    expected = sorted(
        [(i, "金额") for i in range(2, 302) if i % 37 == 0]
        + [(i, "备注") for i in range(2, 302) if i % 50 == 0]
    )
    monkeypatch.setattr(readers, "_formula_refs_openpyxl", None)  # the streaming scan only
    for chunk in (7, 64, 1000, 1 << 20):
        monkeypatch.setattr(readers, "CHUNK", chunk)
        assert read_table(path, kind="xlsx").formula_cells == expected


def test_truncated_xlsx(write, xlsx):
    data = xlsx([HEADER, *ROWS]).read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 100):
        path = write(data[:cut], "截断.xlsx")
        assert rejected(path) == "Excel文件已损坏或不完整, 无法读取"


def test_random_bytes_as_xlsx(write):
    data = bytes((i * 7919 + 13) % 256 for i in range(5000))
    assert rejected(write(data, "乱码.xlsx")) == "Excel文件已损坏或不完整, 无法读取"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            csv_text().encode("gbk"),
            "文件不是Excel(.xlsx)格式, 看起来是CSV或文本文件; 请按CSV格式上传, 或用Excel另存为.xlsx",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000),
            "文件是旧版Excel(.xls)格式, 请用Excel打开后另存为.xlsx再上传",
        ),
        (
            "<html><body><table><tr><td>姓名</td></tr></table></body></html>".encode(),
            "文件实际是网页(HTML)格式, 不是真正的Excel文件; 请用Excel打开后另存为.xlsx再上传",
        ),
    ],
)
def test_xlsx_that_is_something_else(write, data, message):
    assert rejected(write(data, "名册.xlsx")) == message


def test_zip_that_is_not_a_workbook(write):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert rejected(write(buffer.getvalue(), "文档.xlsx")) == (
        "文件不是Excel(.xlsx)工作簿(可能是Word文档或其他压缩包)"
    )


# ------------------------------------------------------------------------- the synthetic district


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate(out, persons=3000)
    return out


@pytest.fixture(scope="module")
def manifest(district) -> dict:
    return json.loads((district / "manifest.json").read_text(encoding="utf-8"))


def test_every_extract_reads_with_its_declared_encoding_and_auto(district, manifest):
    extracts = {k: v for k, v in manifest["files"].items() if k.startswith("extracts/")}
    assert len(extracts) == 17
    for name, spec in extracts.items():
        encodings = [spec["encoding"], "auto"] if spec["kind"] == "csv" else ["auto"]
        for encoding in encodings:
            table = read_table(
                district / name, kind=spec["kind"], encoding=encoding, sheet=spec["sheet"]
            )
            assert table.frame.columns == [*spec["columns"], "__row"], name
            assert table.frame.height == spec["rows"], name
            assert table.frame["__row"].to_list() == list(range(2, spec["rows"] + 2)), name
            assert table.encoding == spec["encoding"], name
            assert table.sheet == spec["sheet"], name
            assert table.formula_cells == [], name


def test_careful_csv_reader_agrees_with_the_fast_one(district, manifest, write, monkeypatch):
    """The csv-module path (taken when Polars' counts do not add up) gives the same table."""
    csvs = {k: v for k, v in manifest["files"].items() if v.get("kind") == "csv"}
    fast = {name: read_table(district / name, kind="csv") for name in csvs}
    monkeypatch.setattr(readers, "_parse_fast", lambda body, delimiter: None)
    for name in csvs:
        careful = read_table(district / name, kind="csv")
        assert careful.frame.equals(fast[name].frame), name
        assert careful.encoding == fast[name].encoding, name


def test_blank_lines_inside_a_quoted_cell(write):
    table = read_table(write('姓名,备注\n张三,"第一行\n\n第三行"\n\n李四,x\n'), kind="csv")
    assert values(table) == [["张三", "第一行\n\n第三行"], ["李四", "x"]]
    assert table.frame["__row"].to_list() == [2, 4]


def test_formula_cells_in_a_sheet_without_cell_references(tmp_path):
    """Some writers leave out r="B5"; the scan then asks openpyxl."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["姓名", "保障人数"])
    ws.append(["张三", 1])
    ws.append(["李四", "=B2*2"])
    written = tmp_path / "有引用.xlsx"
    book.save(written)
    path = tmp_path / "无引用.xlsx"
    with zipfile.ZipFile(written) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="[A-Z]+[0-9]+"', b"<c", data)
            out.writestr(info, data)
    table = read_table(path, kind="xlsx")
    assert values(table) == [["张三", "1"], ["李四", None]]
    assert table.formula_cells == [(3, "保障人数")]


def test_old_mac_line_ends(write):
    table = read_table(write(csv_text().replace("\n", "\r")), kind="csv")
    assert table.frame["__row"].to_list() == [2, 3, 4]
    assert values(table) == [[c or None for c in r] for r in ROWS]


def test_unknown_kind(write):
    with pytest.raises(ValueError):
        read_table(write(csv_text()), kind="xls")
