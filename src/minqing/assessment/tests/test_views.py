"""The proposals page and the household page: scoped, masked, explained."""

import datetime as dt

import pytest
from django.urls import reverse

from minqing.assessment.actions import assess
from minqing.assessment.models import Finding, Proposal
from minqing.assessment.tests.test_assess import district, linked  # noqa: F401 (fixtures)

ON = dt.date(2026, 10, 31)


@pytest.fixture
def assessed(linked):  # noqa: F811
    from minqing.accounts.actions import create_demo_accounts
    from minqing.areas.models import Area, Level

    assess(on=ON)
    create_demo_accounts(district=Area.objects.get(level=Level.DISTRICT))


def login(client, username):
    from minqing.accounts.models import User

    client.force_login(User.objects.get(username=username))


def test_street_staff_see_their_streets_proposals_and_a_household_explained(client, assessed):
    login(client, "street")
    from minqing.accounts.models import User

    street = User.objects.get(username="street").area_scope
    response = client.get(reverse("assessment:proposals"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert rows and all(r["proposal"].household.area.path.startswith(street.path) for r in rows)
    finding = Finding.objects.filter(household__area__path__startswith=street.path).first()
    page = client.get(reverse("assessment:household", args=[finding.household_id]))
    text = page.content.decode()
    assert page.status_code == 200 and "政策认定" in text and "依据" in text
    # ID numbers are masked
    for member in page.context["members"]:
        assert member["id_number"] == "" or "********" in member["id_number"]


def test_a_household_outside_the_scope_is_not_found(client, assessed):
    login(client, "street")
    from minqing.accounts.models import User

    street = User.objects.get(username="street").area_scope
    outside = Proposal.objects.exclude(household__area__path__startswith=street.path).first()
    response = client.get(reverse("assessment:household", args=[outside.household_id]))
    assert response.status_code == 404


@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditor", "minzheng"])
def test_roles_that_see_no_households_get_nothing(client, assessed, username):
    login(client, username)
    assert client.get(reverse("assessment:proposals")).status_code == 403
    any_household = Proposal.objects.first().household_id
    assert client.get(reverse("assessment:household", args=[any_household])).status_code == 404


def test_a_household_paid_from_the_wrong_basic_living_roll_says_so(client, assessed):
    from minqing.assessment.models import FindingStatus

    finding = Finding.objects.filter(policy="dibao_urban").first()
    household = finding.household
    Finding.objects.filter(household=household).delete()
    run = finding.run
    Finding.objects.create(household=household, run=run, policy="dibao_urban", status="missed")
    Finding.objects.create(
        household=household, run=run, policy="tekun", status=FindingStatus.MISMATCH
    )
    login(client, "leader")
    page = client.get(reverse("assessment:household", args=[household.pk]))
    notes = {f["policy"]: f["note"] for f in page.context["findings"]}
    assert notes["城市低保"] == "应转未转: 现享特困人员救助供养, 但不符合其条件"
    assert notes["特困人员救助供养"] == ""
    assert "应转未转" in page.content.decode()


def test_a_member_who_died_is_marked_on_the_household_page(client, assessed):
    import datetime as dt

    from minqing.registry.models import Membership

    household = Proposal.objects.first().household
    member = Membership.objects.filter(household=household).select_related("person").first()
    member.person.died_on = dt.date(2026, 8, 3)
    member.person.save(update_fields=["died_on"])
    login(client, "leader")
    page = client.get(reverse("assessment:household", args=[household.pk])).content.decode()
    assert "已故 2026-08-03" in page
    assert page.count("已故") == 1


def test_proposals_filter_by_kind_and_area_and_come_a_page_at_a_time(client, assessed):
    from minqing.accounts.models import User
    from minqing.areas.models import Area, Level
    from minqing.assessment.models import ProposalKind

    login(client, "leader")
    everything = client.get(reverse("assessment:proposals"))
    page = everything.context["page_obj"]
    assert page.paginator.per_page == 50
    assert page.paginator.count == Proposal.objects.open().count()
    assert len(everything.context["rows"]) == min(50, page.paginator.count)
    if page.paginator.num_pages > 1:
        second = client.get(reverse("assessment:proposals"), {"page": 2})
        first_ids = {r["proposal"].pk for r in everything.context["rows"]}
        assert first_ids.isdisjoint(r["proposal"].pk for r in second.context["rows"])
        assert "下一页" in everything.content.decode()

    included = client.get(reverse("assessment:proposals"), {"kind": ProposalKind.INCLUDE})
    assert included.context["total"] == Proposal.objects.open().filter(kind="include").count()
    assert all(r["proposal"].kind == "include" for r in included.context["rows"])

    street = Area.objects.filter(level=Level.STREET).order_by("code").first()
    in_street = client.get(reverse("assessment:proposals"), {"area": street.code})
    assert in_street.context["area"] == street.code
    assert in_street.context["total"] == (
        Proposal.objects.open().filter(household__area__path__startswith=street.path).count()
    )

    # street staff: only the areas of their street to choose from; another street's code is
    # ignored, not obeyed (the list stays their street's)
    login(client, "street")
    own = User.objects.get(username="street").area_scope
    response = client.get(reverse("assessment:proposals"), {"area": "no-such-area"})
    codes = [code for code, _ in response.context["areas"]]
    assert codes and all(Area.objects.get(code=c).path.startswith(own.path + "/") for c in codes)
    other = Area.objects.filter(level=Level.STREET).exclude(pk=own.pk).first()
    outside = client.get(reverse("assessment:proposals"), {"area": other.code})
    assert outside.context["area"] == ""
    assert outside.context["ignored"] == [
        f"区域「{other.code}」不是可选的取值 (或不在您的范围内), 已忽略"
    ]
    assert "已忽略" in outside.content.decode()
    assert client.get(reverse("assessment:proposals"), {"kind": "include"}).context["ignored"] == []
    assert all(
        r["proposal"].household.area.path.startswith(own.path) for r in outside.context["rows"]
    )


def test_the_emergency_a_finding_rests_on_is_named_with_its_day():
    from minqing.assessment.queries import _with_emergency
    from minqing.policies.explain import described

    stored = [
        {"condition": "has_emergency", "passed": True, "value": 3.0, "threshold": 180.0},
        {"condition": "has_members", "passed": True, "value": 3.0, "threshold": 1.0},
    ]
    known = {"emergency_kind": "火灾", "emergency_on": "2026-10-28"}
    emergency, members = _with_emergency(described(stored), known)
    assert (emergency["value_shown"], emergency["unit_shown"]) == ("火灾 2026-10-28, 3", "天前")
    assert members["value_shown"] == "3"
    # none known (or an assessment from before the indicators held it): the figure alone
    assert _with_emergency(described(stored), {})[0]["value_shown"] == "3"
