"""一台账两清单: the ledger (LedgerEntry), its problems (Problem) and measures (Measure), the
routing table, visits, the history of every change (Change) and the overdue sweep's notices
(Notice).

Rows change only through casework.actions, which check the actor's scope, keep a Change row
per changed value (who, when, why) and write one audit event per action. The allowed status
transitions are the tables below; docs/casework.md draws them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from minqing.accounts.models import Department
from minqing.assessment.models import Category
from minqing.casework.files import validate_evidence, validate_photo
from minqing.core.models import Model

# ledger ---------------------------------------------------------------------------------------


class EntryStatus(models.TextChoices):
    PENDING = "pending", "待核实"
    LISTED = "listed", "在册"
    HELPING = "helping", "帮扶中"
    RESOLVED = "resolved", "已解决"
    EXITED = "exited", "已退出"


ENTRY_TRANSITIONS: dict[str, set[str]] = {
    EntryStatus.PENDING: {EntryStatus.LISTED, EntryStatus.EXITED},
    EntryStatus.LISTED: {EntryStatus.HELPING, EntryStatus.RESOLVED, EntryStatus.EXITED},
    EntryStatus.HELPING: {EntryStatus.RESOLVED, EntryStatus.EXITED},
    # a resolved household whose need returns is helped again
    EntryStatus.RESOLVED: {EntryStatus.HELPING, EntryStatus.EXITED},
    # re-inclusion (a new include proposal confirmed, or a person's decision)
    EntryStatus.EXITED: {EntryStatus.LISTED},
}
ACTIVE_ENTRY = (EntryStatus.PENDING, EntryStatus.LISTED, EntryStatus.HELPING, EntryStatus.RESOLVED)
# the care-day plan and the lists put major cases first
CATEGORY_ORDER = [Category.MAJOR, Category.POLICY, Category.GENERAL]


class LedgerEntryQuerySet(models.QuerySet):
    def active(self) -> LedgerEntryQuerySet:
        """In the ledger: every status but 已退出."""
        return self.filter(status__in=ACTIVE_ENTRY)

    def open(self) -> LedgerEntryQuerySet:
        """Still being worked on: 待核实, 在册, 帮扶中."""
        return self.filter(
            status__in=(EntryStatus.PENDING, EntryStatus.LISTED, EntryStatus.HELPING)
        )

    def in_area(self, area) -> LedgerEntryQuerySet:
        """In the area or below it."""
        return self.filter(area__path__startswith=area.path)

    def for_cadre(self, user) -> LedgerEntryQuerySet:
        return self.filter(cadre=user)

    def for_grid_worker(self, user) -> LedgerEntryQuerySet:
        return self.filter(grid_worker=user)

    def overdue(self, today) -> LedgerEntryQuerySet:
        """With an overdue running problem or an overdue open measure."""
        problems = Problem.objects.filter(entry=models.OuterRef("pk")).overdue(today)
        measures = Measure.objects.filter(entry=models.OuterRef("pk")).overdue(today)
        return self.filter(models.Exists(problems) | models.Exists(measures))

    def routed_to(self, department: str) -> LedgerEntryQuerySet:
        """With a problem routed to the department."""
        problems = Problem.objects.filter(entry=models.OuterRef("pk")).routed_to(department)
        return self.filter(models.Exists(problems))

    def entered_within(self, first=None, last=None) -> LedgerEntryQuerySet:
        """With 纳入日期 from `first` to `last`, both days included (None: open-ended)."""
        return self._dated("entered_on", first, last)

    def exited_within(self, first=None, last=None) -> LedgerEntryQuerySet:
        """With 退出日期 from `first` to `last`, both days included (None: open-ended)."""
        return self._dated("exited_on", first, last)

    def _dated(self, field: str, first, last) -> LedgerEntryQuerySet:
        qs = self
        if first is not None:
            qs = qs.filter(**{f"{field}__gte": first})
        if last is not None:
            qs = qs.filter(**{f"{field}__lte": last})
        return qs


class LedgerEntry(Model):
    """One household in the ledger (一台账)."""

    household = models.OneToOneField(
        "registry.Household",
        verbose_name="家庭户",
        on_delete=models.PROTECT,
        related_name="ledger_entry",
    )
    # copied from the household: every list is scoped by area, without a join
    area = models.ForeignKey(
        "areas.Area", verbose_name="所在网格", on_delete=models.PROTECT, related_name="+"
    )
    types = models.JSONField("家庭类型", default=list, blank=True)
    category = models.CharField("类别", max_length=16, choices=Category.choices, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=EntryStatus.choices, default=EntryStatus.PENDING
    )
    entered_on = models.DateField("纳入日期", null=True, blank=True)
    exited_on = models.DateField("退出日期", null=True, blank=True)
    proposal = models.ForeignKey(
        "assessment.Proposal",
        verbose_name="来源建议",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="包联干部",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="paired_entries",
    )
    grid_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="网格员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grid_entries",
    )
    last_visit_on = models.DateField("最近走访日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "台账家庭"
        indexes = [
            models.Index(fields=["area", "status"], name="entry_area_status"),
            models.Index(fields=["status", "category"], name="entry_status_category"),
        ]

    def __str__(self) -> str:
        return f"{self.household} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status != EntryStatus.EXITED

    def may_become(self, status: str) -> bool:
        return status in ENTRY_TRANSITIONS.get(self.status, set())


# problems -------------------------------------------------------------------------------------


class ProblemType(models.TextChoices):
    HARDSHIP = "hardship", "生活困难"
    EMPLOYMENT = "employment", "就业"
    SCHOOLING = "schooling", "就学"
    MEDICAL = "medical", "医疗"
    HOUSING = "housing", "住房"
    DISABILITY = "disability", "残疾"
    ELDERLY_CARE = "elderly_care", "养老"
    GUARDIANSHIP = "guardianship", "监护"
    DISPUTE = "dispute", "矛盾纠纷"
    OTHER = "other", "其他"


class ProblemStatus(models.TextChoices):
    DRAFT = "draft", "待派单"
    DISPATCHED = "dispatched", "已派单"
    ACCEPTED = "accepted", "已签收"
    RETURNED = "returned", "已退回"
    RESOLVED = "resolved", "已办结"


# status → statuses reachable by dispatch, accept, return, transfer, resolve
PROBLEM_TRANSITIONS: dict[str, set[str]] = {
    ProblemStatus.DRAFT: {ProblemStatus.DISPATCHED},
    ProblemStatus.DISPATCHED: {ProblemStatus.ACCEPTED, ProblemStatus.RETURNED},
    ProblemStatus.ACCEPTED: {ProblemStatus.RESOLVED},
    ProblemStatus.RETURNED: {ProblemStatus.DISPATCHED},
    ProblemStatus.RESOLVED: set(),
}
OPEN_PROBLEM = (
    ProblemStatus.DRAFT,
    ProblemStatus.DISPATCHED,
    ProblemStatus.ACCEPTED,
    ProblemStatus.RETURNED,
)
# with a department, on the clock
RUNNING_PROBLEM = (ProblemStatus.DISPATCHED, ProblemStatus.ACCEPTED)


class ProblemQuerySet(models.QuerySet):
    def open(self) -> ProblemQuerySet:
        """Not yet 已办结."""
        return self.filter(status__in=OPEN_PROBLEM)

    def running(self) -> ProblemQuerySet:
        """With a department, on the clock: 已派单 or 已签收."""
        return self.filter(status__in=RUNNING_PROBLEM)

    def overdue(self, today) -> ProblemQuerySet:
        return self.running().filter(due_on__lt=today)

    def major(self) -> ProblemQuerySet:
        """重大疑难: the district's joint-meeting list."""
        return self.filter(is_major=True)

    def in_area(self, area) -> ProblemQuerySet:
        return self.filter(entry__area__path__startswith=area.path)

    def routed_to(self, department: str) -> ProblemQuerySet:
        """Dispatched to the department (a draft is not routed yet)."""
        return self.filter(department=department).exclude(status=ProblemStatus.DRAFT)

    def for_cadre(self, user) -> ProblemQuerySet:
        return self.filter(entry__cadre=user)


