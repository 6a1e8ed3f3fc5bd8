import json

from django.core.management.base import BaseCommand, CommandError
from rich.table import Table

from minqing.accounts.models import Department
from minqing.core.progress import console
from minqing.sources.actions import sync_sources
from minqing.sources.definitions import DefinitionError


class Command(BaseCommand):
    help = "列出数据来源定义: 名称、部门、读取的文件名模式 (定义文件在 sources/definitions/)。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="以一个 JSON 对象输出"
        )

    def handle(self, *args, as_json=False, **options):
        try:
            sources = sync_sources()
        except DefinitionError as exc:
            raise CommandError(str(exc)) from exc
        rows = [
            {
                "code": s.code,
                "name": s.name,
                "department": s.department,
                "department_name": Department(s.department).label,
                "kind": s.kind,
                "file_pattern": s.file_pattern,
                "key": s.definition["key"],
                "fields": len(s.definition["fields"]),
                "definition": s.definition_path,
            }
            for s in sources.values()
        ]
        if as_json:
            self.stdout.write(json.dumps({"sources": rows}, ensure_ascii=False))
            return
        table = Table(title=f"数据来源定义 ({len(rows)} 个)")
        for col in ("代码", "名称", "部门", "文件名模式", "主键", "字段数"):
            table.add_column(col, no_wrap=col == "代码", overflow="fold")
        for r in rows:
            table.add_row(
                r["code"],
                r["name"],
                r["department_name"],
                r["file_pattern"],
                "+".join(r["key"]),
                str(r["fields"]),
            )
        console().print(table)
