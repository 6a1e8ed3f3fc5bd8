import hashlib
import secrets

from axes.models import AccessAttempt
from django.contrib.auth.models import AbstractUser
from django.db import models
from django_otp.plugins.otp_totp.models import TOTPDevice

from minqing.core.models import Model


class Department(models.TextChoices):
    """Departments that own problems (DESIGN.md: 民政 人社 教育 卫健 公安 政法 …)."""

    CIVIL_AFFAIRS = "civil_affairs", "民政局"
    HUMAN_RESOURCES = "human_resources", "人力资源和社会保障局"
    EDUCATION = "education", "教育局"
    HEALTH = "health", "卫生健康委员会"
    MEDICAL_INSURANCE = "medical_insurance", "医疗保障局"
    PUBLIC_SECURITY = "public_security", "公安分局"
    POLITICS_LAW = "politics_law", "政法委"
    DISABLED_FEDERATION = "disabled_federation", "残疾人联合会"
    MARKET_REGULATION = "market_regulation", "市场监督管理局"
    HOUSING = "housing", "住房和城乡建设局"
    EMERGENCY_MANAGEMENT = "emergency_management", "应急管理局"
    HOTLINE = "hotline", "12345热线服务中心"


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", "职能部门"
    AREA_OFFICE = "area_office", "属地(区/街道/社区/网格)"


class Unit(Model):
    """Where a user works: a department, or the office of an area (district, street,
    community, grid). The unit carries the user's scope."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=UnitKind.choices)
    department = models.CharField(
        "部门",
        max_length=32,
        choices=Department.choices,
        blank=True,
        help_text="职能部门填写; 属地单位留空",
    )
    area = models.ForeignKey(
        "areas.Area",
        verbose_name="所属区域",
        on_delete=models.PROTECT,
        related_name="units",
        help_text="属地单位: 其管辖区域; 职能部门: 其服务的区",
    )
    # who a 督办 (casework's overdue sweep) goes to; without one, every user of the unit
    leader = models.ForeignKey(
        "accounts.User",
        verbose_name="单位负责人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_units",
        help_text="逾期督办通知发给此人; 留空则发给本单位全体用户",
    )

    class Meta:
        verbose_name = verbose_name_plural = "单位"
        constraints = [
            models.CheckConstraint(
                name="unit_department_only_for_departments",
                condition=(
                    models.Q(kind=UnitKind.DEPARTMENT, department__gt="")
                    | models.Q(kind=UnitKind.AREA_OFFICE, department="")
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """The role catalogue of DESIGN.md ("who uses it"), kept as data (see migration 0002)."""

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32)
    sees = models.CharField("可见范围", max_length=200)
    does = models.CharField("职责", max_length=200)
    is_security_admin = models.BooleanField(
        "三员角色",
        default=False,
        help_text="系统/安全/审计管理员: 职责分离, 不接触居民数据",
    )
    sees_personal_data = models.BooleanField("可查看居民个人信息", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "角色"
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Belongs to one Unit and holds roles."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    roles = models.ManyToManyField(Role, verbose_name="角色", blank=True, related_name="users")

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def area_scope(self):
        """The area whose subtree this user may see (None: no area scope, e.g. no unit)."""
        return self.unit.area if self.unit_id else None

    @property
    def department_scope(self) -> str:
        """The department whose routed items this user handles ('' for area offices)."""
        return self.unit.department if self.unit_id else ""


class ApiToken(models.Model):
    """A key for scripts calling the API (header X-API-Key) on behalf of a user. Only the
    SHA-256 of the key is stored; the key itself is shown once, by `minqing token create`."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("名称", max_length=100, help_text="用途, 如「人社局夜间同步脚本」")
    key_hash = models.CharField("密钥摘要(SHA-256)", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "API 密钥"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, *, name: str) -> tuple["ApiToken", str]:
        """A new token and its plain key (which is not kept anywhere)."""
        key = "mq_" + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, key_hash=cls.hash_key(key)), key


class LoginLock(AccessAttempt):
    """django-axes' failed-login counts, per username, shown to the security admin in Chinese;
    unlocking (deleting the count) goes through accounts.actions.unlock_logins, audited."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "登录锁定"
        default_permissions = ("view",)
        permissions = [("unlock_login", "可解锁被锁定的账号")]


class SecondFactorDevice(TOTPDevice):
    """django-otp's TOTP devices, shown without their keys; a reset (the phone is lost) goes
    through accounts.actions.reset_second_factor, audited."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "动态口令设备"
        default_permissions = ("view",)
        permissions = [("reset_second_factor", "可重置动态口令")]