class OverdueLevel(models.IntegerChoices):
    NONE = 0, "未逾期"
    REMINDER = 1, "逾期提醒"
    SUPERVISION = 2, "督办"


class Problem(Model):
    """One problem of a household (问题清单), routed to the department that owns it."""

    entry = models.ForeignKey(
        LedgerEntry, verbose_name="台账家庭", on_delete=models.PROTECT, related_name="problems"
    )
    title = models.CharField("问题", max_length=200)
    description = models.TextField("问题描述", blank=True)
    problem_type = models.CharField("问题类型", max_length=16, choices=ProblemType.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raised_on = models.DateField("提出日期")
    department = models.CharField(
        "责任部门", max_length=32, choices=Department.choices, blank=True, db_index=True
    )
    status = models.CharField(
        "办理状态", max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.DRAFT
    )
    dispatched_on = models.DateField("派单日期", null=True, blank=True)
    accepted_on = models.DateField("签收日期", null=True, blank=True)
    resolved_on = models.DateField("办结日期", null=True, blank=True)
    due_on = models.DateField("办理时限", null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=500, blank=True)
    result = models.TextField("办结情况", blank=True)
    is_major = models.BooleanField("重大疑难", default=False, help_text="列入区联席会议研究清单")
    overdue_level = models.PositiveSmallIntegerField(
        "逾期等级", choices=OverdueLevel.choices, default=OverdueLevel.NONE
    )
    version = models.PositiveIntegerField("版本", default=1)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "问题清单"
        indexes = [
            models.Index(fields=["department", "status"], name="problem_department_status"),
            models.Index(fields=["status", "due_on"], name="problem_status_due"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PROBLEM

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in RUNNING_PROBLEM
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )

    def may_become(self, status: str) -> bool:
        return status in PROBLEM_TRANSITIONS.get(self.status, set())


# measures -------------------------------------------------------------------------------------


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", "未开始"
    IN_PROGRESS = "in_progress", "进行中"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已取消"


MEASURE_TRANSITIONS: dict[str, set[str]] = {
    MeasureStatus.PLANNED: {MeasureStatus.IN_PROGRESS, MeasureStatus.DONE, MeasureStatus.CANCELLED},
    MeasureStatus.IN_PROGRESS: {MeasureStatus.DONE, MeasureStatus.CANCELLED},
    MeasureStatus.DONE: set(),
    MeasureStatus.CANCELLED: set(),
}
OPEN_MEASURE = (MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS)


class MeasureQuerySet(models.QuerySet):
    def open(self) -> MeasureQuerySet:
        """未开始 or 进行中."""
        return self.filter(status__in=OPEN_MEASURE)

    def overdue(self, today) -> MeasureQuerySet:
        return self.open().filter(deadline__lt=today)

    def in_area(self, area) -> MeasureQuerySet:
        return self.filter(entry__area__path__startswith=area.path)

    def routed_to(self, department: str) -> MeasureQuerySet:
        """Answering a problem routed to the department."""
        return self.filter(problem__department=department).exclude(
            problem__status=ProblemStatus.DRAFT
        )

    def for_cadre(self, user) -> MeasureQuerySet:
        return self.filter(entry__cadre=user)


class Measure(Model):
    """One measure taken for a household (帮扶清单), usually answering one of its problems."""

    entry = models.ForeignKey(
        LedgerEntry, verbose_name="台账家庭", on_delete=models.PROTECT, related_name="measures"
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name="对应问题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    action = models.TextField("帮扶措施")
    owner_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_measures",
    )
    deadline = models.DateField("完成时限")
    status = models.CharField(
        "状态", max_length=16, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    result = models.TextField("落实情况", blank=True)
    evidence = models.FileField(
        "佐证材料",
        upload_to="casework/evidence/%Y/%m/",
        blank=True,
        validators=[validate_evidence],
    )
    done_on = models.DateField("完成日期", null=True, blank=True)
    overdue_level = models.PositiveSmallIntegerField(
        "逾期等级", choices=OverdueLevel.choices, default=OverdueLevel.NONE
    )
    version = models.PositiveIntegerField("版本", default=1)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "帮扶清单"
        indexes = [models.Index(fields=["status", "deadline"], name="measure_status_deadline")]

    def __str__(self) -> str:
        return self.action[:50]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_MEASURE

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline < timezone.localdate()

    def may_become(self, status: str) -> bool:
        return status in MEASURE_TRANSITIONS.get(self.status, set())


# routing --------------------------------------------------------------------------------------


class RoutingRule(Model):
    """问题类型 × 区域 → 责任部门. A rule without an area applies district-wide; a rule for a
    street, community or grid overrides it there (the deepest area wins)."""

    problem_type = models.CharField("问题类型", max_length=16, choices=ProblemType.choices)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name="适用区域",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="留空: 全区默认规则",
    )
    department = models.CharField("责任部门", max_length=32, choices=Department.choices)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "派单规则"
        ordering = ["problem_type", "area__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem_type", "area"], name="one_rule_per_type_and_area"
            ),
            models.UniqueConstraint(
                fields=["problem_type"],
                condition=models.Q(area__isnull=True),
                name="one_default_rule_per_type",
            ),
        ]

    def __str__(self) -> str:
        where = self.area.name if self.area_id else "全区"
        return f"{self.get_problem_type_display()} · {where} → {self.get_department_display()}"


