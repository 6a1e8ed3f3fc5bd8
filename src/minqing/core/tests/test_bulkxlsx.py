import datetime as dt
import zipfile

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from minqing.core.bulkxlsx import column_letter, write_xlsx

PEOPLE = pl.DataFrame(
    {
        "姓名": ["张三", "李&四", "<王五>", "  赵六  ", "", None],
        "身份证号": [
            "410811198503121234",
            "11010519491231002X",
            "410811850312123",
            None,
            "000123",
            "410811198503121230",
        ],
        "电话": ["0391-1234567", "0391-7654321", None, "13800000000", "", "0391-1234567"],
        "备注 & <说明>": ["=1+1", "a & b", "x<y>z", " lead", "trail ", None],
        "人数": [40, 75, None, 0, -1, 2**40],
        "面积": [1.5, 0.1, None, 123456.789, -2.25, 1e-7],
        "出生日期": [
            dt.date(1985, 3, 12),
            dt.date(1949, 12, 31),
            None,
            dt.date(2000, 2, 29),
            dt.date(1970, 1, 1),
            dt.date(2024, 12, 31),
        ],
    }
)
TOTALS = pl.DataFrame({"社区": ["丰收社区", "广场社区"], "户数": [120, 98], "占比": [0.55, 0.45]})

# what a reader should see: an empty string is an empty cell, like a missing value
PEOPLE_BACK = PEOPLE.with_columns(
    pl.when(pl.col(c) != "").then(pl.col(c)) for c in ("姓名", "身份证号", "电话", "备注 & <说明>")
)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "两表.xlsx"
    write_xlsx(path, [("居民", PEOPLE), ("统计", TOTALS)])
    return path


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_openpyxl_reads_sheet_names_and_values(workbook):
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames == ["居民", "统计"]
    people = rows(wb["居民"])
    assert people[0] == tuple(PEOPLE.columns)
    expected = [
        tuple(
            dt.datetime.combine(v, dt.time()) if isinstance(v, dt.date) else v for v in row.values()
        )
        for row in PEOPLE_BACK.iter_rows(named=True)
    ]
    assert people[1:] == expected
    assert rows(wb["统计"]) == [
        ("社区", "户数", "占比"),
        ("丰收社区", 120, 0.55),
        ("广场社区", 98, 0.45),
    ]


def test_id_and_phone_numbers_stay_text(workbook):
    sheet = openpyxl.load_workbook(workbook)["居民"]
    assert sheet["B2"].value == "410811198503121234"
    assert sheet["B6"].value == "000123"
    assert sheet["C2"].value == "0391-1234567"
    assert sheet["C5"].value == "13800000000"
    for cell in ("B2", "B6", "C2", "C5"):
        assert sheet[cell].data_type == "s", cell


def test_formula_looking_text_is_stored_as_text(workbook):
    sheet = openpyxl.load_workbook(workbook)["居民"]
    assert sheet["D2"].value == "=1+1"
    assert sheet["D2"].data_type == "s"
    with zipfile.ZipFile(workbook) as zf:
        assert b"<f>" not in zf.read("xl/worksheets/sheet1.xml")


def test_edge_spaces_are_kept(workbook):
    sheet = openpyxl.load_workbook(workbook)["居民"]
    assert sheet["A5"].value == "  赵六  "
    assert sheet["D5"].value == " lead"
    assert sheet["D6"].value == "trail "
    with zipfile.ZipFile(workbook) as zf:
        assert b'<t xml:space="preserve">  \xe8\xb5\xb5' in zf.read("xl/worksheets/sheet1.xml")


def test_header_row_is_bold_and_data_is_not(workbook):
    sheet = openpyxl.load_workbook(workbook)["居民"]
    assert all(cell.font.b for cell in sheet[1])
    assert not any(cell.font.b for cell in sheet[2])
    assert sheet.freeze_panes == "A2"


def test_dates_come_back_as_datetimes(workbook):
    sheet = openpyxl.load_workbook(workbook)["居民"]
    assert sheet["G2"].is_date
    assert sheet["G2"].value == dt.datetime(1985, 3, 12)
    assert sheet["G5"].value == dt.datetime(2000, 2, 29)
    assert sheet["G4"].value is None


