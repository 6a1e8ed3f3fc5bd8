import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from minqing.core.workbook import Column, Sheet, display_width, write_workbook

LEDGER_COLUMNS = [
    Column("户主姓名", "head"),
    Column("身份证号", "id_number"),
    Column("家庭类型", "family_type"),
    Column("人口数", "members", kind="int"),
    Column("纳入日期", "included_on", kind="date"),
    Column("最近走访", "visited_at", kind="datetime"),
    Column("救助金额（元）", "amount", kind="money"),
    Column("情况说明", "note"),
]
LONG_NOTE = (
    "家中老人长期卧病在床，子女外出务工，需要民政部门协调低保和临时救助，社区每周二上门走访。"
)


def _ledger_rows():
    return [
        {
            "head": "张三",
            "id_number": "410811198503121234",
            "family_type": "生活困难家庭",
            "members": 3,
            "included_on": dt.date(2026, 11, 29),
            "visited_at": dt.datetime(2026, 11, 24, 2, 30, tzinfo=dt.UTC),  # 10:30 in Jiaozuo
            "amount": Decimal("1234.5"),
            "note": "=cmd|' /C calc'!A0",
        },
        {
            "head": "李四",
            "id_number": "41081119491231002X",
            "family_type": "零就业家庭",
            "members": None,
            "included_on": None,
            "visited_at": None,
            "amount": 800,
            "note": LONG_NOTE,
        },
    ]


def _write(sheets):
    stream = io.BytesIO()
    write_workbook(sheets, stream)
    stream.seek(0)
    return openpyxl.load_workbook(stream)


@pytest.fixture(scope="module")
def book():
    return _write(
        [
            Sheet(
                "台账",
                LEDGER_COLUMNS,
                _ledger_rows(),
                title_line="山阳区一台账（截至2026年11月29日）",
            ),
            Sheet(
                "问题清单",
                [
                    Column("问题", "what"),
                    Column("责任部门", "unit"),
                    Column("期限", "due", kind="date"),
                ],
                iter(
                    [{"what": "+1 申请临时救助", "unit": "区民政局", "due": dt.date(2026, 12, 8)}]
                ),
            ),
            Sheet("帮扶清单", [Column("措施", "what")], []),
        ]
    )


def test_sheets_in_order(book):
    assert book.sheetnames == ["台账", "问题清单", "帮扶清单"]


def test_title_line_is_merged_bold_and_larger(book):
    ws = book["台账"]
    assert ws["A1"].value == "山阳区一台账（截至2026年11月29日）"
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:H1"]
    assert ws["A1"].font.b
    assert ws["A1"].font.sz > ws["A3"].font.sz


@pytest.mark.parametrize(
    ("sheet", "header_row", "headers"),
    [
        ("台账", 2, [c.header for c in LEDGER_COLUMNS]),
        ("问题清单", 1, ["问题", "责任部门", "期限"]),
        ("帮扶清单", 1, ["措施"]),
    ],
)
def test_header_row(book, sheet, header_row, headers):
    ws = book[sheet]
    cells = next(ws.iter_rows(min_row=header_row, max_row=header_row))
    assert [c.value for c in cells] == headers
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("D9E1F2") for c in cells)
    assert all(c.border.left.style == c.border.bottom.style == "thin" for c in cells)


@pytest.mark.parametrize(
    ("sheet", "freeze", "autofilter", "print_titles"),
    [
        ("台账", "A3", "A2:H4", "$2:$2"),
        ("问题清单", "A2", "A1:C2", "$1:$1"),
        ("帮扶清单", "A2", "A1:A1", "$1:$1"),
    ],
)
def test_frozen_filtered_and_printable(book, sheet, freeze, autofilter, print_titles):
    ws = book[sheet]
    assert ws.freeze_panes == freeze
    assert ws.auto_filter.ref == autofilter
    assert ws.print_title_rows == print_titles
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage


