"""核对 round trip on a small district: the request list names the families whose findings hang on
what no list carries; the synthetic 核对中心 answers for them only; the reports import as a batch
(earlier reports stay), link, and settle the next assessment; a verified family is not asked again."""

import datetime as dt
import json

import polars as pl
import pytest

from minqing.assessment.actions import assess, request_verification
from minqing.assessment.models import Finding, HouseholdAssessment
from minqing.assessment.tests.test_assess import district, linked  # noqa: F401 (fixtures)
from minqing.assessment.verification import ASKED_WHEN_UNDECIDED, VERIFIED_POLICIES
from minqing.audit.models import AuditEvent
from minqing.linkage.actions import link
from minqing.linkage.models import RecordLink
from minqing.sources.actions import import_file
from minqing.sources.definitions import load_all
from minqing.sources.models import SourceRecord
from minqing.sources.readers import read_table
from minqing.synth import verification as center

ON = dt.date(2026, 10, 31)


@pytest.fixture
def assessed(linked):  # noqa: F811
    assess(on=ON)
    return linked


def test_the_verified_policies_are_those_with_an_asset_test():
    assert set(VERIFIED_POLICIES) == {
        "tekun",
        "dibao_urban",
        "dibao_rural",
        "dibao_edge",
        "rigid_expense",
        "temporary_aid",
    }
    # weighs the income against medical spending, no asset test: asked for while 待核实
    assert ASKED_WHEN_UNDECIDED == ("medical_aid",)


def test_the_center_answers_only_the_requested_households_minus_those_that_did_not_sign(
    district,  # noqa: F811
):
    persons = pl.read_parquet(district / "truth" / "persons.parquet")
    households = pl.read_parquet(district / "truth" / "households.parquet")
    heads = persons.filter(pl.col("relation") == "head", pl.col("died_on").is_null())
    asked = heads["id_number"].to_list()
    answers = center.answer_requests(persons, households, asked, on=ON, seed=7)
    signed = answers.filter(pl.col("核对状态") == "已核对")
    answered = signed["核对报告编号"].n_unique()
    # every household was asked for; about REFUSED_RATE of them did not sign: one row per
    # person asked, 未授权, no figures
    assert 0.85 * len(asked) < answered < 0.97 * len(asked)
    unsigned = answers.filter(pl.col("核对状态") == "未授权")
    assert unsigned.height == len(asked) - answered
    assert (
        unsigned["金融资产(元)"].null_count()
        == unsigned["月收入(元)"].null_count()
        == (unsigned.height)
    )
    # one row per living member of an answered household, with its deposits shared out
    one = signed.filter(pl.col("核对报告编号") == signed["核对报告编号"][0])
    truth = persons.filter(pl.col("id_number") == one["身份证号"][0])
    hh = households.filter(pl.col("household_id") == truth["household_id"][0])
    alive = persons.filter(
        pl.col("household_id") == hh["household_id"][0], pl.col("died_on").is_null()
    )
    assert one.height == alive.height == one["共同生活人数"][0]
    assert abs(one["金融资产(元)"].sum() - hh["deposits"][0]) <= one.height
    # an ID number that is not the district's gets nothing
    assert center.answer_requests(
        persons, households, ["110101199003070000"], on=ON, seed=7
    ).is_empty()


def test_the_center_writes_what_the_source_definition_reads(district, tmp_path):  # noqa: F811
    definition = load_all()["minzheng_hedui"]
    assert definition.delivery == "batch" and definition.matches(center.FILENAME)
    persons = pl.read_parquet(district / "truth" / "persons.parquet")
    households = pl.read_parquet(district / "truth" / "households.parquet")
    answers = center.answer_requests(
        persons, households, persons["id_number"].head(50).to_list(), on=ON, seed=7
    )
    assert answers.columns == definition.columns


