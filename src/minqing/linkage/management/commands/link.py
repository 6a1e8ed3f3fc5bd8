import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.table import Table

from minqing.core.progress import console, steps
from minqing.linkage.actions import LinkError, link


class Command(BaseCommand):
    help = "数据交叉对比: 把所有源记录对应到人员和家庭户 (Splink), 并更新人工确认清单。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--engine", choices=["duckdb", "spark"], default="duckdb", help="计算引擎 (默认 duckdb)"
        )
        parser.add_argument(
            "--model", type=Path, help="使用已训练的模型文件 (Splink JSON), 不重新训练"
        )
        parser.add_argument("--save-model", type=Path, help="把本次使用的模型另存为 JSON 文件")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="以一个 JSON 对象输出结果"
        )

    def handle(self, *args, engine, model=None, save_model=None, as_json=False, **options):
        model_json = None
        if model is not None:
            if not model.is_file():
                raise CommandError(f"模型文件不存在: {model}")
            model_json = model.read_text(encoding="utf-8")
        try:
            with steps("数据交叉对比", quiet=as_json) as progress:
                result = link(engine_name=engine, model_json=model_json, progress=progress)
        except LinkError as exc:
            raise CommandError(str(exc)) from exc
        if save_model is not None:
            from minqing.linkage.models import LinkRun

            save_model.write_text(
                LinkRun.objects.get(pk=result["run"]).model_json, encoding="utf-8"
            )
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        table = Table(
            title=f"对比批次 {result['run']} ({result['engine']}, {result['seconds']} 秒)"
        )
        table.add_column("项目")
        table.add_column("数量", justify="right")
        for label, key in [
            ("源记录", "records"),
            ("比对记录对", "pairs_scored"),
            ("判定为同一人的记录对", "pairs_linked"),
            ("人员", "persons"),
            ("其中新增", "persons_new"),
            ("并入他人的旧编号", "persons_retired"),
            ("家庭户", "households"),
            ("有冲突的人员", "conflicts"),
            ("待人工确认", "review_items"),
        ]:
            table.add_row(label, f"{result[key]:,}")
        console().print(table)