@pytest.mark.parametrize(
    ("sheet", "cell", "shown"),
    [
        ("台账", "H3", "'=cmd|' /C calc'!A0"),
        ("问题清单", "A2", "'+1 申请临时救助"),
    ],
)
def test_formula_like_text_stays_text(book, sheet, cell, shown):
    assert book[sheet][cell].data_type == "s"
    assert book[sheet][cell].value == shown
    assert shown.startswith("'")


def test_values_keep_their_kind(book):
    ws = book["台账"]
    first, second = ws[3], ws[4]
    assert first[1].value == "410811198503121234" and first[1].data_type == "s"  # not a number
    assert second[1].value == "41081119491231002X"
    assert first[3].value == 3 and first[3].number_format == "0"
    assert first[4].is_date and first[4].value == dt.datetime(2026, 11, 29)
    assert first[4].number_format == "yyyy-mm-dd"
    assert first[5].value == dt.datetime(2026, 11, 24, 10, 30)  # aware → local wall time
    assert first[5].number_format == "yyyy-mm-dd hh:mm"
    assert first[6].value == 1234.5 and first[6].number_format == "#,##0.00"
    assert second[6].value == 800
    assert [second[i].value for i in (3, 4, 5)] == [None, None, None]  # empty, still bordered
    assert second[4].border.left.style == "thin"
    assert book["问题清单"]["C2"].is_date


def test_widths_count_chinese_double_and_long_text_wraps(book):
    ws = book["台账"]
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABCH"}
    assert widths["B"] == 20  # 18 digits + 2
    assert widths["C"] == 14  # 生活困难家庭: 6 characters, 12 wide, + 2
    assert widths["H"] == 50  # capped
    assert not ws["H3"].alignment.wrap_text
    assert ws["H4"].alignment.wrap_text
    assert ws.row_dimensions[3].height is None  # one line: Excel's default
    assert ws.row_dimensions[4].height >= 30  # two lines of wrapped text


@pytest.mark.parametrize(
    ("text", "width"),
    [("abc", 3), ("山阳区", 6), ("ＡＢ", 4), ("第1网格", 7), ("", 0), ("一行\n第二行", 6)],
)
def test_display_width(text, width):
    assert display_width(text) == width


def test_bool_and_control_characters_in_text():
    ws = _write(
        [
            Sheet(
                "表",
                [Column("是否低保", "flag"), Column("说明", "note")],
                [{"flag": True, "note": "\x01=b"}],
            )
        ]
    ).active
    assert ws["A2"].value == "是"
    assert ws["B2"].value == "'=b"  # the control character goes, then the formula is defused


def test_writes_to_a_path(tmp_path):
    path = tmp_path / "台账.xlsx"
    write_workbook([Sheet("台账", [Column("户主姓名", "head")], [{"head": "张三"}])], path)
    assert openpyxl.load_workbook(path)["台账"]["A2"].value == "张三"


@pytest.mark.parametrize(
    ("sheets", "error"),
    [
        ([], ValueError),
        ([Sheet("a/b", [Column("x", "x")], [])], ValueError),
        ([Sheet("台账" * 16, [Column("x", "x")], [])], ValueError),
        (
            [Sheet("List", [Column("x", "x")], []), Sheet("list", [Column("x", "x")], [])],
            ValueError,
        ),
        ([Sheet("台账", [], [])], ValueError),
        ([Sheet("台账", [Column("户主", "head")], [{"name": "张三"}])], KeyError),
        ([Sheet("台账", [Column("人口数", "n", kind="int")], [{"n": "3"}])], TypeError),
        ([Sheet("台账", [Column("日期", "d", kind="date")], [{"d": "2026-11-29"}])], TypeError),
    ],
)
def test_refuses_bad_input(sheets, error):
    with pytest.raises(error):
        write_workbook(sheets, io.BytesIO())


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Column("金额", "amount", kind="currency")
