"""What linkage makes of the records: ID validity, partial names, and the golden record."""

import datetime as dt
import json

import polars as pl
import pytest

from minqing.core.idnumbers import check_char
from minqing.linkage.golden import golden_records
from minqing.linkage.prepare import comparison_frame, id_valid

VALID = "41081119800101123" + check_char("41081119800101123")
TYPO = VALID[:10] + str((int(VALID[10]) + 1) % 10) + VALID[11:]  # one digit wrong
SWAP = VALID[:8] + VALID[9] + VALID[8] + VALID[10:]  # 8 and 0 swapped


@pytest.mark.parametrize(
    "number, expected",
    [
        (VALID, True),
        (TYPO, False),
        (SWAP, False),
        ("11010519491231002X", True),
        ("11010519491231002x", False),  # normalized upper-case at import
        ("110105491231002", False),  # 15 digits: upgraded at import, not here
        ("", False),
        (None, False),
    ],
)
def test_id_valid(number, expected):
    assert pl.select(id_valid(pl.lit(number, dtype=pl.String))).item() is expected


def frame(**columns):
    base = {
        "unique_id": [1],
        "name": ["王伟"],
        "name_pinyin": ["wangwei"],
        "surname_pinyin": ["wang"],
        "id_number": [VALID],
        "sex": [None],
        "birth_on": [None],
        "phone": ["13812345678"],
        "community_code": [None],
        "estate_code": [None],
        "building_code": [None],
        "room": [None],
        "flags": ["[]"],
        "fields": ["{}"],
        "valid_from": ["2026-10-31"],
        "birth_given": [False],
    }
    base.update(columns)
    text = {c: pl.String for c in ("sex", "community_code", "estate_code", "building_code", "room")}
    return pl.DataFrame(base, schema_overrides={**text, "birth_on": pl.Date})


@pytest.mark.parametrize(
    "name, sex", [("王女士", "F"), ("李先生", "M"), ("张大爷", "M"), ("刘阿姨", "F")]
)
def test_a_caller_who_gave_only_a_title_has_a_surname_and_a_sex_but_no_name(name, sex):
    out = comparison_frame(
        frame(name=[name], name_pinyin=["x"], flags=['["来电人: 仅有称呼, 非全名"]'])
    )
    row = out.row(0, named=True)
    assert row["name"] is None and row["name_pinyin"] is None
    assert row["surname_pinyin"] == "wang" and row["sex"] == sex


def test_a_full_name_is_kept_and_blank_cells_become_null():
    row = comparison_frame(frame(phone=[""])).row(0, named=True)
    assert row["name"] == "王伟" and row["phone"] is None and row["id_valid"] is True
    assert row["birth_from_id"] is True


@pytest.mark.parametrize(
    "fields, disability",
    [
        ('{"disability_category": "肢体", "disability_grade": "2"}', "肢体/2"),
        ('{"disability_category": "肢体"}', None),  # no grade: nothing to compare
        ("{}", None),
    ],
)
def test_the_disability_a_list_states_is_compared_as_category_and_grade(fields, disability):
    assert comparison_frame(frame(fields=[fields]))["disability"].item() == disability


@pytest.mark.parametrize(
    "birth_on, fields, year, from_age",
    [
        (None, '{"age": "86"}', 1940, True),  # 2026 less the age the roll states
        (dt.date(1939, 12, 15), '{"age": "86"}', 1939, False),  # a date wins
        (dt.date(1980, 5, 1), "{}", 1980, False),
        (None, "{}", None, False),
        (None, '{"age": "八十"}', None, False),  # not a number: no year
    ],
)
def test_a_stated_age_gives_a_birth_year_where_no_date_does(birth_on, fields, year, from_age):
    row = comparison_frame(frame(birth_on=[birth_on], fields=[fields], id_number=[""])).row(
        0, named=True
    )
    assert (row["birth_year"], row["birth_year_from_age"]) == (year, from_age)


CARD_HOLDER = "410811199008180887"  # a valid ID number; VALID is another person's


