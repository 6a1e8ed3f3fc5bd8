"""三员 separation: the system, security and audit admins see no resident data — every page
about residents refuses them, while the same pages open for a superuser."""

import pytest
from django.test import Client
from django.urls import reverse

from minqing.accounts import roles
from minqing.accounts.access import needs_second_factor, sees_resident_data
from minqing.accounts.tests.factories import make_unit, make_user
from minqing.registry.models import Household
from minqing.sources.models import ImportRun

pytestmark = pytest.mark.django_db

ADMIN_CODES = [roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN]


@pytest.fixture
def office(areas):
    return make_unit(name="山阳区人民政府", area=areas["山阳区"])


def user_with(office, *codes, superuser=False):
    is_staff = superuser or bool(set(codes) & set(ADMIN_CODES))  # as the demo makes them
    user = make_user(
        "u" + "_".join(codes or ("none",)), unit=office, roles=codes, is_staff=is_staff
    )
    if superuser:
        user.is_superuser = True
        user.save()
    return user


@pytest.mark.parametrize(
    ("codes", "superuser", "sees", "second_factor"),
    [
        ((roles.GRID_WORKER,), False, True, False),
        ((roles.COMMUNITY_STAFF,), False, True, False),
        ((roles.STREET_STAFF,), False, True, False),
        ((roles.CADRE,), False, True, False),
        ((roles.DEPARTMENT_CLERK,), False, True, False),
        ((roles.DISTRICT_LEADER,), False, True, False),
        ((roles.HOTLINE_OPERATOR,), False, True, False),
        ((roles.SYSTEM_ADMIN,), False, False, True),
        ((roles.SECURITY_ADMIN,), False, False, True),
        ((roles.AUDIT_ADMIN,), False, False, True),
        ((roles.SYSTEM_ADMIN, roles.AUDIT_ADMIN), False, False, True),
        # a business role wrongly added next to an admin role does not open resident data
        ((roles.SECURITY_ADMIN, roles.GRID_WORKER), False, False, True),
        ((), True, True, True),  # a superuser: everything, with a second factor
        ((), False, True, False),  # no role: not a 三员 (each app's scope then gives nothing)
    ],
)
def test_who_sees_resident_data(office, codes, superuser, sees, second_factor):
    user = user_with(office, *codes, superuser=superuser)
    assert sees_resident_data(user) is sees
    assert needs_second_factor(user) is second_factor


def test_anonymous_and_inactive_users_see_nothing(office):
    from django.contrib.auth.models import AnonymousUser

    assert not sees_resident_data(AnonymousUser()) and not needs_second_factor(AnonymousUser())
    user = user_with(office, roles.GRID_WORKER)
    user.is_active = False
    assert not sees_resident_data(user)


@pytest.fixture
def resident_pages(areas):
    """Every page about residents, with an object that exists for the ones that show one."""
    from minqing.linkage.models import LinkRun
    from minqing.linkage.tests.factories import make_review_queue, make_run

    items = make_review_queue(areas)
    run = LinkRun.objects.first() or make_run()
    household = Household.objects.create(area=areas["定和街道/丰收社区/第1网格"], number="H1")

    return {
        "home": reverse("home"),
        "areas:detail": reverse("areas:detail", args=[areas["定和街道"].code]),
        "linkage:review": reverse("linkage:review"),
        "linkage:item": reverse("linkage:item", args=[items["fengshou"].pk]),
        "linkage:runs": reverse("linkage:runs"),
        "linkage:run": reverse("linkage:run", args=[run.pk]),
        "assessment:proposals": reverse("assessment:proposals"),
        "assessment:household": reverse("assessment:household", args=[household.pk]),
        "sources:index": reverse("sources:index"),
        "sources:upload": reverse("sources:upload"),
        "sources:run": reverse("sources:run", args=[ImportRun.objects.first().pk]),
    }


def refused(response) -> bool:
    """404 / 403, or sent to the admin site."""
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and response.url == reverse("admin:index")


@pytest.mark.parametrize("code", ADMIN_CODES)
def test_the_three_admins_are_refused_every_resident_page(office, resident_pages, code):
    client = Client()
    client.force_login(user_with(office, code))  # force_login passes the TOTP step too
    answers = {name: client.get(url) for name, url in resident_pages.items()}
    assert {name for name, r in answers.items() if not refused(r)} == set()
    # the home page sends them to their own work
    assert answers["home"].url == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_superuser_opens_the_same_pages(office, resident_pages):
    client = Client()
    client.force_login(user_with(office, superuser=True))
    answers = {name: client.get(url).status_code for name, url in resident_pages.items()}
    assert answers == dict.fromkeys(resident_pages, 200)


def test_the_three_admins_get_nothing_from_the_api(office, areas):
    from minqing.linkage.tests.factories import make_review_queue

    make_review_queue(areas)
    client = Client()
    client.force_login(user_with(office, roles.SYSTEM_ADMIN))
    assert client.get("/api/linkage/review").status_code == 403
    assert client.get("/api/sources").json() == []
