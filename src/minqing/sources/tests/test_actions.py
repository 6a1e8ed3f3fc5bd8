"""Importing department files: every bad input is refused or rejected with its message, and the
database is either fully updated or exactly as it was."""

from __future__ import annotations

import importlib
import io
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import polars as pl
import pytest
from django.apps import apps
from django.db import connection

from minqing.areas.actions import load_areas
from minqing.areas.models import Area
from minqing.core.idnumbers import check_char
from minqing.registry.actions import load_places
from minqing.sources.actions import import_file
from minqing.sources.models import ImportRun, SourceRecord
from minqing.sources.pipeline import LINKAGE_COLUMNS
from minqing.synth.generate import generate


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate(out, seed=11, persons=1500)
    return out


@pytest.fixture
def gazetteer(db, district):
    load_areas(district / "areas.geojson")
    load_places(district / "places.geojson")


def valid_id(sequence: int, born: str = "19800101") -> str:
    first17 = f"410811{born}{sequence:03d}"
    return first17 + check_char(first17)


def invalid_id(sequence: int) -> str:
    good = valid_id(sequence)
    return good[:17] + ("0" if good[17] != "0" else "1")


def snapshot() -> tuple:
    """Everything an import may change, to compare before and after."""
    records = list(
        SourceRecord.objects.order_by("id").values_list("id", "key", "content_hash", "valid_to")
    )
    runs = ImportRun.objects.filter(status="succeeded").count()
    return records, runs


def csv_text(district: Path, name: str, encoding: str) -> str:
    return (district / "extracts" / name).read_bytes().decode(encoding)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


UNEMPLOYED = "人社_失业登记.csv"


def test_a_good_file_stages_every_accepted_row(gazetteer, district):
    result = import_file("renshe_shiye", district / "extracts" / UNEMPLOYED)
    counts = result["counts"]
    assert result["status"] == "succeeded", result["message"]
    assert result["encoding"] == "gbk"
    assert counts["new"] == counts["read"] - counts["rejected"] > 0
    assert (
        SourceRecord.objects.current().filter(source__code="renshe_shiye").count() == counts["new"]
    )
    record = SourceRecord.objects.filter(id_number__gt="").first()
    assert record.raw["姓名"] and record.fields["id_number"] == record.id_number
    # residence addresses resolve to their area (a grid or village) and, in estates, the building
    assert SourceRecord.objects.exclude(area_code="").count() >= 0.97 * counts["new"]
    assert SourceRecord.objects.exclude(building_code="").count() >= 0.8 * counts["new"]


def test_the_same_file_twice_changes_nothing_and_says_so(gazetteer, district):
    path = district / "extracts" / UNEMPLOYED
    import_file("renshe_shiye", path)
    before = snapshot()
    again = import_file("renshe_shiye", path)
    assert again["status"] == "unchanged"
    assert "完全相同" in again["message"]
    assert snapshot() == before


def test_a_newer_extract_updates_adds_and_ends_rows_keeping_history(gazetteer, district, tmp_path):
    text = csv_text(district, UNEMPLOYED, "gbk")
    df = pl.read_csv(io.StringIO(text), infer_schema_length=0)
    first = import_file("renshe_shiye", write(tmp_path, "a.csv", text, "gbk"))
    accepted = SourceRecord.objects.current().values_list("id_number", flat=True)
    ids = sorted(set(accepted))
    gone, changed = ids[:3], ids[3:5]
    newer = df.filter(~pl.col("身份证号码").is_in(gone)).with_columns(
        pl.when(pl.col("身份证号码").is_in(changed))
        .then(pl.lit("13900001111"))
        .otherwise(pl.col("联系电话"))
        .alias("联系电话")
    )
    newcomer = df.filter(pl.col("身份证号码") == ids[5]).with_columns(
        pl.lit(valid_id(123, "19900101")).alias("身份证号码"), pl.lit("新来人").alias("姓名")
    )
    newer = pl.concat([newer, newcomer])
    second = import_file("renshe_shiye", write(tmp_path, "b.csv", newer.write_csv(), "gbk"))
    assert second["status"] == "succeeded"
    assert second["counts"]["ended"] == 3
    assert second["counts"]["updated"] == 2
    assert second["counts"]["new"] == 1
    assert second["counts"]["unchanged"] == first["counts"]["new"] - 3 - 2
    # history: the ended and replaced versions are kept with their end time
    ended = SourceRecord.objects.filter(valid_to__isnull=False)
    assert ended.count() == 5
    assert set(ended.values_list("id_number", flat=True)) == set(gone) | set(changed)
    assert SourceRecord.objects.current().get(id_number=changed[0]).phone == "13900001111"