@pytest.mark.parametrize(
    "id_number",
    [
        "",  # left blank
        "410811199008180888",  # mistyped: fails its check character
        VALID,  # a relative's, valid in itself: the card says whose it is
    ],
)
def test_a_disability_card_number_gives_its_holders_id_number(id_number):
    """The row's birth date was read from its own ID column at import (none here): the card's
    replaces it with the ID number."""
    fields = f'{{"disability_card_number": "{CARD_HOLDER}64", "disability_grade": "4"}}'
    row = comparison_frame(frame(id_number=[id_number], fields=[fields])).row(0, named=True)
    assert (row["id_number"], row["id_valid"]) == (CARD_HOLDER, True)
    assert (row["birth_on"], row["birth_year"]) == ("1990-08-18", 1990)


def test_a_card_that_agrees_with_the_id_column_changes_nothing():
    fields = f'{{"disability_card_number": "{CARD_HOLDER}64"}}'
    row = comparison_frame(frame(id_number=[CARD_HOLDER], fields=[fields])).row(0, named=True)
    assert (row["id_number"], row["birth_on"]) == (CARD_HOLDER, None)


# the first 18 characters fail the check character, or are too few, or are not digits
@pytest.mark.parametrize("card", ["41081119900818088664", "41081119900818088", "X1234"])
def test_a_card_number_that_holds_no_valid_id_number_changes_nothing(card):
    fields = f'{{"disability_card_number": "{card}"}}'
    row = comparison_frame(frame(fields=[fields])).row(0, named=True)
    assert row["id_number"] == VALID and row["birth_on"] is None


def test_a_list_that_gives_the_birth_date_keeps_it():
    fields = f'{{"disability_card_number": "{CARD_HOLDER}64"}}'
    row = comparison_frame(
        frame(id_number=[""], fields=[fields], birth_on=[dt.date(1990, 8, 19)], birth_given=[True])
    ).row(0, named=True)
    assert (row["id_number"], row["birth_on"]) == (CARD_HOLDER, "1990-08-19")


def person_records(rows):
    return pl.DataFrame(
        rows,
        schema=[
            "person_id",
            "source",
            "key",
            "valid_from",
            "name",
            "id_number",
            "id_valid",
            "sex",
            "birth_on",
            "phone",
            "address",
            "area_code",
        ],
        orient="row",
    )


def test_golden_record_prefers_the_register_and_repairs_a_mistyped_id():
    out = golden_records(
        person_records(
            [
                (
                    1,
                    "yibao_feiyong",
                    "k1",
                    "2026-01-01",
                    "王玮",
                    TYPO,
                    False,
                    "M",
                    "1980-01-01",
                    None,
                    None,
                    None,
                ),
                (
                    1,
                    "renshe_shebao",
                    "k2",
                    "2026-01-02",
                    "王玮",
                    TYPO,
                    False,
                    "M",
                    "1980-01-01",
                    None,
                    None,
                    None,
                ),
                (
                    1,
                    "gongan_huji",
                    VALID,
                    "2025-06-01",
                    "王伟",
                    VALID,
                    True,
                    "M",
                    "1980-01-01",
                    "13812345678",
                    "丰收小区3-2-402",
                    "41081100100101",
                ),
            ]
        )
    )
    row = out.row(0, named=True)
    # the register's spelling beats two other lists; the mistyped number is never chosen
    assert row["name"] == "王伟" and row["id_number"] == VALID
    golden = json.loads(row["golden"])
    assert golden["name"] == {
        "value": "王伟",
        "source": "gongan_huji",
        "key": VALID,
        "at": "2025-06-01",
    }
    assert json.loads(row["conflicts"]) == []
    assert row["record_count"] == 3


def test_two_valid_id_numbers_are_a_conflict():
    other = "41081119800202123" + check_char("41081119800202123")
    out = golden_records(
        person_records(
            [
                (
                    1,
                    "gongan_huji",
                    "a",
                    "2026-01-01",
                    "王伟",
                    VALID,
                    True,
                    "M",
                    "1980-01-01",
                    None,
                    None,
                    None,
                ),
                (
                    1,
                    "minzheng_dibao",
                    "b",
                    "2026-01-01",
                    "王伟",
                    other,
                    True,
                    "M",
                    "1980-02-02",
                    None,
                    None,
                    None,
                ),
            ]
        )
    )
    conflicts = json.loads(out["conflicts"][0])
    assert {c["attribute"] for c in conflicts} == {"id_number", "birth_on"}
    assert {c["value"] for c in conflicts if c["attribute"] == "id_number"} == {VALID, other}
