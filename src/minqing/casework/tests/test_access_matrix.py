"""The authorization matrix of the web pages: every role × every page × an object inside and one
outside the role's scope gives the expected answer. A page the matrix does not list fails
`test_every_page_is_in_the_matrix`: adding a URL means deciding here who may open it.

The API has its own matrix with the same completeness rule (casework/tests/test_api.py, and the
sources and linkage API tests); the admin site is the 三员's (accounts/tests/test_access.py).

Answers: "ok" (2xx, or a redirect after success, or a form answered with its errors: the request
passed the scope), "404" (outside the scope: not found), "403" (inside the scope, not this
role's to do), "login" (anonymous), "admin" (a 三员 sent to the admin site), "otp" (a 三员's
second factor first).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from minqing.accounts import roles
from minqing.accounts.models import Department
from minqing.accounts.tests.factories import make_unit, make_user
from minqing.casework.models import ProblemStatus
from minqing.casework.tests.factories import (
    head_of,
    make_entry,
    make_household,
    make_measure,
    make_problem,
    make_proposal,
)
from minqing.linkage.tests.factories import make_item, make_record, make_source

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "grid",
    "community",
    "street",
    "cadre",
    "clerk",
    "leader",
    "hotline",
    "sysadmin",
    "secadmin",
    "auditor",
]
ADMINS = ("sysadmin", "secadmin", "auditor")
# pages outside the matrix's business: the login flow itself, static helpers, the admin site, API
NOT_SCOPED = {
    "accounts:login",
    "accounts:logout",
    "accounts:otp_verify",
    "accounts:otp_enrol",
    "api-docs-asset",
}


def row(default: str, **by_role: str) -> dict[str, str]:
    """Answers by role: `default` for every role not named; anonymous always "login"."""
    answers = {role: default for role in ROLES}
    answers |= {"anonymous": "login"}
    answers |= by_role
    return answers


def residents(default_for_admins: str = "404", **by_role: str) -> dict[str, str]:
    """A page about residents: the 三员 are refused whatever else holds."""
    return row("404", **{a: default_for_admins for a in ADMINS}, **by_role)


AREA_STAFF = {"grid": "ok", "community": "ok", "street": "ok"}
NO_INBOX = {r: "403" for r in ("cadre", "hotline", *ADMINS)}

# url name → (method, object kind or None, answers inside, answers outside)
# "outside" is only for pages about one object; for lists, what they list is checked elsewhere
MATRIX: dict[str, tuple[str, str | None, dict, dict | None]] = {
    "home": ("GET", None, row("ok", **{a: "admin" for a in ADMINS}), None),
    "areas:detail": ("GET", "area", row("ok", **{a: "admin" for a in ADMINS}), None),
    "sources:index": ("GET", None, row("ok", **{a: "admin" for a in ADMINS}), None),
    "sources:upload": (
        "GET",
        None,
        row("ok", **{a: "admin" for a in ADMINS}),  # lists what the user may import
        None,
    ),
    "sources:run": ("GET", "import_run", row("404", clerk="ok"), row("404")),
    # a run without rejected rows has no report: 404 even for its department (the report
    # itself, and who may fetch it, is sources/tests/test_views.py's)
    "sources:error_report": ("GET", "import_run", row("404"), row("404")),
    "linkage:review": (
        "GET",
        None,
        row("403", **AREA_STAFF, cadre="ok", leader="ok"),
        None,
    ),
    "linkage:item": (
        "GET",
        "review_item",
        row("404", **AREA_STAFF, cadre="ok", leader="ok"),
        row("404", leader="ok"),
    ),
    "linkage:runs": ("GET", None, row("403", **AREA_STAFF, cadre="ok", leader="ok"), None),
    "linkage:run": ("GET", "link_run", row("404", **AREA_STAFF, cadre="ok", leader="ok"), None),
    "assessment:proposals": (
        "GET",
        None,
        row("403", **AREA_STAFF, cadre="ok", leader="ok"),
        None,
    ),
    # the 核对 request list: the civil-affairs clerk who imports the answers (the file and its
    # audit: assessment/tests/test_verification.py)
    "assessment:verification": ("GET", None, row("403", clerk="ok"), None),
    "assessment:household": (
        "GET",
        "household",
        residents(**AREA_STAFF, cadre="ok", leader="ok"),
        residents(leader="ok"),
    ),
    "casework:ledger": (
        "GET",
        None,
        row("403", **AREA_STAFF, cadre="ok", clerk="ok", leader="ok"),
        None,
    ),
    "casework:household": (
        "GET",
        "household",
        residents(**AREA_STAFF, cadre="ok", clerk="ok", leader="ok"),
        residents(leader="ok"),
    ),
    "casework:export": (
        "GET",
        None,
        row("403", **AREA_STAFF, cadre="ok", clerk="ok", leader="ok"),
        None,
    ),
    "casework:reveal": (
        "POST",
        "person",
        residents(**AREA_STAFF, cadre="ok", clerk="ok", leader="403"),
        residents(leader="403"),
    ),
    "casework:inbox": ("GET", None, row("403", **AREA_STAFF, clerk="ok"), None),
    # the inbox's steps: roles without an inbox (cadre, hotline, 三员) are refused whatever the
    # object (403 on both sides: nothing about the object is told); area staff pass the scope
    # (the rules then decide: they may dispatch, only the department accepts)
    "casework:problem_step": (
        "POST",
        "problem",
        row("404", **AREA_STAFF, clerk="ok", leader="403", **NO_INBOX),
        row("404", leader="403", **NO_INBOX),
    ),
    "casework:measure_step": (
        "POST",
        "measure",
        row("404", **AREA_STAFF, clerk="ok", leader="403", **NO_INBOX),
        row("404", leader="403", **NO_INBOX),
    ),
    "casework:care_day": ("GET", None, row("403", **AREA_STAFF, cadre="ok"), None),
    "casework:care_day_xlsx": ("GET", None, row("403", **AREA_STAFF, cadre="ok"), None),
    "casework:visit_new": (
        "GET",
        "household",
        residents(**AREA_STAFF, cadre="ok", clerk="403", leader="403"),
        residents(leader="403"),
    ),
    "casework:proposal_decide": (
        "POST",
        "proposal",
        residents(**AREA_STAFF, leader="403"),
        residents(leader="403"),
    ),
    "casework:routing": ("GET", None, row("403", **AREA_STAFF, clerk="ok", leader="ok"), None),
    # 包联分配: community and street staff (grids outside their area are 404: test_pairing_views)
    "casework:pairing": ("GET", None, row("403", community="ok", street="ok"), None),
    # 提醒: every signed-in user's own notices (only their own: test_sweep); the 三员 get none
    # and are sent to the admin site like on the other resident pages
    "casework:notices": ("GET", None, row("ok", **{a: "admin" for a in ADMINS}), None),
    "casework:joint_meeting": (
        "GET",
        None,
        row("403", community="ok", street="ok", leader="ok"),
        None,
    ),
    # 工作看板: everyone with ledger data, each within their scope (dashboards/tests)
    "dashboards:index": (
        "GET",
        None,
        row("403", **AREA_STAFF, cadre="ok", clerk="ok", leader="ok"),
        None,
    ),
    # the households behind a 漏保/错保 number: whole-household data, not a department's
    "dashboards:findings": (
        "GET",
        None,
        row("403", **AREA_STAFF, cadre="ok", leader="ok"),
        None,
    ),
    # 民情地图: whoever sees ledger data, each within their scope (areas outside: maps/tests)
    "maps:index": (
        "GET",
        None,
        row("403", **AREA_STAFF, cadre="ok", clerk="ok", leader="ok"),
        None,
    ),
    "maps:data": (
        "GET",
        None,
        row("403", **AREA_STAFF, cadre="ok", clerk="ok", leader="ok"),
        None,
    ),
}


def page_names() -> set[str]:
    names: set[str] = set()

    def walk(resolver: URLResolver, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = entry.namespace or ""
                if inner in ("admin", "api"):
                    continue
                walk(entry, f"{namespace}{inner}:" if inner else namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(f"{namespace}{entry.name}")

    walk(get_resolver(), "")
    return names


def test_every_page_is_in_the_matrix():
    missing = page_names() - set(MATRIX) - NOT_SCOPED
    assert not missing, f"pages without a row in the authorization matrix: {sorted(missing)}"
    assert not set(MATRIX) - page_names(), "rows for pages that no longer exist"


@pytest.fixture
def users(
    areas, grid_worker, community_staff, street_staff, district_leader, civil_affairs_clerk, cadre
):
    district = areas["山阳区"]
    hotline_unit = make_unit(name="12345热线服务中心", area=district, department=Department.HOTLINE)
    office = make_unit(name="山阳区人民政府办公室", area=district)
    return {
        "anonymous": None,
        "grid": grid_worker,
        "community": community_staff,
        "street": street_staff,
        "cadre": cadre,
        "clerk": civil_affairs_clerk,
        "leader": district_leader,
        "hotline": make_user("hotline", unit=hotline_unit, roles=(roles.HOTLINE_OPERATOR,)),
        "sysadmin": make_user("sysadmin", unit=office, roles=(roles.SYSTEM_ADMIN,), is_staff=True),
        "secadmin": make_user(
            "secadmin", unit=office, roles=(roles.SECURITY_ADMIN,), is_staff=True
        ),
        "auditor": make_user("auditor", unit=office, roles=(roles.AUDIT_ADMIN,), is_staff=True),
    }


@pytest.fixture
def world(areas, users, grid, other_street_grid):
    """One object of each kind inside the personas' scopes (丰收社区第1网格, paired with the grid
    worker and the cadre, its problem routed to 民政) and one outside every scope but the
    leader's (焦东街道, its problem routed to 教育)."""
    objects = {}
    for side, area, department in (
        ("inside", grid, "civil_affairs"),
        ("outside", other_street_grid, "education"),
    ):
        paired = side == "inside"
        entry = make_entry(
            area,
            grid_worker=users["grid"] if paired else None,
            cadre=users["cadre"] if paired else None,
        )
        problem = make_problem(entry, status=ProblemStatus.ACCEPTED, department=department)
        measure = make_measure(
            entry,
            problem=problem,
            owner_unit=users["clerk"].unit if paired else None,
        )
        huji = make_source("gongan_huji", "户籍人口")
        minzheng = make_source("minzheng_dibao", "低保名册")
        minzheng.department = "civil_affairs"
        minzheng.save()
        record = make_record(huji if side == "outside" else minzheng, f"K-{side}", area=area)
        item = make_item(make_record(huji, f"L-{side}", area=area))
        objects[side] = {
            "area": (area.code,),
            "household": (entry.household_id,),
            "person": (head_of(entry.household).pk,),
            "problem": (problem.pk, "accept"),
            "measure": (measure.pk, "close"),
            "proposal": (make_proposal(make_household(area)).pk,),
            "import_run": (record.first_run_id,),
            "review_item": (item.pk,),
            "link_run": (item.first_run_id,),
        }
    return objects