def test_round_trip_settles_findings_and_asks_no_family_twice(assessed, tmp_path, client):
    folder = assessed
    out = tmp_path / "申请.xlsx"
    first = request_verification(out)
    assert first["households"] > 20 and first["persons"] >= first["households"]
    sheet = read_table(out, kind="xlsx").frame
    assert {"户编号", "姓名", "身份证号", "核对事由"} <= set(sheet.columns)
    assert sheet.height == first["persons"]
    event = AuditEvent.objects.get(action="assessment.request_verification")
    assert f"{first['households']} 户" in event.summary
    # before: every verified-policy finding has its deposits unknown
    undecided_before = Finding.objects.filter(
        policy__in=VERIFIED_POLICIES, status="undecided"
    ).count()

    answered = center.write_answers(folder, out, on=ON)
    assert 0 < answered["households"] <= first["households"]
    imported = import_file("minzheng_hedui", folder / "extracts" / center.FILENAME, channel="cli")
    assert imported["status"] == "succeeded" and imported["counts"]["rejected"] == 0
    link()
    assess(on=ON)

    verified = HouseholdAssessment.objects.filter(indicators__verified_members__gt=0)
    assert verified.count() >= 0.8 * answered["households"]
    # the reports settle what was unknown: fewer findings wait for a check
    undecided_after = Finding.objects.filter(
        policy__in=VERIFIED_POLICIES, status="undecided"
    ).count()
    assert undecided_after < undecided_before
    dibaos = list(
        Finding.objects.filter(
            household__in=verified.values("household_id"),
            policy__in=["dibao_urban", "dibao_rural"],
        )
    )
    assert dibaos

    def deposits_of(finding) -> dict:
        explanation = finding.explanation
        explanation = json.loads(explanation) if isinstance(explanation, str) else explanation
        return next(c for c in explanation if c["condition"] == "deposits_within_limit")

    # the deposits are known for every verified family; decided where the standard is known
    assert all(deposits_of(f)["value"] is not None for f in dibaos)
    assert any(deposits_of(f)["passed"] is not None for f in dibaos)
    dibao = dibaos[0]

    # the household page says which members were checked, and when
    from django.urls import reverse

    from minqing.accounts.actions import create_demo_accounts
    from minqing.accounts.models import User
    from minqing.areas.models import Area, Level

    create_demo_accounts(district=Area.objects.get(level=Level.DISTRICT))
    client.force_login(User.objects.get(username="leader"))
    page = client.get(reverse("assessment:household", args=[dibao.household_id]))
    text = page.content.decode()
    assert page.status_code == 200 and "核对报告 HD" in text
    assert any(m["checked_on"] == ON for m in page.context["members"])
    # (a household without verified members stores no verified_members: 0 is left out)
    unchecked = HouseholdAssessment.objects.exclude(
        household_id__in=verified.values("household_id")
    ).first()
    page = client.get(reverse("assessment:household", args=[unchecked.household_id]))
    assert "尚无家庭经济状况核对报告" in page.content.decode()

    # the verified families are not asked again; the ones that did not sign are
    second = request_verification(tmp_path / "申请2.xlsx")
    assert second["households"] < first["households"]
    again = set(read_table(tmp_path / "申请2.xlsx", kind="xlsx").frame["身份证号"].to_list())
    reported = {
        id_number
        for id_number, fields in SourceRecord.objects.current()
        .filter(source__code="minzheng_hedui")
        .values_list("id_number", "fields")
        if (json.loads(fields) if isinstance(fields, str) else fields)["status"] == "done"
    }
    assert reported and not again & reported

    # a second batch keeps the first batch's reports current (delivery = batch)
    reports = SourceRecord.objects.current().filter(source__code="minzheng_hedui").count()
    center.write_answers(folder, tmp_path / "申请2.xlsx", on=ON)
    import_file("minzheng_hedui", folder / "extracts" / center.FILENAME, channel="cli")
    assert SourceRecord.objects.current().filter(source__code="minzheng_hedui").count() >= reports


def test_the_clerk_downloads_the_request_list_and_it_is_audited(assessed, client):
    from django.urls import reverse

    from minqing.accounts.actions import create_demo_accounts
    from minqing.accounts.models import User
    from minqing.areas.models import Area, Level

    create_demo_accounts(district=Area.objects.get(level=Level.DISTRICT))
    url = reverse("assessment:verification")
    # the street office and the district leader see households, but do not ask the 核对中心
    for username in ("street", "leader"):
        client.force_login(User.objects.get(username=username))
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert not AuditEvent.objects.filter(action="assessment.request_verification").exists()

    client.force_login(User.objects.get(username="minzheng"))
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["households"] > 20 and page.context["by_policy"]
    assert sum(n for _, n in page.context["by_street"]) == page.context["households"]
    assert "核对申请" in [item["label"] for item in page.context["nav_items"]]

    response = client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    path = tmp_path_of(response.content)
    sheet = read_table(path, kind="xlsx").frame
    event = AuditEvent.objects.get(action="assessment.request_verification")
    assert event.actor.username == "minzheng"
    assert f"{page.context['households']} 户 {sheet.height} 人" in event.summary
    # full ID numbers in the file: for the 核对中心
    assert all(len(i) == 18 for i in sheet["身份证号"].drop_nulls().to_list() if i)


def tmp_path_of(content: bytes):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "申请.xlsx"
    path.write_bytes(content)
    return path


def test_a_member_the_register_or_the_funeral_homes_say_died_is_not_asked_for(assessed):
    from minqing.assessment.verification import households_to_verify, request_frame

    asked = households_to_verify()
    before = request_frame(asked)
    on_register = {
        r.id_number: r
        for r in SourceRecord.objects.current().filter(
            source__code="gongan_huji", id_number__in=before["身份证号"].to_list()
        )
    }
    id_number = next(i for i in before["身份证号"].to_list() if i in on_register)
    record = on_register[id_number]
    fields = json.loads(record.fields) if isinstance(record.fields, str) else dict(record.fields)
    record.fields = {**fields, "status": "死亡注销"}
    record.save(update_fields=["fields"])
    # the next link marks the member dead (Person.died_on), which is what the request reads
    link()
    person = RecordLink.objects.get(source=record.source, key=record.key).person
    assert person.died_on is not None
    after = request_frame(asked)
    assert id_number not in after["身份证号"].to_list()
    assert after.height == before.height - 1


def test_a_member_without_an_id_number_is_not_sent_and_a_household_of_such_is_counted(assessed):
    from minqing.assessment.verification import (
        _askable_members,
        households_to_verify,
        request_frame,
        without_id_numbers,
    )
    from minqing.registry.models import Membership, Person

    asked = households_to_verify()
    # a household with a member the center can be asked about
    household_id = _askable_members().values_list("household_id", flat=True).first()
    people = Membership.objects.filter(household_id=household_id).values_list("person_id")
    ids = list(Person.objects.filter(pk__in=people).values_list("id_number", flat=True))
    missing = without_id_numbers(asked)
    Person.objects.filter(pk__in=people).update(id_number="")
    after = request_frame(asked)
    assert not set(ids) & set(after["身份证号"].to_list())
    assert after["身份证号"].str.len_chars().min() > 0
    assert without_id_numbers(asked) == missing + 1
