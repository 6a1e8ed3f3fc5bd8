import json
from pathlib import Path

from django.core.management.base import BaseCommand
from rich.table import Table

from minqing.assessment.actions import request_verification
from minqing.core.progress import console


class Command(BaseCommand):
    help = (
        "导出家庭经济状况核对申请名单: 认定结果取决于各部门数据没有的信息(存款、农业或灵活就业收入、"
        "赡养人能力)且尚无有效核对报告的家庭, 每个在世成员一行, 含完整身份证号(仅供核对中心, 已记审计)。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True, help="输出文件 (.xlsx)")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="以一个 JSON 对象输出结果"
        )

    def handle(self, *args, out, as_json=False, **options):
        result = request_verification(out)
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        c = console()
        c.print(
            f"[bold]核对申请名单[/] {result['households']:,} 户 {result['persons']:,} 人 → {out}"
        )
        if result["without_id_numbers"]:
            c.print(
                f"其中 {result['without_id_numbers']:,} 户成员均无身份证号, 无法报送核对中心, "
                "需入户核实"
            )
        table = Table(title="按政策(一户可有多项)")
        table.add_column("政策")
        table.add_column("户数", justify="right")
        for label, n in result["by_policy"].items():
            table.add_row(label, f"{n:,}")
        c.print(table)
