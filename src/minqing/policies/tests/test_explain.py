"""Stored explanations read back with the catalogue's texts."""

import pytest

from minqing.policies.explain import described, shown


def test_described_adds_label_unit_and_citation_from_the_catalogue():
    rows = described(
        [{"condition": "income_below_dibao", "passed": True, "value": 512.0, "threshold": 630.0}]
    )
    assert rows[0]["label"] == "家庭月人均收入低于当地低保标准"
    assert rows[0]["unit"] == "元/人/月"
    assert "最低生活保障" in rows[0]["citation"] or rows[0]["citation"]
    assert rows[0]["value"] == 512.0


def test_a_condition_no_longer_in_the_catalogue_shows_its_code():
    assert described([{"condition": "gone_rule", "passed": None}])[0]["label"] == "gone_rule"


@pytest.mark.parametrize(
    ("number", "unit", "text"),
    [
        (None, "元/人/月", "—"),
        (3.0, "人", "3"),
        (26192.0, "元/人/年", "26,192"),
        (512.5, "元/人/月", "512.50"),
        (31.333333333333332, "㎡/人", "31.33"),
        (0.0013871920179189575, "比例", "0.14%"),
        (0.7, "比例", "70%"),
        (0.0, "辆", "0"),
        (-1200.0, "元/人/月", "-1,200"),
    ],
)
def test_figures_are_shown_as_people_read_them(number, unit, text):
    assert shown(number, unit) == text


def test_a_share_is_shown_without_its_unit_and_an_unknown_value_without_any():
    share, unknown = described(
        [
            {
                "condition": "rigid_spending_above_ratio",
                "passed": False,
                "value": 0.25,
                "threshold": 0.7,
            },
            {"condition": "income_below_dibao", "passed": None, "value": None, "threshold": 630.0},
        ]
    )
    assert (share["value_shown"], share["threshold_shown"], share["unit_shown"]) == (
        "25%",
        "70%",
        "",
    )
    assert (unknown["value_shown"], unknown["threshold_shown"], unknown["unit_shown"]) == (
        "—",
        "630",
        "",
    )
