"""Stored explanations read back with the catalogue's texts."""

from minqing.policies.explain import described


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
