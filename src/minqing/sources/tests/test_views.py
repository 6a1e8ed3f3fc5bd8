"""数据导入 pages: who may import what, the upload, the run page and its error report."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from minqing.accounts import roles
from minqing.accounts.models import Department
from minqing.accounts.tests.factories import make_unit, make_user
from minqing.core.idnumbers import check_char
from minqing.sources.models import ImportRun, Source
from minqing.sources.permissions import can_import, importable_sources

pytestmark = pytest.mark.django_db

SHIYE = "renshe_shiye"
SHIYE_HEADER = (
    "姓名,身份证号码,性别,登记日期,失业原因,就业困难人员,领取失业保险金,联系电话,居住地址"
)


@pytest.fixture
def bad_shiye_file(tmp_path) -> Path:
    """Right columns, but every ID number is wrong: refused, with an error report."""
    rows = [SHIYE_HEADER] + [
        f"张三{i},<b>第{i}号</b>,男,2025/3/6,单位破产,否,是,18037301785,山阳区定和街道"
        for i in range(6)
    ]
    path = tmp_path / "人社_失业登记_错误.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    return path


@pytest.fixture
def clean_shiye_file(tmp_path) -> Path:
    """Three rows without a single error."""
    rows = [SHIYE_HEADER]
    for i, name in enumerate(["王伟", "李娜", "张敏"]):
        first17 = f"41081119850{i + 1}1500{i + 1}"
        rows.append(
            f"{name},{first17}{check_char(first17)},{'男' if i % 2 == 0 else '女'},2025/3/6,"
            f"合同期满,否,是,1803730178{i},山阳区定和街道丰收社区{i + 1}号楼"
        )
    path = tmp_path / "人社_失业登记_干净.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    return path


@pytest.fixture
def hr_clerk(areas):
    """人社局 部门工作人员: imports 人社 lists."""
    unit = make_unit(name="人社局", area=areas["山阳区"], department=Department.HUMAN_RESOURCES)
    return make_user("renshe", unit=unit, roles=(roles.DEPARTMENT_CLERK,), full_name="孙建军")


def upload(client, code: str, path: Path, **extra):
    with path.open("rb") as f:
        return client.post(reverse("sources:upload"), {"source": code, "file": f}, **extra)


def run_of(response) -> ImportRun:
    assert response.status_code == 302, response.content.decode()[:2000]
    run_id = int(response.url.rstrip("/").rsplit("/", 1)[1])
    return ImportRun.objects.get(pk=run_id)


# permissions ---------------------------------------------------------------------------------


def test_clerk_may_import_own_department_only(hr_clerk, civil_affairs_clerk):
    from minqing.sources.actions import sync_sources

    sources = sync_sources()
    assert can_import(hr_clerk, sources[SHIYE])
    assert not can_import(hr_clerk, sources["minzheng_dibao"])
    assert can_import(civil_affairs_clerk, sources["minzheng_dibao"])
    assert {s.department for s in importable_sources(hr_clerk)} == {"human_resources"}


def test_admins_area_staff_and_leaders_import_nothing(
    system_admin, grid_worker, street_staff, district_leader
):
    from minqing.sources.actions import sync_sources

    sync_sources()
    for user in (system_admin, grid_worker, street_staff, district_leader):
        assert not importable_sources(user).exists(), user


def test_superuser_may_import_everything(areas):
    from minqing.accounts.models import User
    from minqing.sources.actions import sync_sources

    sources = sync_sources()
    boss = User.objects.create_superuser("root", password="x-Minqing-2026")
    assert importable_sources(boss).count() == len(sources)


def test_navigation_shows_import_to_clerks_only(client, hr_clerk, grid_worker, system_admin):
    for user, shown in [(hr_clerk, True), (grid_worker, False), (system_admin, False)]:
        client.force_login(user)
        content = client.get(reverse("home")).content.decode()
        assert (f'href="{reverse("sources:index")}"' in content) is shown, user


# pages ---------------------------------------------------------------------------------------


def test_pages_need_login(client):
    for url in [
        reverse("sources:index"),
        reverse("sources:upload"),
        reverse("sources:run", args=[1]),
        reverse("sources:error_report", args=[1]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_anonymous_upload_is_sent_to_login_and_nothing_is_stored(client, shiye_file, data_dir):
    response = upload(client, SHIYE, shiye_file)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not ImportRun.objects.exists()
    assert not (data_dir / "uploads").exists()


def test_index_lists_own_sources(client, hr_clerk):
    client.force_login(hr_clerk)
    response = client.get(reverse("sources:index"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "失业登记人员" in content and "人力资源和社会保障局" in content
    assert "人社_失业登记*.csv" in content
    assert "低保名册" not in content
    assert "还没有导入记录" in content


def test_index_empty_state_for_who_may_import_nothing(client, grid_worker):
    client.force_login(grid_worker)
    content = client.get(reverse("sources:index")).content.decode()
    assert "您所在单位没有可导入的数据来源" in content


def test_upload_form_preselects_source(client, hr_clerk):
    client.force_login(hr_clerk)
    response = client.get(reverse("sources:upload") + f"?source={SHIYE}")
    content = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{SHIYE}" selected>' in content
    assert 'accept=".xlsx,.csv"' in content
    assert 'enctype="multipart/form-data"' in content


def test_upload_happy_path_shows_counts(client, hr_clerk, shiye_file, data_dir):
    client.force_login(hr_clerk)
    run = run_of(upload(client, SHIYE, shiye_file))
    assert run.status == "succeeded", run.message
    assert run.by == hr_clerk and run.channel == "web"
    assert run.file_name == "人社_失业登记.csv"
    assert run.rows_new > 0

    response = client.get(reverse("sources:run", args=[run.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "已导入" in content and "人社_失业登记.csv" in content
    for label in ("读取", "新增", "更新", "未变", "终止", "拒绝"):
        assert label in content
    assert f'data-count="new">{run.rows_new}<' in content
    assert response.context["result"]["counts"]["new"] == run.rows_new
    # the temporary upload is gone
    assert list((data_dir / "uploads").iterdir()) == []

    index = client.get(reverse("sources:index")).content.decode()
    assert reverse("sources:run", args=[run.pk]) in index


def test_same_file_twice_is_unchanged(client, hr_clerk, shiye_file):
    client.force_login(hr_clerk)
    first = run_of(upload(client, SHIYE, shiye_file))
    second = run_of(upload(client, SHIYE, shiye_file))
    assert first.status == "succeeded" and second.status == "unchanged"
    content = client.get(reverse("sources:run", args=[second.pk])).content.decode()
    assert "文件未变" in content and "内容完全相同" in content


def test_refused_file_shows_message_and_error_report(client, hr_clerk, bad_shiye_file):
    client.force_login(hr_clerk)
    run = run_of(upload(client, SHIYE, bad_shiye_file))
    assert run.status == "refused"
    response = client.get(reverse("sources:run", args=[run.pk]))
    content = response.content.decode()
    assert "已拒绝" in content and "不予导入" in content
    assert "下载错误报告 (xlsx)" in content
    # rejected values are shown, escaped
    assert "&lt;b&gt;第1号&lt;/b&gt;" in content and "<b>第1号</b>" not in content
    assert "身份证号码" in content

    report = client.get(reverse("sources:error_report", args=[run.pk]))
    assert report.status_code == 200
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = report["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert "%E9%94%99%E8%AF%AF%E6%8A%A5%E5%91%8A" in disposition  # 错误报告
    book = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    header = [c.value for c in next(book.active.iter_rows(max_row=1))]
    assert header[:4] == ["行号", "列", "值", "原因"]


def test_wrong_columns_are_refused_with_message(client, hr_clerk, tmp_path):
    path = tmp_path / "随便.csv"
    path.write_bytes("甲,乙\n1,2\n".encode("gbk"))
    client.force_login(hr_clerk)
    run = run_of(upload(client, SHIYE, path))
    assert run.status == "refused" and run.message
    assert run.message in client.get(reverse("sources:run", args=[run.pk])).content.decode()


def test_missing_file_says_so(client, hr_clerk):
    client.force_login(hr_clerk)
    response = client.post(reverse("sources:upload"), {"source": SHIYE})
    assert response.status_code == 400
    assert "请选择要导入的文件" in response.content.decode()


def test_oversize_upload_is_refused_before_reading(client, hr_clerk, settings, tmp_path, data_dir):
    settings.MINQING_IMPORT_MAX_BYTES = 1000
    big = tmp_path / "人社_失业登记.csv"
    big.write_bytes(b"x" * 200_000)  # announced larger than the limit + multipart slack
    client.force_login(hr_clerk)
    response = upload(client, SHIYE, big)
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()
    assert not ImportRun.objects.exists()
    assert not (data_dir / "uploads").exists() or not list((data_dir / "uploads").iterdir())


def test_oversize_upload_is_stopped_while_streaming(client, hr_clerk, settings, tmp_path, data_dir):
    settings.MINQING_IMPORT_MAX_BYTES = 1000
    big = tmp_path / "人社_失业登记.csv"
    big.write_bytes(b"x" * 5_000)  # within the slack: caught by the upload handler
    client.force_login(hr_clerk)
    response = upload(client, SHIYE, big)
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()
    assert not ImportRun.objects.exists()
    assert list((data_dir / "uploads").iterdir()) == []


# scope ---------------------------------------------------------------------------------------


def test_other_department_gets_404_for_source_and_run(
    client, hr_clerk, civil_affairs_clerk, shiye_file
):
    client.force_login(hr_clerk)
    run = run_of(upload(client, SHIYE, shiye_file))

    client.force_login(civil_affairs_clerk)
    assert client.get(reverse("sources:upload") + f"?source={SHIYE}").status_code == 404
    assert upload(client, SHIYE, shiye_file).status_code == 404
    assert client.get(reverse("sources:run", args=[run.pk])).status_code == 404
    assert client.get(reverse("sources:error_report", args=[run.pk])).status_code == 404
    assert ImportRun.objects.count() == 1
    index = client.get(reverse("sources:index")).content.decode()
    assert reverse("sources:run", args=[run.pk]) not in index
    assert Source.objects.filter(code=SHIYE).exists()


def test_system_admin_gets_404_for_a_run(client, hr_clerk, system_admin, shiye_file):
    client.force_login(hr_clerk)
    run = run_of(upload(client, SHIYE, shiye_file))
    client.force_login(system_admin)
    assert client.get(reverse("sources:run", args=[run.pk])).status_code == 404


def test_error_report_of_a_run_without_one_is_404(client, hr_clerk, clean_shiye_file):
    client.force_login(hr_clerk)
    run = run_of(upload(client, SHIYE, clean_shiye_file))
    assert run.status == "succeeded" and not run.error_report, run.errors
    content = client.get(reverse("sources:run", args=[run.pk])).content.decode()
    assert "下载错误报告" not in content
    assert client.get(reverse("sources:error_report", args=[run.pk])).status_code == 404


def test_upload_checks_csrf(hr_clerk, shiye_file):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(hr_clerk)
    assert upload(client, SHIYE, shiye_file).status_code == 403
    assert not ImportRun.objects.exists()
