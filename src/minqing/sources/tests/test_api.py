"""数据导入 API: keys, status codes, scope, and the same result JSON as the command and the page."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from minqing.accounts import roles
from minqing.accounts.models import ApiToken, Department
from minqing.accounts.tests.factories import make_unit, make_user
from minqing.audit.models import AuditEvent
from minqing.sources.models import ImportRun

pytestmark = pytest.mark.django_db

SHIYE = "renshe_shiye"
SHIYE_HEADER = (
    "姓名,身份证号码,性别,登记日期,失业原因,就业困难人员,领取失业保险金,联系电话,居住地址"
)


@pytest.fixture
def bad_shiye_file(tmp_path) -> Path:
    rows = [SHIYE_HEADER] + [
        f"张三{i},{i:06d},男,2025/3/6,单位破产,否,是,18037301785,山阳区" for i in range(6)
    ]
    path = tmp_path / "人社_失业登记_错误.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    return path


@pytest.fixture
def hr_clerk(areas):
    unit = make_unit(name="人社局", area=areas["山阳区"], department=Department.HUMAN_RESOURCES)
    return make_user("renshe", unit=unit, roles=(roles.DEPARTMENT_CLERK,), full_name="孙建军")


def create_key(username: str) -> str:
    out = io.StringIO()
    call_command("token", "create", username, "--name", "夜间同步", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


@pytest.fixture
def hr_key(hr_clerk) -> str:
    return create_key(hr_clerk.username)


@pytest.fixture
def civil_key(civil_affairs_clerk) -> str:
    return create_key(civil_affairs_clerk.username)


def post_file(client, code: str, path: Path, key: str | None, **extra):
    headers = {"X-API-Key": key} if key else {}
    with path.open("rb") as f:
        return client.post(f"/api/sources/{code}/imports", {"file": f}, headers=headers, **extra)


# keys ----------------------------------------------------------------------------------------


def test_token_command_stores_only_the_hash(hr_clerk):
    key = create_key("renshe")
    token = ApiToken.objects.get()
    assert token.user == hr_clerk and token.name == "夜间同步" and token.is_active
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert AuditEvent.objects.filter(action="accounts.create_api_token").exists()


def test_revoked_key_stops_working(client, hr_key):
    token = ApiToken.objects.get()
    assert client.get("/api/sources", headers={"X-API-Key": hr_key}).status_code == 200
    call_command("token", "revoke", str(token.pk), stdout=io.StringIO())
    assert client.get("/api/sources", headers={"X-API-Key": hr_key}).status_code == 401


def test_without_key_is_401(client, shiye_file):
    response = client.get("/api/sources")
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["detail"]
    assert post_file(client, SHIYE, shiye_file, None).status_code == 401
    assert post_file(client, SHIYE, shiye_file, "mq_wrong").status_code == 401
    assert not ImportRun.objects.exists()


def test_key_use_is_recorded(client, hr_key):
    client.get("/api/sources", headers={"X-API-Key": hr_key})
    assert ApiToken.objects.get().last_used_at is not None


def test_session_works_for_the_browser(client, hr_clerk):
    client.force_login(hr_clerk)
    response = client.get("/api/sources")
    assert response.status_code == 200
    assert {s["code"] for s in response.json()} == {"renshe_shebao", SHIYE}


def test_session_post_needs_csrf_token(hr_clerk, shiye_file):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(hr_clerk)
    assert post_file(client, SHIYE, shiye_file, None).status_code == 403
    assert not ImportRun.objects.exists()


def test_token_list_and_unknown_user(hr_key):
    out = io.StringIO()
    call_command("token", "list", stdout=out)
    assert "renshe" in out.getvalue() and "夜间同步" in out.getvalue()
    assert hr_key not in out.getvalue()
    with pytest.raises(CommandError, match="用户不存在"):
        call_command("token", "create", "nobody", "--name", "x", stdout=io.StringIO())


# sources and imports -------------------------------------------------------------------------


def test_list_sources_of_the_caller(client, hr_key):
    sources = client.get("/api/sources", headers={"X-API-Key": hr_key}).json()
    assert {s["department"] for s in sources} == {"human_resources"}
    shiye = next(s for s in sources if s["code"] == SHIYE)
    assert shiye["department_name"] == "人力资源和社会保障局"
    assert shiye["file_pattern"] == "人社_失业登记*.csv" and shiye["last_run_id"] is None


def test_import_with_key_is_201_then_200_unchanged(client, hr_clerk, hr_key, shiye_file):
    response = post_file(client, SHIYE, shiye_file, hr_key)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "succeeded" and body["file"] == "人社_失业登记.csv"
    assert body["counts"]["new"] > 0
    run = ImportRun.objects.get(pk=body["run_id"])
    assert run.by == hr_clerk and run.channel == "api"

    again = post_file(client, SHIYE, shiye_file, hr_key)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"

    fetched = client.get(f"/api/imports/{body['run_id']}", headers={"X-API-Key": hr_key})
    assert fetched.status_code == 200
    assert fetched.json()["counts"] == body["counts"]


def test_bad_file_is_422_with_the_result(client, hr_key, bad_shiye_file):
    response = post_file(client, SHIYE, bad_shiye_file, hr_key)
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "refused" and body["message"]
    assert body["errors"] and {"row", "column", "value", "reason"} <= set(body["errors"][0])
    assert body["has_error_report"]

    report = client.get(f"/api/imports/{body['run_id']}/errors.xlsx", headers={"X-API-Key": hr_key})
    assert report.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    assert [c.value for c in next(book.active.iter_rows(max_row=1))][:4] == [
        "行号",
        "列",
        "值",
        "原因",
    ]


def test_missing_file_is_400_not_422(client, hr_key):
    response = client.post(f"/api/sources/{SHIYE}/imports", {}, headers={"X-API-Key": hr_key})
    assert response.status_code == 400


def test_oversize_is_413_and_not_stored(client, hr_key, settings, tmp_path, data_dir):
    settings.MINQING_IMPORT_MAX_BYTES = 1000
    for size in (5_000, 200_000):  # caught while streaming / on the announced size
        big = tmp_path / "人社_失业登记.csv"
        big.write_bytes(b"x" * size)
        response = post_file(client, SHIYE, big, hr_key)
        assert response.status_code == 413
        assert response.json()["status"] == "refused" and "文件过大" in response.json()["message"]
    assert not ImportRun.objects.exists()
    uploads = data_dir / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_outside_scope_is_404(client, hr_key, civil_key, shiye_file):
    body = post_file(client, SHIYE, shiye_file, hr_key).json()
    assert post_file(client, SHIYE, shiye_file, civil_key).status_code == 404
    assert post_file(client, "no_such_source", shiye_file, hr_key).status_code == 404
    headers = {"X-API-Key": civil_key}
    assert client.get(f"/api/imports/{body['run_id']}", headers=headers).status_code == 404
    assert (
        client.get(f"/api/imports/{body['run_id']}/errors.xlsx", headers=headers).status_code == 404
    )
    assert client.get("/api/imports/999999", headers={"X-API-Key": hr_key}).status_code == 404
    assert ImportRun.objects.count() == 1


def test_cli_page_and_api_give_the_same_shape(client, hr_clerk, hr_key, shiye_file):
    from_api = post_file(client, SHIYE, shiye_file, hr_key).json()

    out = io.StringIO()
    call_command("import", SHIYE, str(shiye_file), "--json", stdout=out)
    from_cli = json.loads(out.getvalue())
    assert from_cli["status"] == "unchanged"

    client.force_login(hr_clerk)
    from_page = client.get(reverse("sources:run", args=[from_api["run_id"]])).context["result"]

    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shape(v) for v in value[:1]]
        return type(value).__name__ if value is not None else "NoneType"

    assert set(from_cli) == set(from_api) == set(from_page)
    assert set(from_cli["counts"]) == set(from_api["counts"]) == set(from_page["counts"])
    assert from_page["counts"] == from_api["counts"]
    assert shape(from_cli)["counts"] == shape(from_api)["counts"]


# docs ----------------------------------------------------------------------------------------


def test_docs_page_is_served_from_this_server(client, hr_clerk):
    assert client.get("/api/docs").status_code == 302  # login first
    client.force_login(hr_clerk)
    response = client.get("/api/docs")
    content = response.content.decode()
    assert response.status_code == 200
    # every asset the page loads is a path on this server; the CSRF token is random text, so the
    # test reads the src/href attributes, not the whole page (a token once held the letters "cdn")
    links = re.findall(r'(?:src|href)="([^"]*)"', content)
    elsewhere = [link for link in links if not link.startswith("/") or link.startswith("//")]
    assert links and not elsewhere, elsewhere
    assert "http://" not in content and "https://" not in content
    for name in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        url = reverse("api-docs-asset", args=[name])
        assert url in content
        assert client.get(url).status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/sources/{code}/imports" in schema["paths"]
    assert schema["info"]["title"] == "民情 API"
