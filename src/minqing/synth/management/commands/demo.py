import json
import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from rich.table import Table

from minqing.accounts.actions import create_demo_accounts, demo_second_factor_note
from minqing.accounts.models import User
from minqing.areas.actions import load_areas
from minqing.areas.models import Area, Level
from minqing.assessment.actions import assess, request_verification
from minqing.assessment.models import Proposal
from minqing.casework.actions.demo import seed_demo_casework
from minqing.core.progress import console, steps
from minqing.linkage.actions import link
from minqing.registry.actions import load_facilities, load_organizations, load_places
from minqing.sources.actions import import_file
from minqing.synth.extracts import EXTRACTS
from minqing.synth.generate import GENERATOR_VERSION, generate
from minqing.synth.verification import FILENAME as VERIFICATION_FILE
from minqing.synth.verification import write_answers

DEMO_SEED = 2023
DEMO_PERSONS = 14_000  # about 5,000 households


DEMO_PEOPLE = ("street", "grid", "cadre", "minzheng")


class Command(BaseCommand):
    help = (
        "演示: 建库迁移, 生成模拟山阳区(约5,000户), 导入区域/场所/组织/设施, 建演示账号, 启动网站。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="重新生成模拟数据, 不复用已有的")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据, 不启动网站")
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="网站地址 (默认 127.0.0.1:8000)"
        )
        parser.add_argument("--persons", type=int, default=DEMO_PERSONS, help="模拟人口数")
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="以一个 JSON 对象输出结果(不启动网站)",
        )

    def handle(self, *args, rebuild, no_serve, addr, persons, as_json, **options):
        c = console(stderr=as_json)
        out = Path(settings.DATA_DIR) / "demo" / "district"
        db = settings.DATABASES["default"]
        c.print(
            f"[bold]民情 · 演示[/bold]  数据目录 {settings.DATA_DIR}  数据库 {db['ENGINE'].rsplit('.', 1)[-1]}:{db['NAME']}"
        )
        result: dict = {"data_dir": str(settings.DATA_DIR)}
        started = time.perf_counter()

        with steps("1/8 建库与迁移", quiet=as_json) as progress:
            progress("迁移", 0, 1)
            call_command("migrate", interactive=False, verbosity=0)
            progress("迁移", 1, 1)

        manifest_path = out / "manifest.json"
        reuse = False
        if manifest_path.exists() and not rebuild:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
            reuse = (
                old.get("seed"),
                old.get("generator_version"),
                old.get("persons_requested"),
            ) == (
                DEMO_SEED,
                GENERATOR_VERSION,
                persons,
            )
        if reuse:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            c.print(
                f"2/8 复用已有模拟数据 {out} (seed={DEMO_SEED}, {manifest['persons']:,} 人); 加 --rebuild 可重新生成"
            )
        else:
            c.print(f"2/8 生成模拟数据 → {out}" + (" (按 --rebuild 重新生成)" if rebuild else ""))
            with steps("生成模拟区", quiet=as_json) as progress:
                manifest = generate(out, seed=DEMO_SEED, persons=persons, progress=progress)
            manifest["persons_requested"] = persons
            manifest_path.write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                encoding="utf-8",
            )
        result["district"] = {
            "persons": manifest["persons"],
            "households": manifest["households"],
            "reused": reuse,
        }
        c.print(
            f"   模拟山阳区: {manifest['persons']:,} 人, {manifest['households']:,} 户, "
            f"{sum(1 for f in manifest['files'] if f.startswith('extracts/'))} 个部门数据表"
        )

        loaders = [
            ("区域", load_areas, "areas"),
            ("场所", load_places, "places"),
            ("组织", load_organizations, "organizations"),
            ("设施", load_facilities, "facilities"),
        ]
        loaded = {}
        with steps("3/8 导入区域、场所、组织、设施", quiet=as_json) as progress:
            for i, (label, loader, name) in enumerate(loaders):
                progress(label, i, len(loaders))
                try:
                    loaded[name] = loader(out / f"{name}.geojson")
                except ValueError as exc:
                    raise CommandError(f"导入{label}失败: {exc}") from exc
            progress("完成", len(loaders), len(loaders))
        for label, _, name in loaders:
            counts = loaded[name]
            c.print(
                f"   {label}: 新建 {counts['created']:,}, 更新 {counts['updated']:,}, 未变 {counts['unchanged']:,}"
            )
        result["loaded"] = loaded

        imports = []
        with steps("4/8 导入各部门数据", quiet=as_json) as progress:
            for i, extract in enumerate(EXTRACTS):
                progress(extract.filename, i, len(EXTRACTS))
                imports.append(
                    import_file(extract.code, out / "extracts" / extract.filename, channel="demo")
                )
            progress("完成", len(EXTRACTS), len(EXTRACTS))
        table = Table(title="部门数据导入")
        for col in ("数据来源", "结果", "读取", "新增", "更新", "未变", "终止", "拒绝"):
            table.add_column(col, justify="left" if col in ("数据来源", "结果") else "right")
        for r in imports:
            n = r["counts"]
            table.add_row(
                r["source_name"],
                r["status_label"],
                *[
                    f"{n[k]:,}"
                    for k in ("read", "new", "updated", "unchanged", "ended", "rejected")
                ],
            )
        c.print(table)
        result["imports"] = [
            {"source": r["source"], "status": r["status"], "counts": r["counts"]} for r in imports
        ]

        with steps("5/8 数据交叉对比(人员与家庭户)", quiet=as_json) as progress:
            linked = link(progress=progress)
        c.print(
            f"数据交叉对比: {linked['records']:,} 条源记录 → {linked['persons']:,} 人, "
            f"{linked['households']:,} 户; 待人工确认 {linked['review_items']:,} 项 "
            f"({linked['seconds']} 秒)"
        )
        result["linkage"] = linked

        # the district's data date, so that ages and parameters are those of its extracts
        assessed_on = date.fromisoformat(manifest["as_of"])
        with steps(f"6/8 综合评估({assessed_on})", quiet=as_json) as progress:
            screened = assess(on=assessed_on, progress=progress)
        c.print(
            f"初筛: {screened['households']:,} 户中 {screened['typed']:,} 户有家庭类型; "
            f"漏保 {screened['missed']:,}, 错保 {screened['mismatched']:,} ({screened['seconds']} 秒)"
        )
        # 核对: the families whose findings hang on deposits, unlisted income or a supporter are
        # asked for; the synthetic 核对中心 answers; the reports are imported, linked, counted
        with steps("   家庭经济状况核对", quiet=as_json) as progress:
            progress("导出核对申请名单", 0, 5)
            requested = request_verification(out / "核对申请名单.xlsx")
            progress("核对中心出具结果", 1, 5)
            answered = write_answers(out, out / "核对申请名单.xlsx", on=assessed_on)
            reports, relinked, assessed = None, None, screened
            if answered["rows"]:  # every family asked has been checked before, or none signed
                progress("导入核对结果", 2, 5)
                reports = import_file(
                    "minzheng_hedui", out / "extracts" / VERIFICATION_FILE, channel="demo"
                )
                progress("数据交叉对比", 3, 5)
                relinked = link()
                progress("再评估", 4, 5)
                assessed = assess(on=assessed_on)
            progress("完成", 5, 5)
        c.print(
            f"核对: 申请 {requested['households']:,} 户, 出具报告 {answered['households']:,} 户 "
            f"{answered['rows']:,} 行 (未签授权 {answered['refused']:,} 户)"
            + (f", 导入{reports['status_label']}" if reports else ", 无新结果")
        )
        proposed = Proposal.objects.open().count()
        c.print(
            f"综合评估: {assessed['households']:,} 户中 {assessed['typed']:,} 户有家庭类型; "
            f"漏保 {assessed['missed']:,}, 错保 {assessed['mismatched']:,}; "
            f"待处理台账建议 {proposed:,} 项"
            + (
                f"; 再评估只重新评估了核对结果涉及等数据有变动的 {assessed['reassessed']:,} 户"
                f", 其中结果有变化的 {assessed['rewritten']:,} 户"
                f" ({assessed['seconds']} 秒)"
                if assessed is not screened and not assessed["full"]
                else ""
            )
        )
        result["screening"] = screened
        result["verification"] = {
            "requested": requested,
            "answered": answered,
            "import": reports and {"status": reports["status"], "counts": reports["counts"]},
            "linkage": relinked,
        }
        result["assessment"] = assessed

        district = Area.objects.get(level=Level.DISTRICT, code="410811")
        c.print("7/8 演示账号")
        accounts = create_demo_accounts(district=district)
        result["accounts"] = [
            {k: a[k] for k in ("username", "password", "role_name", "unit")} for a in accounts
        ]
        table = Table(title="演示账号(仅用于演示, 密码公开)")
        for col in ("用户名", "密码", "角色", "单位", "姓名"):
            table.add_column(col, no_wrap=col in ("用户名", "密码"))
        for a in accounts:
            table.add_row(a["username"], a["password"], a["role_name"], a["unit"], a["full_name"])
        c.print(table)
        c.print(demo_second_factor_note(accounts))

        people = {u.username: u for u in User.objects.filter(username__in=DEMO_PEOPLE)}
        seeded = seed_demo_casework(
            street=people["street"],
            grid_worker=people["grid"],
            cadre=people["cadre"],
            clerk=people["minzheng"],
        )
        if seeded["skipped"]:
            c.print("演示台账: 已有台账家庭, 保留不动")
        else:
            c.print(
                f"演示台账: 街道工作人员核实纳入 {seeded['entries']} 户, 派出问题 "
                f"{seeded['problems']} 件; 网格员与包联干部已分配"
            )
        result["casework"] = seeded
        result["seconds"] = round(time.perf_counter() - started, 1)
        connection.close()

        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        if no_serve:
            c.print(
                f"准备完成, 用时 {result['seconds']} 秒。启动网站: uv run minqing runserver {addr}"
            )
            return
        c.print(f"8/8 启动网站: [bold]http://{addr}/[/bold]  (Ctrl+C 停止)")
        call_command("runserver", addr, use_reloader=False)