# visits ---------------------------------------------------------------------------------------


class Decision(models.TextChoices):
    CONFIRM = "confirm", "确认"
    REJECT = "reject", "否决"


class Visit(Model):
    """A visit to a household (入户走访). A household proposed for the ledger is visited before
    it has an entry, so the household is kept and the entry is filled in when there is one."""

    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭户", on_delete=models.PROTECT, related_name="visits"
    )
    entry = models.ForeignKey(
        LedgerEntry,
        verbose_name="台账家庭",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visited_on = models.DateField("走访日期")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="走访人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    companions = models.CharField("同行人员", max_length=200, blank=True)
    findings = models.TextField("走访情况")
    proposal = models.ForeignKey(
        "assessment.Proposal",
        verbose_name="核实的建议",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision = models.CharField("核实结论", max_length=16, choices=Decision.choices, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "走访记录"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.household} {self.visited_on}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(
        Visit, verbose_name="走访", on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField("照片", upload_to="casework/visits/%Y/%m/", validators=[validate_photo])
    content_type = models.CharField("文件类型", max_length=32)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "走访照片"

    def __str__(self) -> str:
        return self.file.name


# history --------------------------------------------------------------------------------------


class ChangeKind(models.TextChoices):
    CREATED = "created", "新建"
    STATUS = "status", "状态变更"
    CATEGORY = "category", "类别调整"
    TYPES = "types", "家庭类型调整"
    PAIRING = "pairing", "包联调整"
    DEPARTMENT = "department", "转办"
    DUE = "due", "办理时限"
    MAJOR = "major", "重大疑难"
    ESCALATION = "escalation", "逾期督办"
    EDIT = "edit", "修改"
    VISIT = "visit", "走访"
    PROPOSAL = "proposal", "建议核实"


class Change(models.Model):
    """Who changed what, when and why: one row per changed value, for entries, problems,
    measures, visits and decided proposals. Every row names its household, so a household's
    timeline is one indexed query; `problem` / `measure` say which list item it was about."""

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name="家庭户", on_delete=models.CASCADE, related_name="+"
    )
    entry = models.ForeignKey(
        LedgerEntry,
        verbose_name="台账家庭",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name="问题",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    measure = models.ForeignKey(
        Measure,
        verbose_name="帮扶措施",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name="走访",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    proposal = models.ForeignKey(
        "assessment.Proposal",
        verbose_name="建议",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField("类型", max_length=16, choices=ChangeKind.choices)
    field = models.CharField("字段", max_length=32, blank=True)
    from_value = models.CharField("原值", max_length=500, blank=True)
    to_value = models.CharField("新值", max_length=500, blank=True)
    reason = models.CharField("原因", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "变更记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["household", "at"], name="change_household_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    @property
    def subject(self) -> str:
        """What the change was about, for a timeline: 台账 / 问题 / 帮扶措施 / 走访."""
        if self.measure_id:
            return "帮扶措施"
        if self.problem_id:
            return "问题"
        if self.visit_id:
            return "走访"
        if self.proposal_id and not self.entry_id:
            return "建议"
        return "台账"

    def label(self, value: str) -> str:
        """A stored code as the page shows it (status 'listed' → 在册); other values as they are."""
        choices = _VALUE_LABELS.get(self.field, {})
        if self.field == "status":
            choices = _STATUS_LABELS[self.subject]
        return choices.get(value, value)

    @property
    def from_label(self) -> str:
        return self.label(self.from_value)

    @property
    def to_label(self) -> str:
        return self.label(self.to_value)


# notices --------------------------------------------------------------------------------------


class NoticeQuerySet(models.QuerySet):
    def for_recipient(self, user) -> NoticeQuerySet:
        return self.filter(recipient=user)

    def unread(self) -> NoticeQuerySet:
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """A 逾期提醒 or 督办 the overdue sweep sends to one user about one problem or measure
    (casework.actions.sweep_overdue). One per user, item and level."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notices",
    )
    level = models.PositiveSmallIntegerField(
        "类型", choices=[c for c in OverdueLevel.choices if c[0] != OverdueLevel.NONE]
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name="问题",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    measure = models.ForeignKey(
        Measure,
        verbose_name="帮扶措施",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    text = models.TextField("内容")
    created_at = models.DateTimeField("发送时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督办提醒通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            # the navigation counts a user's unread notices on every page
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notice_unread"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="notice_about_one_item",
                condition=(
                    models.Q(problem__isnull=False, measure__isnull=True)
                    | models.Q(problem__isnull=True, measure__isnull=False)
                ),
            ),
            models.UniqueConstraint(
                fields=["recipient", "problem", "level"],
                condition=models.Q(problem__isnull=False),
                name="one_notice_per_problem_level",
            ),
            models.UniqueConstraint(
                fields=["recipient", "measure", "level"],
                condition=models.Q(measure__isnull=False),
                name="one_notice_per_measure_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.text[:40]}"

    @property
    def item(self) -> Problem | Measure:
        return self.problem if self.problem_id else self.measure

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


_STATUS_LABELS = {
    "台账": dict(EntryStatus.choices),
    "建议": dict(EntryStatus.choices),
    "问题": dict(ProblemStatus.choices),
    "帮扶措施": dict(MeasureStatus.choices),
    "走访": dict(Decision.choices),
}
_VALUE_LABELS = {
    "category": dict(Category.choices),
    "department": dict(Department.choices),
    "overdue_level": {str(v): label for v, label in OverdueLevel.choices},
    "decision": dict(Decision.choices),
    "problem_type": dict(ProblemType.choices),
}
