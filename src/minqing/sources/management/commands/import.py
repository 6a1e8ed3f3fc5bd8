import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.table import Table

from minqing.core.progress import console, steps
from minqing.sources.actions import import_file
from minqing.sources.definitions import DefinitionError


class Command(BaseCommand):
    help = "导入一个部门数据文件: minqing import 数据来源代码 文件。被拒绝的文件返回非零退出码。"

    def add_arguments(self, parser):
        parser.add_argument("source", help="数据来源代码 (见 minqing sources)")
        parser.add_argument("file", type=Path, help="要导入的文件 (xlsx 或 csv)")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="以一个 JSON 对象输出结果"
        )

    def handle(self, *args, source, file, as_json=False, **options):
        if not file.is_file():
            raise CommandError(f"文件不存在: {file}")
        try:
            with steps(f"导入 {file.name}", quiet=as_json) as progress:
                result = import_file(source, file, channel="cli", progress=progress)
        except (KeyError, DefinitionError) as exc:
            raise CommandError(str(exc).strip("'\"")) from exc
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            print_result(result)
        if result["status"] == "refused":
            raise SystemExit(2)


def print_result(result: dict) -> None:
    c = console()
    colour = {"succeeded": "green", "unchanged": "yellow", "refused": "red"}[result["status"]]
    c.print(
        f"[bold {colour}]{result['status_label']}[/]  {result['source_name']} ← {result['file']}  "
        f"(批次 {result['run_id']}, {result['seconds']} 秒)"
    )
    if result["message"]:
        c.print(result["message"])
    counts = result["counts"]
    table = Table(show_header=True)
    for label in ("读取", "新增", "更新", "未变", "终止", "拒绝"):
        table.add_column(label, justify="right")
    table.add_row(
        *[f"{counts[k]:,}" for k in ("read", "new", "updated", "unchanged", "ended", "rejected")]
    )
    c.print(table)
    if result["errors"]:
        errors = Table(
            title=f"被拒绝的行 (共 {result['error_count']:,} 行, 以下为前 {min(10, len(result['errors']))} 条)"
        )
        for label in ("行号", "列", "值", "原因"):
            errors.add_column(label)
        for e in result["errors"][:10]:
            errors.add_row(str(e["row"]), e["column"], e["value"] or "", e["reason"])
        c.print(errors)
    if result["has_error_report"]:
        c.print(f"完整错误报告: 导入批次 {result['run_id']} 的错误报告 (网页「导入记录」可下载)")
