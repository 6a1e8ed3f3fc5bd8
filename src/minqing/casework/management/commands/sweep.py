import datetime as dt
import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from minqing.casework.actions import sweep_overdue


class Command(BaseCommand):
    help = (
        "逾期扫描: 标记超过办理时限的问题和超过完成时限的帮扶措施(逾期提醒 → 督办), "
        "向责任人发提醒通知、向单位负责人发督办通知。每天运行一次(cron/systemd), "
        "重复运行不会重复标记或重复通知。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--on", type=dt.date.fromisoformat, help="按该日期扫描 YYYY-MM-DD (默认今天)"
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="以 JSON 输出各项数量"
        )

    def handle(self, *args, on=None, as_json=False, **options):
        today = on or timezone.localdate()
        counts = sweep_overdue(today=today)
        if as_json:
            self.stdout.write(json.dumps({"today": today.isoformat(), **counts}))
            return
        self.stdout.write(
            f"逾期扫描({today}): 问题 新增提醒 {counts['reminders']} 件, 新增督办 {counts['supervisions']} 件; "
            f"帮扶措施 新增提醒 {counts['measure_reminders']} 件, 新增督办 {counts['measure_supervisions']} 件; "
            f"发出提醒通知 {counts['reminder_notices']} 条, 督办通知 {counts['supervision_notices']} 条"
        )