POST_DATA = {
    "casework:reveal": {"field": "id_number", "reason": "核实身份"},
    "casework:problem_step": {},
    "casework:measure_step": {"result": "已落实", "version": "1"},
    "casework:proposal_decide": {"decision": "reject", "reason": "入户核实不符合"},
}


def answer(response) -> str:
    code = response.status_code
    if code == 302:
        location = response["Location"]
        if "/accounts/login" in location:
            return "login"
        if "/accounts/otp" in location:
            return "otp"
        if location.startswith("/admin"):
            return "admin"
        return "ok"
    if code in (403, 404):
        return str(code)
    if code < 300 or code in (400, 409, 422):
        return "ok"
    return str(code)


def test_authorization_matrix(users, world):
    mismatches = []
    for name, (method, kind, inside, outside) in MATRIX.items():
        for side, expected in (("inside", inside), ("outside", outside)):
            if expected is None or (kind is None and side == "outside"):
                continue
            args = world[side][kind] if kind else ()
            url = reverse(name, args=args)
            for role in ROLES:
                client = Client()
                if users[role] is not None:
                    client.force_login(users[role])
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.post(url, POST_DATA.get(name, {}))
                got = answer(response)
                if got != expected[role]:
                    mismatches.append(f"{name} {side} {role}: expected {expected[role]}, got {got}")
    assert not mismatches, "\n".join(mismatches)


LISTS = ["casework:ledger", "casework:export", "casework:inbox", "casework:care_day"]


def _text(response) -> str:
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for values in sheet.iter_rows(values_only=True)
            for cell in values
            if cell is not None
        )
    return response.content.decode()


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "leader")])
def test_lists_and_exports_never_show_an_out_of_scope_household(users, world, role):
    from minqing.registry.models import Household

    outside = Household.objects.get(pk=world["outside"]["household"][0])
    inside = Household.objects.get(pk=world["inside"]["household"][0])
    client = Client()
    client.force_login(users[role])
    for name in LISTS:
        response = client.get(reverse(name))
        if response.status_code != 200:
            continue
        text = _text(response)
        assert outside.address not in text, f"{name} shows an out-of-scope household to {role}"
        assert outside.number not in text, f"{name} shows an out-of-scope household to {role}"
        if name in ("casework:ledger", "casework:export") and role in (*AREA_STAFF, "cadre"):
            # the check above can fail: the same list does show the household inside
            assert inside.address in text, f"{name} does not show {role}'s own household"
