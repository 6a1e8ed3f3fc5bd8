import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.table import Table

from minqing.core.progress import console, steps
from minqing.sources.readers import FileRejected
from minqing.synth.errors import ErrorRates
from minqing.synth.generate import DEFAULT_AS_OF, generate
from minqing.synth.verification import write_answers


class Command(BaseCommand):
    help = (
        "生成模拟山阳区: 区域、人口、各部门数据表(含注入错误)与真值。相同 --seed 输出逐字节相同。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2023, help="随机种子 (默认 2023)")
        parser.add_argument(
            "--persons", type=int, default=12_000, help="人口数, 1,000 到 1,000,000 以上"
        )
        parser.add_argument("--out", type=Path, required=True, help="输出目录")
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help=f"数据截止日期 (默认 {DEFAULT_AS_OF})",
        )
        parser.add_argument("--errors", type=Path, help="错误率 JSON 文件 (字段见 docs/synth.md)")
        parser.add_argument(
            "--answer-hedui",
            type=Path,
            metavar="申请名单.xlsx",
            help="模拟核对中心: 不生成新区, 按申请名单(身份证号列)从 --out 区的真值出具核对结果, "
            "写入 extracts/民政_核对结果.xlsx (核对日期为 --as-of, 默认该区的数据截止日期)",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="以一个 JSON 对象输出结果"
        )

    def handle(self, *args, seed, persons, out, as_of, errors, as_json=False, **options):
        if options.get("answer_hedui"):
            self._answer(out, options["answer_hedui"], as_of, as_json)
            return
        as_of = as_of or DEFAULT_AS_OF
        try:
            rates = ErrorRates.from_json(errors) if errors else ErrorRates()
        except (OSError, ValueError, TypeError) as exc:
            raise CommandError(f"错误率文件无法使用: {exc}") from exc
        try:
            with steps("生成模拟区", quiet=as_json) as progress:
                manifest = generate(
                    out, seed=seed, persons=persons, as_of=as_of, rates=rates, progress=progress
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(json.dumps(_summary(manifest, out), ensure_ascii=False))
            return
        _print(manifest, out)

    def _answer(self, district: Path, requests: Path, on, as_json: bool) -> None:
        try:
            manifest = json.loads((district / "manifest.json").read_text(encoding="utf-8"))
            on = on or dt.date.fromisoformat(manifest["as_of"])
            result = write_answers(district, requests, on=on)
        except (OSError, ValueError, KeyError, FileRejected) as exc:
            raise CommandError(f"无法出具核对结果: {exc}") from exc
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        console().print(
            f"[bold]核对结果[/bold] ({on}): 申请 {result['requested']:,} 人, "
            f"出具 {result['households']:,} 户 {result['rows']:,} 人 → {result['file']}"
        )


def _summary(manifest: dict, out: Path) -> dict:
    return {
        "out": str(out),
        "seed": manifest["seed"],
        "persons": manifest["persons"],
        "households": manifest["households"],
        "areas": manifest["areas"],
        "extracts": {k: v["rows"] for k, v in manifest["files"].items() if "rows" in v},
    }


def _print(manifest: dict, out: Path) -> None:
    c = console()
    c.print(
        f"[bold]模拟山阳区[/bold] seed={manifest['seed']} 截止 {manifest['as_of']}: "
        f"{manifest['persons']:,} 人, {manifest['households']:,} 户, "
        f"{manifest['areas']['street']} 个街道(乡), {manifest['areas']['community']} 个社区(村), "
        f"{manifest['areas']['grid']} 个网格"
    )
    table = Table(title=f"部门数据表 → {out / 'extracts'}")
    table.add_column("文件")
    table.add_column("部门")
    table.add_column("行数", justify="right")
    table.add_column("格式")
    for name, info in manifest["files"].items():
        if "rows" in info:
            fmt = info["kind"] + (f" ({info['encoding']})" if info.get("encoding") else "")
            table.add_row(
                name.removeprefix("extracts/"), info["department"], f"{info['rows']:,}", fmt
            )
    c.print(table)
    c.print(f"真值(流水线不读取): {out / 'truth'}")
