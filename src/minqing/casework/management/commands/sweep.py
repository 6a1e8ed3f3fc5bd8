import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from minqing.casework.actions import sweep_overdue


class Command(BaseCommand):
    help = "逾期扫描: 标记超过办理时限的问题(逾期提醒 → 督办)。每天运行一次(cron/systemd), 重复运行不会重复标记。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--on", type=dt.date.fromisoformat, help="按该日期扫描 YYYY-MM-DD (默认今天)"
        )

    def handle(self, *args, on=None, **options):
        today = on or timezone.localdate()
        counts = sweep_overdue(today=today)
        self.stdout.write(
            f"逾期扫描({today}): 新增提醒 {counts['reminders']} 件, 新增督办 {counts['supervisions']} 件"
        )
