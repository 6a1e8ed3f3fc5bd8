"""Uploading a department list in a real browser: progress, then the result page."""

from pathlib import Path

import openpyxl
import pytest

from minqing.accounts.tests.factories import ensure_roles
from minqing.sources.models import ImportRun

from .test_home import assert_only_local_requests, log_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def district_files(tmp_path_factory) -> Path:
    from minqing.synth.generate import generate

    out = tmp_path_factory.mktemp("district")
    generate(out, seed=1, persons=1000)
    return out


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def test_civil_affairs_clerk_uploads_dibao(
    page,
    live_server,
    civil_affairs_clerk,
    district_files,
    data_dir,
    persona_password,
    requests_seen,
    tmp_path,
):
    ensure_roles()  # live_server tests flush the role catalogue between tests
    log_in(page, live_server, "minzheng", persona_password)

    page.get_by_role("link", name="数据导入").click()
    page.wait_for_url(f"{live_server.url}/sources/")
    assert page.locator("h1").inner_text() == "数据导入"
    row = page.locator("tr", has_text="低保名册")
    assert row.get_by_text("尚未导入").is_visible()
    page.screenshot(path=tmp_path / "sources.png", full_page=True)
    row.get_by_role("link", name="上传").click()

    page.wait_for_url("**/sources/upload/?source=minzheng_dibao")
    assert page.get_by_label("数据来源").input_value() == "minzheng_dibao"
    assert page.locator(".upload__hint[data-source=minzheng_dibao]").is_visible()
    page.get_by_label("文件").set_input_files(district_files / "extracts" / "民政_低保名册.xlsx")
    page.screenshot(path=tmp_path / "upload.png", full_page=True)
    page.get_by_role("button", name="上传并导入").click()

    # the script shows progress while the file goes up and the server imports it
    page.wait_for_selector("#upload-progress:not([hidden])")
    page.wait_for_url("**/sources/runs/*/", timeout=60_000)
    run = ImportRun.objects.get()
    assert page.url == f"{live_server.url}/sources/runs/{run.pk}/"
    assert run.channel == "web" and run.by_id == civil_affairs_clerk.pk
    assert run.file_name == "民政_低保名册.xlsx"
    assert run.status == "succeeded", run.message
    assert page.locator(".page-title .status").inner_text() == "已导入"
    assert page.locator('[data-count="new"]').inner_text() == str(run.rows_new)
    assert page.locator(".bars__meter").count() == 6
    if run.rows_rejected:
        assert page.locator(".table--errors tbody tr").count() == min(run.rows_rejected, 100)
        assert page.get_by_role("link", name="下载错误报告 (xlsx)").is_visible()
    page.screenshot(path=tmp_path / "run.png", full_page=True)

    page.get_by_role("link", name="返回数据导入").click()
    page.wait_for_url(f"{live_server.url}/sources/")
    assert page.locator(".table--runs tbody tr").count() == 1
    page.screenshot(path=tmp_path / "sources-after.png", full_page=True)
    print(f"screenshots: {tmp_path}")

    # the temporary upload is gone
    assert list((data_dir / "uploads").iterdir()) == []
    assert_only_local_requests(requests_seen, live_server)


def test_upload_page_without_script_still_works(
    browser, live_server, civil_affairs_clerk, district_files, data_dir, persona_password, tmp_path
):
    ensure_roles()
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server, "minzheng", persona_password)
        page.goto(f"{live_server.url}/sources/upload/?source=minzheng_dibao")
        page.get_by_label("文件").set_input_files(
            district_files / "extracts" / "民政_低保名册.xlsx"
        )
        page.get_by_role("button", name="上传并导入").click()
        page.wait_for_url("**/sources/runs/*/", timeout=60_000)
        assert page.locator(".page-title .status").inner_text() == "已导入"
        page.screenshot(path=tmp_path / "run-nojs.png", full_page=True)
    finally:
        context.close()


def test_refused_file_shows_rejected_rows(
    page, live_server, civil_affairs_clerk, data_dir, persona_password, requests_seen, tmp_path
):
    ensure_roles()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "低保名册"
    sheet.append(
        [
            "序号",
            "街道",
            "社区",
            "户主姓名",
            "户主身份证号",
            "姓名",
            "身份证号",
            "与户主关系",
            "保障类别",
            "保障人数",
            "月保障金额",
            "起始日期",
            "联系电话",
            "家庭住址",
        ]
    )
    for i in range(1, 6):
        sheet.append(
            [
                i,
                "定和街道",
                "丰收社区",
                "王五",
                "",
                f"王{i}",
                f"<script>{i}</script>",
                "本人",
                "城市低保",
                1,
                600,
                "2025-01-01",
                "",
                "丰收社区1号楼",
            ]
        )
    path = tmp_path / "民政_低保名册_有误.xlsx"
    book.save(path)

    log_in(page, live_server, "minzheng", persona_password)
    page.goto(f"{live_server.url}/sources/upload/?source=minzheng_dibao")
    page.get_by_label("文件").set_input_files(path)
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url("**/sources/runs/*/", timeout=60_000)
    assert page.locator(".page-title .status").inner_text() == "已拒绝"
    assert page.locator(".run-result--refused").is_visible()
    assert page.locator(".table--errors tbody tr").count() >= 5
    assert page.get_by_text("<script>1</script>").first.is_visible()  # shown as text
    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误报告 (xlsx)").click()
    assert download.value.suggested_filename.endswith("错误报告.xlsx")
    page.screenshot(path=tmp_path / "run-refused.png", full_page=True)
    assert_only_local_requests(requests_seen, live_server)


def test_oversize_file_is_refused_in_the_browser(
    page, live_server, civil_affairs_clerk, district_files, settings, persona_password, tmp_path
):
    ensure_roles()
    settings.MINQING_IMPORT_MAX_BYTES = 1000
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    log_in(page, live_server, "minzheng", persona_password)
    posts.clear()
    page.goto(f"{live_server.url}/sources/upload/?source=minzheng_dibao")
    page.get_by_label("文件").set_input_files(district_files / "extracts" / "民政_低保名册.xlsx")
    error = page.locator("#upload-client-error")
    assert error.is_visible() and "文件过大" in error.inner_text()
    page.get_by_role("button", name="上传并导入").click()
    assert error.is_visible()
    page.screenshot(path=tmp_path / "upload-too-large.png", full_page=True)
    assert posts == [] and not ImportRun.objects.exists()


def test_api_docs_render_offline(
    page, live_server, civil_affairs_clerk, persona_password, requests_seen, tmp_path
):
    ensure_roles()
    log_in(page, live_server, "minzheng", persona_password)
    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.get_by_text("/api/sources/{code}/imports").first.is_visible()
    page.screenshot(path=tmp_path / "api-docs.png", full_page=True)
    assert_only_local_requests(requests_seen, live_server)


def test_import_pages_fit_a_phone(
    browser, live_server, civil_affairs_clerk, persona_password, tmp_path
):
    ensure_roles()
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        log_in(page, live_server, "minzheng", persona_password)
        for path, shot in [
            ("/sources/", "phone-sources.png"),
            ("/sources/upload/", "phone-upload.png"),
        ]:
            page.goto(live_server.url + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
            page.screenshot(path=tmp_path / shot, full_page=True)
    finally:
        context.close()
