"""Person facts from the department lists, on hand-made records."""

import datetime as dt

import pytest

from minqing.assessment.facts import FACTS_SCHEMA, person_facts
from minqing.assessment.tests.frames import records


@pytest.fixture
def facts():
    out = person_facts(
        records(
            (1, "gongan_huji", {"hukou_type": "非农业家庭户口", "status": "正常"}, "2026-01-01"),
            (
                1,
                "renshe_shebao",
                {"employment_status": "正常缴费", "contribution_base": "3200.00"},
                "2026-01-01",
            ),
            (1, "cheguan_jidongche", {"vehicle_status": "正常"}, "2026-01-01"),
            (1, "cheguan_jidongche", {"vehicle_status": "正常"}, "2026-01-01"),
            (1, "cheguan_jidongche", {"vehicle_status": "注销"}, "2026-01-01"),
            (1, "zhujian_fangchan", {"property_use": "住宅", "floor_area": "89.5"}, "2026-01-01"),
            (1, "zhujian_fangchan", {"property_use": "住宅", "floor_area": "60"}, "2026-01-01"),
            (2, "gongan_huji", {"hukou_type": "农业家庭户口", "status": "死亡注销"}, "2026-01-01"),
            (
                2,
                "renshe_shebao",
                {"employment_status": "退休领取", "pension_amount": "180"},
                "2026-01-01",
            ),
            (2, "minzheng_dibao", {"benefit_type": "农村低保"}, "2026-01-01"),
            (
                2,
                "canlian_zheng",
                {"disability_grade": "2", "disability_category": "肢体"},
                "2026-01-01",
            ),
            (
                2,
                "minzheng_liangxiang",
                {"subsidy_type": "重度残疾人护理补贴", "disability_grade": "2"},
                "2026-01-01",
            ),
            (2, "weijian_bing", {"illness_type": "重大疾病"}, "2026-01-01"),
            (
                2,
                "yibao_feiyong",
                {"spending_total": "12000", "spending_self": "5000"},
                "2026-01-01",
            ),
            (3, "renshe_shiye", {"receives_unemployment_benefit": "是"}, "2026-01-01"),
            (
                3,
                "jiaoyu_xueji",
                {
                    "school_stage": "初中",
                    "school_status": "辍学",
                    "is_left_behind": "是",
                    "is_orphan": "否",
                    "guardianship": "父母外出务工",
                },
                "2026-01-01",
            ),
            (3, "hotline_12345", {"request_type": "求助"}, "2026-01-01"),
            (3, "hotline_12345", {"request_type": "投诉"}, "2026-01-01"),
            # the newest record of a list wins where one value is wanted
            (
                4,
                "renshe_shebao",
                {"employment_status": "正常缴费", "contribution_base": "2000"},
                "2025-01-01",
            ),
            (
                4,
                "renshe_shebao",
                {"employment_status": "退休领取", "pension_amount": "2500"},
                "2026-06-01",
            ),
        )
    )
    return {row["person_id"]: row for row in out.iter_rows(named=True)}


def test_schema_and_one_row_per_person(facts):
    assert set(facts) == {1, 2, 3, 4}
    assert list(next(iter(facts.values()))) == list(FACTS_SCHEMA)


def test_register_work_and_assets(facts):
    one = facts[1]
    assert one["hukou_type"] == "urban" and one["is_dead"] is False
    assert one["employment"] == "employed" and one["monthly_wage"] == 3200.0
    assert one["vehicles"] == 2  # the deregistered car does not count
    assert one["homes"] == 2 and one["home_area_m2"] == pytest.approx(149.5)
    assert one["businesses"] == 0 and one["receives_dibao"] is False


def test_benefits_disability_and_illness(facts):
    two = facts[2]
    assert two["hukou_type"] == "rural" and two["is_dead"] is True
    assert two["employment"] == "retired" and two["monthly_pension"] == 180.0
    assert two["receives_dibao"] is True and two["dibao_type"] == "农村低保"
    assert two["disability_grade"] == 2 and two["receives_disability_care"] is True
    assert two["receives_disability_living"] is False
    assert two["has_serious_illness"] is True and two["medical_self_pay_12m"] == 5000.0


def test_unemployment_school_and_hotline(facts):
    three = facts[3]
    assert three["employment"] == "registered_unemployed"
    assert three["receives_unemployment_benefit"] is True
    assert three["is_dropout"] is True and three["is_left_behind"] is True
    assert three["guardianship"] == "父母外出务工"
    assert three["hotline_requests"] == 2 and three["hotline_help_requests"] == 1
    assert three["hukou_type"] is None


def test_the_newest_record_of_a_list_wins(facts):
    assert facts[4]["employment"] == "retired" and facts[4]["monthly_pension"] == 2500.0