def test_gbk_gb18030_bom_and_utf8_files_all_import(gazetteer, tmp_path):
    header = (
        "姓名,身份证号码,性别,登记日期,失业原因,就业困难人员,领取失业保险金,联系电话,居住地址\n"
    )
    row = "{name},{id},男,2024/3/1,合同期满,否,否,13812345678,定和街道丰收社区丰收小区1号楼1单元101室\n"
    ids = [valid_id(i) for i in (11, 13, 15, 17)]
    cases = [
        ("gbk", "王伟", "gbk"),
        ("gb18030", "李䶮", "gb18030"),
        ("utf-8-sig", "张丽", "utf-8-sig"),
        ("utf-8", "刘洋", "utf-8"),
    ]
    for (encoding, name, expected), number in zip(cases, ids, strict=True):
        path = write(
            tmp_path, f"{encoding}.csv", header + row.format(name=name, id=number), encoding
        )
        result = import_file("renshe_shiye", path)
        assert result["status"] == "succeeded", (encoding, result["message"])
        assert result["encoding"] == expected
        assert SourceRecord.objects.get(id_number=number).name == name


def refused(result: dict, before: tuple, *fragments: str) -> None:
    assert result["status"] == "refused", result
    for fragment in fragments:
        assert fragment in result["message"], result["message"]
    assert snapshot() == before


def test_mixed_encodings_refuse_the_file(gazetteer, district, tmp_path):
    text = csv_text(district, UNEMPLOYED, "gbk")
    lines = text.splitlines(keepends=True)
    mixed = "".join(lines[:5]).encode("gbk") + "".join(lines[5:]).encode("utf-8")
    path = tmp_path / "mixed.csv"
    path.write_bytes(mixed)
    before = snapshot()
    refused(import_file("renshe_shiye", path), before, "编码")


