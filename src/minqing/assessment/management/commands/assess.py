import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.table import Table

from minqing.assessment.actions import AssessError, assess
from minqing.assessment.classify import CATEGORY_LABELS, TYPE_LABELS
from minqing.core.progress import console, steps

# the short headings of the command's table (the models' labels are long)
STATUS_LABELS = {
    "missed": "漏保",
    "mismatch": "错保",
    "receiving": "已享受",
    "eligible": "符合",
    "undecided": "待核实",
}


class Command(BaseCommand):
    help = "综合评估: 按各项政策认定每户, 找出漏保和错保, 划分家庭类型与类别, 提出纳入、退出和调整类别的台账建议。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--on", type=dt.date.fromisoformat, help="评估日期 YYYY-MM-DD (默认今天)"
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="全量评估: 从源记录重新读取, 重新评估每一户 (默认只重新评估上次评估以来数据有变动或结果到期的户)",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="以一个 JSON 对象输出结果"
        )

    def handle(self, *args, on=None, full=False, as_json=False, **options):
        on = on or timezone.localdate()
        try:
            with steps(f"综合评估({on})", quiet=as_json) as progress:
                result = assess(on=on, progress=progress, full=full)
        except AssessError as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        c = console()
        c.print(
            f"[bold]评估批次 {result['run']}[/] ({'全量' if result['full'] else '增量'}: 本次重新评估 {result['reassessed']:,} 户, 结果有变化 {result['rewritten']:,} 户)  "
            f"{result['households']:,} 户, 其中 {result['typed']:,} 户有家庭类型; "
            f"漏保 {result['missed']:,}, 错保 {result['mismatched']:,}; 新增台账建议 {result['proposals_new']:,} ({result['seconds']} 秒)"
        )
        kinds = Table(title="家庭类型与类别")
        kinds.add_column("项目")
        kinds.add_column("户数", justify="right")
        for code, label in TYPE_LABELS.items():
            kinds.add_row(label, f"{result['types'].get(code, 0):,}")
        for code, label in CATEGORY_LABELS.items():
            kinds.add_row(label, f"{result['categories'].get(code, 0):,}")
        c.print(kinds)
        policies = Table(title="各项政策认定(户)")
        policies.add_column("政策")
        for label in STATUS_LABELS.values():
            policies.add_column(label, justify="right")
        for policy, counts in result["policies"].items():
            policies.add_row(policy, *[f"{counts.get(s, 0):,}" for s in STATUS_LABELS])
        c.print(policies)