def test_the_newest_verification_report_gives_income_assets_and_supporter():
    report = {"report_number": "HD1", "verified_income": "310.00", "supporter": "none"}
    out = person_facts(
        records(
            (
                1,
                "minzheng_hedui",
                {**report, "checked_on": "2025-06-30", "financial_assets": "9000.00"},
                "2025-07-01",
            ),
            (
                1,
                "minzheng_hedui",
                {**report, "checked_on": "2026-10-31", "financial_assets": "1200.50"},
                "2026-11-01",
            ),
            (2, "gongan_huji", {"hukou_type": "农业家庭户口", "status": "正常"}, "2026-01-01"),
        )
    ).sort("person_id")
    one, two = out.to_dicts()
    assert str(one["verified_on"]) == "2026-10-31"
    assert (one["verified_income"], one["financial_assets"], one["supporter"]) == (
        310.0,
        1200.5,
        "none",
    )
    assert (two["verified_on"], two["financial_assets"], two["supporter"]) == (None, None, None)


def test_a_help_request_telling_of_an_emergency_gives_its_kind_and_day():
    def order(kind: str, message: str, at: str) -> dict:
        return {"request_type": kind, "message": message, "received_at": at}

    out = person_facts(
        records(
            (
                1,
                "hotline_12345",
                order("求助", "家里失火了，房子烧了一半", "2026-09-01 10:00"),
                "x",
            ),
            (1, "hotline_12345", order("求助", "老伴出了车祸住院", "2026-10-20 08:30"), "x"),
            (2, "hotline_12345", order("投诉", "楼下着火的烟味太大", "2026-10-01 09:00"), "x"),
            (3, "hotline_12345", order("求助", "孩子上学有困难", "2026-10-01 09:00"), "x"),
        )
    ).sort("person_id")
    kinds = {r["person_id"]: (r["emergency_kind"], r["emergency_on"]) for r in out.to_dicts()}
    assert kinds[1] == ("交通事故", dt.date(2026, 10, 20))  # the newest
    assert kinds[2] == (None, None)  # a complaint, not a request for help
    assert kinds[3] == (None, None)


def test_an_emergency_the_centre_registered_counts_and_the_newer_of_it_and_a_call_wins():
    def event(kind: str, on: str) -> dict:
        return {"event_type": kind, "occurred_on": on}

    def call(message: str, at: str) -> dict:
        return {"request_type": "求助", "message": message, "received_at": at}

    out = person_facts(
        records(
            # registered only: two events, the newer counts
            (1, "yingji_shijian", event("火灾", "2026-06-01"), "x"),
            (1, "yingji_shijian", event("意外伤害", "2026-08-15"), "x"),
            # registered, and a later call telling of something else: the call is newer
            (2, "yingji_shijian", event("火灾", "2026-06-01"), "x"),
            (2, "hotline_12345", call("老伴突发重病住院了", "2026-09-03 10:00"), "x"),
            # a call first, the centre's record of a later event after it
            (3, "hotline_12345", call("家里失火了", "2026-05-03 10:00"), "x"),
            (3, "yingji_shijian", event("交通事故", "2026-07-09"), "x"),
            # the same day: the centre's record (the event's own kind) wins
            (4, "hotline_12345", call("出了意外受伤了", "2026-07-09 18:00"), "x"),
            (4, "yingji_shijian", event("交通事故", "2026-07-09"), "x"),
        )
    ).sort("person_id")
    kinds = {r["person_id"]: (r["emergency_kind"], r["emergency_on"]) for r in out.to_dicts()}
    assert kinds[1] == ("意外伤害", dt.date(2026, 8, 15))
    assert kinds[2] == ("突发重病", dt.date(2026, 9, 3))
    assert kinds[3] == ("交通事故", dt.date(2026, 7, 9))
    assert kinds[4] == ("交通事故", dt.date(2026, 7, 9))


def test_of_two_records_of_one_day_the_same_one_wins_in_any_order():
    """A person with two 残疾证 of the same day (two persons linkage merged, or a card written
    twice): which grade counts must not hang on the order the database returns the rows in,
    or two runs on the same data could disagree. A newer card wins over both."""
    card = {"disability_category": "肢体"}
    same_day = [
        (1, "canlian_zheng", card | {"disability_grade": "1"}, "2026-03-01"),
        (1, "canlian_zheng", card | {"disability_grade": "3"}, "2026-03-01"),
        (1, "canlian_zheng", card | {"disability_grade": "2"}, "2025-01-01"),
    ]
    grades = {
        person_facts(records(*rows))["disability_grade"].item()
        for rows in (same_day, same_day[::-1], [same_day[1], same_day[2], same_day[0]])
    }
    assert len(grades) == 1 and grades <= {1, 3}
    newer = (1, "canlian_zheng", card | {"disability_grade": "4"}, "2026-06-01")
    assert person_facts(records(*same_day, newer))["disability_grade"].item() == 4