def test_a_csv_truncated_mid_row_is_refused(gazetteer, district, tmp_path):
    raw = (district / "extracts" / UNEMPLOYED).read_bytes()
    cut = raw[: len(raw) // 2]
    cut = cut[: cut.rfind(b",") + 1]  # end inside a row, on a field boundary
    path = tmp_path / "cut.csv"
    path.write_bytes(cut)
    before = snapshot()
    refused(import_file("renshe_shiye", path), before, "截断")


def test_a_truncated_xlsx_is_refused(gazetteer, district, tmp_path):
    raw = (district / "extracts" / "民政_低保名册.xlsx").read_bytes()
    path = tmp_path / "民政_低保名册.xlsx"
    path.write_bytes(raw[: len(raw) // 2])
    before = snapshot()
    refused(import_file("minzheng_dibao", path), before, "损坏")


def test_wrong_headers_are_refused(gazetteer, district):
    before = snapshot()
    # the school roll offered as the unemployment list
    result = import_file("renshe_shiye", district / "extracts" / "医保_医疗费用.csv")
    assert result["status"] == "refused"
    assert "身份证号码" in result["message"] or "表头" in result["message"]
    assert snapshot() == before


def test_an_empty_file_is_refused(gazetteer, tmp_path):
    before = snapshot()
    refused(import_file("renshe_shiye", write(tmp_path, "empty.csv", "")), before, "空")


def test_an_oversize_file_is_refused(gazetteer, district, settings):
    settings.MINQING_IMPORT_MAX_BYTES = 1024
    before = snapshot()
    refused(import_file("renshe_shiye", district / "extracts" / UNEMPLOYED), before, "超过上限")


HEADER = "姓名,身份证号码,性别,登记日期,失业原因,就业困难人员,领取失业保险金,联系电话,居住地址\n"


def rows(*lines: str) -> str:
    return HEADER + "".join(line + "\n" for line in lines)


GOOD_ROWS = [
    f"{name},{number},男,2024/3/1,合同期满,否,否,1381234{i:04d},丰收小区1-1-101"
    for i, (name, number) in enumerate(
        zip(
            ["王伟", "李强", "张军", "刘洋", "陈杰", "杨勇", "赵磊", "黄涛", "周斌", "吴鹏"],
            (valid_id(101 + 2 * k) for k in range(10)),
            strict=True,
        )
    )
]


def test_a_bad_check_digit_keeps_the_row_as_written_with_its_remark(gazetteer, tmp_path):
    # linkage repairs a mistyped or swapped digit: the row must reach the database
    bad = f"赵六,{invalid_id(301).lower()},男,2024/3/1,合同期满,否,否,13800000000,丰收小区1-1-101"
    result = import_file("renshe_shiye", write(tmp_path, "x.csv", rows(*GOOD_ROWS, bad)))
    assert result["status"] == "succeeded"
    assert result["counts"] == {**result["counts"], "new": 11, "rejected": 0}
    record = SourceRecord.objects.get(name="赵六")
    assert record.id_number == record.key == invalid_id(301)
    assert record.fields["id_number"] == invalid_id(301)
    (remark,) = [f for f in record.flags if "校验码" in f]
    assert remark == f"身份证号码: 校验码错误(应为{valid_id(301)[17]})"
    # a number that fails its checks does not vouch for the birth date
    assert record.birth_on is None and record.sex == "M"


@pytest.mark.parametrize(
    ("id_cell", "reason"),
    [
        ("41081119800101301", "长度应为18位(或旧15位)"),  # a digit lost: cannot be kept
        ("4108111980010130A1", "含非数字字符"),
        ("", "必填项为空"),
    ],
)
def test_an_id_key_that_cannot_be_kept_still_rejects_the_row(gazetteer, tmp_path, id_cell, reason):
    bad = f"赵六,{id_cell},男,2024/3/1,合同期满,否,否,13800000000,丰收小区1-1-101"
    result = import_file("renshe_shiye", write(tmp_path, "x.csv", rows(*GOOD_ROWS, bad)))
    assert result["counts"] == {**result["counts"], "new": 10, "rejected": 1}
    (error,) = result["errors"]
    assert (error["row"], error["column"], error["reason"]) == (12, "身份证号码", reason)
    assert not SourceRecord.objects.filter(name="赵六").exists()


def place(name: str):
    from minqing.registry.models import Place

    return Place.objects.get(name=name)


def test_an_imported_record_carries_the_linkage_columns(gazetteer, tmp_path):
    lines = [
        f"单田芳,{valid_id(401)},男,2024/3/1,合同期满,否,否,13800000000,丰收小区1-1-101",
        f"欧阳娜娜,{valid_id(402)},女,2024/3/1,合同期满,否,否,13800000001,龙洞村3组15号",
        f"Ali Khan,{valid_id(403)},男,2024/3/1,合同期满,否,否,13800000002,",
    ]
    result = import_file("renshe_shiye", write(tmp_path, "x.csv", rows(*lines)))
    assert result["counts"]["new"] == 3, result["errors"]
    columns = ["name_pinyin", "surname_pinyin", "community_code", "estate_code", "room"]
    got = {r.name: [getattr(r, c) for c in columns] for r in SourceRecord.objects.all()}
    building = place("丰收小区1号楼")
    village = Area.objects.get(name="龙洞村")
    assert got == {
        "单田芳": [
            "shantianfang",
            "shan",
            building.area.parent.code,  # the building's grid's community
            building.parent.code,
            "1-101",
        ],
        "欧阳娜娜": ["ouyangnana", "ouyang", village.code, "", "3-15"],
        "Ali Khan": ["alikhan", "", "", "", ""],
    }
    record = SourceRecord.objects.get(name="单田芳")
    assert record.building_code == building.code and record.estate_code == building.parent.code


def test_one_dwelling_written_three_ways_gives_one_building_and_room(gazetteer, tmp_path):
    addresses = [
        "丰收小区1-1-101",
        "定和街道丰收社区丰收小区1号楼1单元101室",
        "丰收小区一号楼一单元101",
    ]
    lines = [
        f"{name},{valid_id(501 + i)},男,2024/3/1,合同期满,否,否,1380000000{i},{address}"
        for i, (name, address) in enumerate(zip(["王伟", "王卫", "汪伟"], addresses, strict=True))
    ]
    import_file("renshe_shiye", write(tmp_path, "x.csv", rows(*lines)))
    dwellings = set(SourceRecord.objects.values_list("building_code", "room"))
    assert dwellings == {(place("丰收小区1号楼").code, "1-101")}
    # homophones: one pinyin
    assert set(SourceRecord.objects.values_list("name_pinyin", flat=True)) == {"wangwei"}


def test_a_15_digit_id_is_upgraded_and_noted(gazetteer, tmp_path):
    old = "钱七,410811800101003,女,2024/3/1,合同期满,否,否,13800000001,丰收小区1-1-101"
    result = import_file("renshe_shiye", write(tmp_path, "x.csv", rows(*GOOD_ROWS, old)))
    assert result["counts"]["rejected"] == 0
    record = SourceRecord.objects.get(name="钱七")
    assert len(record.id_number) == 18 and record.id_number.startswith("41081119800101003")
    assert any("15位" in flag for flag in record.flags)


def test_duplicate_rows_within_the_file_are_rejected_after_the_first(gazetteer, tmp_path):
    conflicting = GOOD_ROWS[1].replace("李强", "李小强")
    result = import_file(
        "renshe_shiye", write(tmp_path, "x.csv", rows(*GOOD_ROWS, GOOD_ROWS[0], conflicting))
    )
    reasons = {e["row"]: e["reason"] for e in result["errors"]}
    assert reasons == {12: "与第2行完全重复", 13: "与第3行的身份证号码相同, 但内容不同"}
    assert result["counts"]["new"] == 10
    assert SourceRecord.objects.count() == 10


def test_rows_already_in_the_database_are_not_duplicated(gazetteer, tmp_path):
    import_file("renshe_shiye", write(tmp_path, "a.csv", rows(*GOOD_ROWS[:6])))
    result = import_file("renshe_shiye", write(tmp_path, "b.csv", rows(*GOOD_ROWS)))
    assert result["counts"]["unchanged"] == 6 and result["counts"]["new"] == 4
    assert SourceRecord.objects.current().count() == 10
    assert SourceRecord.objects.count() == 10


def test_too_many_bad_rows_refuse_the_whole_file(gazetteer, tmp_path):
    bad = [line.replace(",男,", ",男,").replace("2024/3/1", "第三天") for line in GOOD_ROWS[:3]]
    before = snapshot()
    result = import_file("renshe_shiye", write(tmp_path, "x.csv", rows(*GOOD_ROWS[3:], *bad)))
    refused(result, before, "超过允许的 20%")
    assert result["has_error_report"]
    assert {e["reason"] for e in result["errors"]} == {"无法识别的日期"}


def test_formula_cells_reject_their_rows(gazetteer, district, tmp_path):
    source = district / "extracts" / "民政_高龄津贴.xlsx"
    wb = openpyxl.load_workbook(source)
    ws = wb.active
    ws["D2"] = "=100+100"  # 津贴标准 as a formula
    ws["B3"] = "'=cmd|' /C calc'!A0"  # text that only looks like a formula: stays text
    path = tmp_path / "民政_高龄津贴.xlsx"
    wb.save(path)
    result = import_file("minzheng_gaoling", path)
    formula = [e for e in result["errors"] if "公式" in e["reason"]]
    assert [(e["row"], e["column"]) for e in formula] == [(2, "津贴标准(元/月)")]


def test_the_error_report_is_an_xlsx_with_neutralized_values(gazetteer, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    bad = f"=SUM(1),{invalid_id(303)},男,2024/3/1,合同期满,否,否,13800000000,丰收小区1-1-101"
    result = import_file("renshe_shiye", write(tmp_path, "x.csv", rows(*GOOD_ROWS, bad)))
    run = ImportRun.objects.get(pk=result["run_id"])
    sheet = openpyxl.load_workbook(tmp_path / "imports" / run.error_report).active
    header, *lines = [[c.value for c in r] for r in sheet.iter_rows()]
    assert header == ["行号", "列", "值", "原因"]
    assert all(not str(line[2]).startswith("=") for line in lines)


def test_an_xlsx_that_is_really_something_else_is_refused(gazetteer, tmp_path):
    path = tmp_path / "民政_低保名册.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    before = snapshot()
    refused(import_file("minzheng_dibao", path), before)


def test_every_synthetic_extract_imports(gazetteer, district, tmp_path):
    from minqing.synth.extracts import EXTRACTS

    for extract in EXTRACTS:
        path = tmp_path / extract.filename
        shutil.copy(district / "extracts" / extract.filename, path)
        result = import_file(extract.code, path)
        assert result["status"] == "succeeded", (extract.code, result["message"])
        assert result["counts"]["rejected"] <= 0.1 * result["counts"]["read"], (
            extract.code,
            result["errors"][:5],
        )


def test_the_migration_fills_older_records_as_an_import_would(gazetteer, tmp_path, monkeypatch):
    backfill = importlib.import_module("minqing.sources.migrations.0002_linkage_columns")
    extra = f"欧阳娜娜,{valid_id(601)},女,2024/3/1,合同期满,否,否,13800000009,龙洞村3组15号"
    import_file("renshe_shiye", write(tmp_path, "x.csv", rows(*GOOD_ROWS, extra)))
    columns = ["id", *LINKAGE_COLUMNS]
    imported = list(SourceRecord.objects.order_by("id").values_list(*columns))
    SourceRecord.objects.update(**dict.fromkeys(LINKAGE_COLUMNS, ""))
    monkeypatch.setattr(backfill, "CHUNK", 4)  # several chunks
    backfill.fill_linkage_columns(apps, SimpleNamespace(connection=connection))
    assert list(SourceRecord.objects.order_by("id").values_list(*columns)) == imported
    assert {r[1] for r in imported} >= {"wangwei", "ouyangnana"} and all(r[5] for r in imported)