def test_calamine_reads_the_same_values(workbook):
    people = pl.read_excel(workbook, sheet_name="居民", engine="calamine")
    assert_frame_equal(people, PEOPLE_BACK, check_dtypes=False)
    assert people["出生日期"].dtype == pl.Date
    assert people["身份证号"].dtype == pl.String
    totals = pl.read_excel(workbook, sheet_name="统计", engine="calamine")
    assert_frame_equal(totals, TOTALS)


def test_writing_twice_gives_identical_bytes(tmp_path):
    sheets = [("居民", PEOPLE), ("统计", TOTALS)]
    write_xlsx(tmp_path / "a.xlsx", sheets)
    write_xlsx(tmp_path / "b.xlsx", sheets)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert not list(tmp_path.glob("*.part"))


def test_empty_frame_writes_a_header_only_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    empty = pl.DataFrame(schema={"姓名": pl.String, "人数": pl.Int64, "出生日期": pl.Date})
    write_xlsx(path, [("空表", empty)])
    assert rows(openpyxl.load_workbook(path)["空表"]) == [("姓名", "人数", "出生日期")]
    back = pl.read_excel(path, sheet_name="空表", engine="calamine")
    assert back.columns == ["姓名", "人数", "出生日期"]
    assert back.height == 0


@pytest.mark.parametrize(
    ("index", "letters"),
    [
        (0, "A"),
        (1, "B"),
        (25, "Z"),
        (26, "AA"),
        (27, "AB"),
        (51, "AZ"),
        (52, "BA"),
        (701, "ZZ"),
        (702, "AAA"),
        (16_383, "XFD"),  # Excel's last column
    ],
)
def test_column_letter(index, letters):
    assert column_letter(index) == letters


def test_illegal_xml_control_characters_are_dropped(tmp_path):
    path = tmp_path / "control.xlsx"
    df = pl.DataFrame(
        {"text": ["a\x00b\x01c\x08d\x0be\x0cf\x1fg", "tab\tand\nnewline", "x & \x02y"]}
    )
    write_xlsx(path, [("s", df)])
    assert rows(openpyxl.load_workbook(path)["s"]) == [
        ("text",),
        ("abcdefg",),
        ("tab\tand\nnewline",),
        ("x & y",),
    ]
    back = pl.read_excel(path, engine="calamine")
    assert back["text"].to_list() == ["abcdefg", "tab\tand\nnewline", "x & y"]


def test_sheet_names_with_quotes_and_ampersands(tmp_path):
    path = tmp_path / "names.xlsx"
    write_xlsx(path, [('他说"好"', TOTALS), ("A&B <1>", TOTALS)])
    assert openpyxl.load_workbook(path).sheetnames == ['他说"好"', "A&B <1>"]


def test_not_a_number_and_infinity_are_written_as_empty_cells(tmp_path):
    # Excel has no NaN or infinity; "NaN" and "inf" in <v> make it report a damaged file
    path = tmp_path / "nan.xlsx"
    df = pl.DataFrame({"x": [1.5, float("nan"), float("inf"), float("-inf"), None]})
    write_xlsx(path, [("s", df)])
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    assert b"NaN" not in xml and b"inf" not in xml
    assert rows(openpyxl.load_workbook(path)["s"]) == [("x",), (1.5,), *[(None,)] * 4]


def test_dates_before_march_1900_allow_for_excels_leap_year_bug(tmp_path):
    # Excel counts a 29 February 1900 that never was: serial 1 is 1900-01-01, 61 is 1900-03-01
    path = tmp_path / "old.xlsx"
    df = pl.DataFrame({"d": [dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1)]})
    write_xlsx(path, [("s", df)])
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    assert b"<v>1</v>" in xml and b"<v>59</v>" in xml and b"<v>61</v>" in xml
    assert pl.read_excel(path, engine="calamine")["d"].to_list() == df["d"].to_list()
