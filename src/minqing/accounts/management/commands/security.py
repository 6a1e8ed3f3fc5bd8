"""`minqing security`: lockouts and second factors from the server's shell — for when the
security admin is the one locked out, or has lost their phone.

minqing security locked                 usernames locked now, and until when
minqing security unlock USERNAME…       lifts the lockout (audited)
minqing security otp-reset USERNAME     removes the user's TOTP devices; they enrol again (audited)
minqing security demo-code USERNAME     the current code of a demo account (public demo key only)
"""

import time

from axes.models import AccessAttempt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from minqing.accounts import actions
from minqing.accounts.models import User


class Command(BaseCommand):
    help = "登录锁定与动态口令: locked 列出锁定 / unlock 解锁 / otp-reset 重置动态口令 / demo-code 演示口令。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True, title="操作")
        sub.add_parser("locked", help="列出当前被锁定的用户名")
        unlock = sub.add_parser("unlock", help="解除用户名的登录锁定")
        unlock.add_argument("usernames", nargs="+", help="用户名")
        reset = sub.add_parser("otp-reset", help="删除用户的动态口令设备, 下次登录时重新绑定")
        reset.add_argument("username", help="用户名")
        demo = sub.add_parser("demo-code", help="演示账号当前的动态口令(仅限公开的演示密钥)")
        demo.add_argument("username", help="用户名")

    def handle(self, *args, verb, **options):
        getattr(self, "_" + verb.replace("-", "_"))(**options)

    def _locked(self, **options):
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        locked = AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
        ).order_by("username")
        for attempt in locked:
            until = timezone.localtime(attempt.attempt_time + settings.AXES_COOLOFF_TIME)
            self.stdout.write(
                f"{attempt.username}\t失败 {attempt.failures_since_start} 次\t"
                f"锁定至 {until:%Y-%m-%d %H:%M}\t{attempt.ip_address or ''}"
            )
        if not locked:
            self.stdout.write("没有被锁定的用户名。")

    def _unlock(self, *, usernames, **options):
        cleared = actions.unlock_logins(usernames, by=None)
        self.stdout.write(f"已解锁 {'、'.join(usernames)}(清除失败记录 {cleared} 条)。")

    def _otp_reset(self, *, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在: {username}")
        count = actions.reset_second_factor(user, by=None)
        self.stdout.write(
            f"已删除 {user} ({username}) 的动态口令设备 {count} 个, 下次登录时重新绑定。"
        )

    def _demo_code(self, *, username, **options):
        key = actions.demo_totp_key_hex()
        device = TOTPDevice.objects.filter(user__username=username, key=key, confirmed=True).first()
        if device is None:
            raise CommandError(
                f"{username} 没有使用演示密钥的动态口令设备(只有 minqing demo 创建的三员演示账号有)"
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        left = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}\t(还有 {left} 秒有效)")
