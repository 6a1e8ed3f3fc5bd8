"""The synthetic district as a whole: valid IDs, detectable errors, determinism, truth that agrees
with the extracts, and extracts readable as declared."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import opencc
import polars as pl
import pytest
from pypinyin import lazy_pinyin

from minqing.core.idnumbers import birth_date, is_male, is_valid_18, upgrade_15
from minqing.synth.errors import ErrorRates
from minqing.synth.extracts import EXTRACTS
from minqing.synth.generate import generate

PERSONS = 4_000


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate(out, seed=7, persons=PERSONS)
    return out


@pytest.fixture(scope="module")
def manifest(district) -> dict:
    return json.loads((district / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def truth(district) -> dict[str, pl.DataFrame]:
    return {
        name: pl.read_parquet(district / "truth" / f"{name}.parquet")
        for name in ("persons", "households", "records")
    }


def read_extract(district: Path, info: dict, name: str) -> pl.DataFrame:
    """Read an extract exactly as its manifest entry declares it, every cell as text."""
    path = district / name
    if info["kind"] == "xlsx":
        return pl.read_excel(path, sheet_name=info["sheet"], infer_schema_length=0)
    text = path.read_bytes().decode(info["encoding"])
    return pl.read_csv(io.StringIO(text), infer_schema_length=0)


@pytest.fixture(scope="module")
def extracts(district, manifest) -> dict[str, pl.DataFrame]:
    return {
        info["source"]: read_extract(district, info, name)
        for name, info in manifest["files"].items()
        if name.startswith("extracts/")
    }


def test_every_true_id_number_is_valid_and_matches_the_person(truth):
    persons = truth["persons"]
    assert persons.height <= PERSONS and persons.height > PERSONS * 0.95
    assert persons["id_number"].n_unique() == persons.height
    for number, born, sex in persons.select("id_number", "birth_on", "sex").iter_rows():
        assert is_valid_18(number), number
        assert birth_date(number) == born
        assert is_male(number) == (sex == "M")


def test_households_have_one_head_and_plausible_ages(truth):
    persons = truth["persons"]
    heads = persons.filter(pl.col("relation") == "head").group_by("household_id").len()
    assert heads["len"].max() == 1
    assert heads.height == truth["households"].height
    assert persons.filter(pl.col("relation") == "head")["age"].min() >= 18
    share = persons.select(
        children=(pl.col("age") < 15).mean(), elderly=(pl.col("age") >= 65).mean()
    ).row(0, named=True)
    assert 0.12 < share["children"] < 0.23  # China 2020 census: 17.95 % under 15
    assert 0.10 < share["elderly"] < 0.22  # 13.5 % aged 65 and over


def _file_values(extracts, manifest, truth):
    """Every extract row with its truth (person, errors) and its name, ID and phone as written."""
    frames = []
    for info in manifest["files"].values():
        if "source" not in info:
            continue
        df = extracts[info["source"]]
        cols = info["person_columns"]
        frames.append(
            pl.DataFrame(
                {
                    "source": info["source"],
                    "row": range(1, df.height + 1),
                    "name": df[cols["name"]]
                    if cols["name"]
                    else pl.Series([None] * df.height, dtype=pl.String),
                    "id": df[cols["id_number"]]
                    if cols["id_number"]
                    else pl.Series([None] * df.height, dtype=pl.String),
                    "phone": df[cols["phone"]]
                    if cols["phone"]
                    else pl.Series([None] * df.height, dtype=pl.String),
                }
            )
        )
    values = pl.concat(frames)
    records = truth["records"].join(values, on=["source", "row"], how="left")
    persons = truth["persons"].select(
        "person_id",
        "household_id",
        true_name="name",
        true_id="id_number",
        true_phone="phone",
        old_phone="old_phone",
    )
    return records.join(persons, on="person_id", how="left", suffix="_true")


def test_every_injected_error_is_detectable(extracts, manifest, truth):
    rows = _file_values(extracts, manifest, truth)
    t2s = opencc.OpenCC("t2s")
    ids_by_household: dict[int, set[str]] = {}
    for hid, number in truth["persons"].select("household_id", "id_number").iter_rows():
        ids_by_household.setdefault(hid, set()).add(number)
    phones_by_household: dict[int, set[str]] = {}
    for hid, phone in truth["persons"].select("household_id", "phone").iter_rows():
        phones_by_household.setdefault(hid, set()).add(phone)
    seen: set[str] = set()
    for r in rows.iter_rows(named=True):
        for kind in r["errors"]:
            seen.add(kind)
            name, true_name, number, true_id = (
                r["name"],
                r["true_name"],
                r["id"] or "",
                r["true_id"],
            )
            if kind == "name_homophone":
                assert name != true_name and lazy_pinyin(name) == lazy_pinyin(true_name), r
            elif kind == "name_lookalike":
                assert len(name) == len(true_name)
                assert sum(a != b for a, b in zip(name, true_name, strict=True)) == 1, r
            elif kind == "name_traditional":
                assert name != true_name and t2s.convert(name) == true_name, r
            elif kind == "name_space":
                assert (
                    name != true_name and name.replace(" ", "").replace("\u3000", "") == true_name
                ), r
            elif kind in ("id_typo", "id_transposition"):
                assert len(number) == 18 and not is_valid_18(number), r
            elif kind == "id_relative":
                assert number != true_id and number in ids_by_household[r["household_id"]], r
            elif kind == "id_15":
                assert len(number) == 15 and upgrade_15(number) == true_id, r
            elif kind == "id_missing":
                assert number == "", r
            elif kind == "phone_old":
                assert r["phone"] == r["old_phone"] != r["true_phone"], r
            elif kind == "phone_relative":
                assert (
                    r["phone"] != r["true_phone"]
                    and r["phone"] in phones_by_household[r["household_id"]]
                ), r
            elif kind == "phone_missing":
                assert (r["phone"] or "") == "", r
        if not any(k.startswith("name_") for k in r["errors"]) and r["name"] is not None:
            assert r["name"] == r["true_name"], r
        if not any(k.startswith("id_") for k in r["errors"]) and r["id"] is not None:
            assert r["id"] == r["true_id"], r
    # a district of this size shows every kind of error at the default rates
    expected = {
        "name_homophone",
        "name_traditional",
        "name_space",
        "id_typo",
        "id_transposition",
        "id_relative",
        "id_15",
        "id_missing",
        "phone_old",
        "phone_relative",
        "phone_missing",
        "address_variant",
        "duplicate_row",
        "name_partial",
        "name_lookalike",
        "birth_missing",
    }
    assert expected <= seen


def test_duplicated_rows_repeat_the_row_before(extracts, truth):
    dups = truth["records"].filter(pl.col("errors").list.contains("duplicate_row"))
    assert dups.height > 0
    for source, row in dups.select("source", "row").iter_rows():
        df = extracts[source]
        assert df.row(row - 1) == df.row(row - 2)


def test_same_seed_gives_byte_identical_output_and_another_seed_does_not(
    tmp_path, district, manifest
):
    again = generate(tmp_path / "a", seed=7, persons=PERSONS)
    # the manifest holds the sha256 of every file written
    assert again == manifest
    for name in manifest["files"]:
        assert (tmp_path / "a" / name).read_bytes() == (district / name).read_bytes(), name
    other = generate(tmp_path / "b", seed=8, persons=PERSONS)
    for name in manifest["files"]:
        assert other["files"][name]["sha256"] != manifest["files"][name]["sha256"], name


def test_every_record_points_at_a_true_person_of_its_household(truth):
    joined = truth["records"].join(
        truth["persons"].select("person_id", hh="household_id"), on="person_id", how="left"
    )
    assert joined["hh"].null_count() == 0
    assert (joined["hh"] == joined["household_id"]).all()


def test_population_register_lists_everyone_once(truth):
    huji = truth["records"].filter(
        (pl.col("source") == "gongan_huji") & ~pl.col("errors").list.contains("duplicate_row")
    )
    assert huji["person_id"].n_unique() == huji.height == truth["persons"].height


def test_rolls_list_exactly_the_households_that_receive(truth):
    h = truth["households"]
    records = truth["records"]
    for source, column in [
        ("minzheng_dibao", pl.col("receives_dibao_urban") | pl.col("receives_dibao_rural")),
        ("minzheng_tekun", pl.col("receives_tekun")),
    ]:
        on_roll = set(records.filter(pl.col("source") == source)["household_id"].to_list())
        receiving = set(h.filter(column)["household_id"].to_list())
        assert on_roll == receiving, source


def test_missed_and_mismatched_cases_are_both_present_and_consistent(truth):
    h = truth["households"]
    assert h.filter(pl.col("missed").list.len() > 0).height > 0
    assert h.filter(pl.col("mismatched").list.len() > 0).height > 0
    for row in h.select("dibao_urban", "receives_dibao_urban", "missed", "mismatched").iter_rows(
        named=True
    ):
        assert ("dibao_urban" in row["missed"]) == (
            row["dibao_urban"] and not row["receives_dibao_urban"]
        )
        assert ("dibao_urban" in row["mismatched"]) == (
            not row["dibao_urban"] and row["receives_dibao_urban"]
        )
    # every ledger household has a category and at least one family type
    ledger = h.filter(pl.col("in_ledger"))
    assert ledger["category"].null_count() == 0
    assert (ledger["family_types"].list.len() > 0).all()


def test_school_roll_lists_pupils_and_dropouts(extracts, truth):
    school = (
        truth["records"]
        .filter(pl.col("source") == "jiaoyu_xueji")
        .join(truth["persons"], on="person_id")
    )
    assert school.filter(~pl.col("is_dropout"))["age"].is_between(6, 17).all()
    status = extracts["jiaoyu_xueji"]["在校状态"]
    assert set(status.unique().to_list()) <= {"在读", "辍学"}


def test_emergency_list_lists_emergencies_once_with_a_living_member(extracts, truth, manifest):
    df = extracts["yingji_shijian"]
    assert df.columns == [
        "事件编号",
        "事件类型",
        "发生日期",
        "姓名",
        "身份证号",
        "性别",
        "联系电话",
        "家庭住址",
        "处置单位",
        "受灾受伤情况",
    ]
    rows = (
        truth["records"]
        .filter(pl.col("source") == "yingji_shijian")
        .join(truth["persons"].select("person_id", "relation", "died_on"), on="person_id")
        .join(truth["households"].select("household_id", "emergency"), on="household_id")
        .sort("row")
    )
    # a few rows are duplicated by the error injection, as in every list
    assert rows.height == df.height > 0
    assert rows["died_on"].null_count() == rows.height  # the living
    assert (rows["emergency"] != "").all()
    assert (pl.Series(df["事件类型"]) == rows["emergency"]).all()
    # a fire is listed under the head of the household whose home burned
    assert (rows.filter(pl.col("emergency") == "火灾")["relation"] == "head").all()
    # one member per emergency; EMERGENCY_LISTED (0.9) of them, which a district this small
    # cannot tell from all
    persons = rows.select("household_id", "person_id").unique()
    assert persons["household_id"].is_unique().all()
    hit = truth["households"].filter(pl.col("emergency") != "").height
    assert 0 < persons.height <= hit
    occurred = df["发生日期"].str.to_date()
    assert occurred.is_sorted()
    as_of = dt.date.fromisoformat(manifest["as_of"])
    assert occurred.is_between(as_of - dt.timedelta(days=170), as_of - dt.timedelta(days=7)).all()


def test_cremation_list_lists_only_the_dead_with_their_death_date(extracts, truth):
    df = extracts["minzheng_binzang"]
    assert df.columns == [
        "逝者姓名",
        "身份证号",
        "性别",
        "死亡日期",
        "火化日期",
        "殡仪馆",
        "死亡原因",
        "户籍地址",
    ]
    rows = (
        truth["records"]
        .filter(pl.col("source") == "minzheng_binzang")
        .join(truth["persons"].select("person_id", "died_on"), on="person_id")
        .sort("row")
    )
    assert rows.height == df.height > 0
    assert rows["died_on"].null_count() == 0
    listed = df.select(
        died=pl.col("死亡日期").str.to_date(),
        cremated=pl.col("火化日期").str.slice(0, 10).str.to_date(),
    )
    assert (listed["died"] == rows["died_on"]).all()
    assert (listed["cremated"] - listed["died"]).dt.total_days().is_between(1, 7).all()
    assert set(df["死亡原因"].unique()) <= {"正常死亡", "疾病", "意外"}
    # most of the dead are cremated, not all
    dead = truth["persons"].filter(pl.col("died_on").is_not_null()).height
    assert 0.5 * dead <= rows["person_id"].n_unique() <= dead


def test_each_extract_reads_with_its_declared_encoding_and_columns(district, manifest, extracts):
    assert {e.code for e in EXTRACTS} == set(extracts)
    for name, info in manifest["files"].items():
        if "source" not in info:
            continue
        df = extracts[info["source"]]
        assert df.columns == info["columns"], name
        assert df.height == info["rows"], name
        raw = (district / name).read_bytes()
        if info["encoding"] == "gbk":
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
        if info["encoding"] == "utf-8-sig":
            assert raw.startswith(b"\xef\xbb\xbf")
        if info["encoding"] == "utf-8":
            assert not raw.startswith(b"\xef\xbb\xbf")
            raw.decode("utf-8")
    # each department's own Chinese headers and date style
    assert extracts["gongan_huji"]["出生日期"].str.contains(r"^\d{8}$").all()
    assert extracts["renshe_shiye"]["登记日期"].str.contains(r"^\d{4}/\d{1,2}/\d{1,2}$").all()
    assert extracts["canlian_zheng"]["发证日期"].str.contains(r"^\d{4}\.\d{2}\.\d{2}$").all()
    assert (
        extracts["weijian_bing"]["确诊时间"]
        .str.contains(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
        .all()
    )


def test_hotline_orders_read_like_citizens_calling(extracts, truth):
    orders = extracts["hotline_12345"]
    assert orders.height > 0
    assert orders["诉求内容"].str.contains("[\u4e00-\u9fff]{8,}").all()
    callers = orders["来电人"].fill_null("")
    assert callers.str.contains("^.(女士|先生)$").any()
    distress = (
        truth["records"]
        .filter(pl.col("source") == "hotline_12345")
        .join(truth["households"], on="household_id")
    )
    # households that are truly in hardship call about it
    assert (
        distress.filter(
            pl.col("type_hardship")
            & pl.col("topic").is_in(["illness_cost", "no_income", "dibao_question"])
        ).height
        > 0
    )


def test_error_rates_are_configurable(tmp_path):
    config = tmp_path / "rates.json"
    config.write_text(json.dumps({"name_homophone": 0.5}), encoding="utf-8")
    assert ErrorRates.from_json(config).name_homophone == 0.5
    config.write_text(json.dumps({"name_typo": 0.5}), encoding="utf-8")
    with pytest.raises(ValueError, match="未知的错误类型"):
        ErrorRates.from_json(config)
    zero = ErrorRates(**{k: 0.0 for k in ErrorRates().__dict__})
    generate(tmp_path / "clean", seed=3, persons=1_000, rates=zero)
    records = pl.read_parquet(tmp_path / "clean" / "truth" / "records.parquet")
    injected = records.filter(
        pl.col("errors").list.set_difference(["name_partial", "name_missing"]).list.len() > 0
    )
    assert injected.height == 0
