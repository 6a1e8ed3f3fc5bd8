"""`minqing token`: API keys for scripts (header X-API-Key).

minqing token create USERNAME --name 用途     prints the key once; only its SHA-256 is kept
minqing token revoke ID                       the key stops working at once
minqing token list [USERNAME]
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from minqing.accounts.models import ApiToken, User
from minqing.audit.actions import record


class Command(BaseCommand):
    help = "API 密钥: create 新建(只显示一次) / revoke 停用 / list 列出。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True, title="操作")
        create = sub.add_parser("create", help="为用户新建一个 API 密钥, 密钥只显示这一次")
        create.add_argument("username", help="用户名")
        create.add_argument("--name", required=True, help="用途, 如「人社局夜间同步脚本」")
        revoke = sub.add_parser("revoke", help="停用一个 API 密钥")
        revoke.add_argument("id", type=int, help="密钥编号 (见 minqing token list)")
        listing = sub.add_parser("list", help="列出 API 密钥(不含密钥本身)")
        listing.add_argument("username", nargs="?", help="只列出该用户的")

    def handle(self, *args, verb, **options):
        getattr(self, f"_{verb}")(**options)

    @transaction.atomic
    def _create(self, *, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在: {username}")
        if not user.is_active:
            raise CommandError(f"用户 {username} 已停用, 不能新建密钥")
        token, key = ApiToken.issue(user, name=name)
        record(
            "accounts.create_api_token",
            obj=token,
            summary=f"为 {user} ({username}) 新建 API 密钥 #{token.pk}「{name}」",
        )
        self.stdout.write(f"已为 {user} ({username}) 新建 API 密钥 #{token.pk}「{name}」。")
        self.stdout.write("请立即妥善保存, 密钥只显示这一次(请求头 X-API-Key):")
        self.stdout.write(key)

    @transaction.atomic
    def _revoke(self, *, id, **options):
        token = ApiToken.objects.select_related("user").filter(pk=id).first()
        if token is None:
            raise CommandError(f"API 密钥 #{id} 不存在")
        if not token.is_active:
            self.stdout.write(f"API 密钥 #{id} 早已停用。")
            return
        token.is_active = False
        token.save(update_fields=["is_active"])
        record(
            "accounts.revoke_api_token",
            obj=token,
            summary=f"停用 {token.user} 的 API 密钥 #{token.pk}「{token.name}」",
        )
        self.stdout.write(f"已停用 API 密钥 #{id}「{token.name}」。")

    def _list(self, *, username=None, **options):
        tokens = ApiToken.objects.select_related("user").order_by("id")
        if username:
            tokens = tokens.filter(user__username=username)
        for t in tokens:
            used = (
                f"{timezone.localtime(t.last_used_at):%Y-%m-%d %H:%M}" if t.last_used_at else "从未"
            )
            state = "有效" if t.is_active else "已停用"
            self.stdout.write(
                f"#{t.pk}\t{t.user.username}\t{t.name}\t{state}\t"
                f"创建 {timezone.localtime(t.created_at):%Y-%m-%d %H:%M}\t最近使用 {used}"
            )
        if not tokens:
            self.stdout.write("没有 API 密钥。")
