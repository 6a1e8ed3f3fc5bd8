"""综合评估: each run, each household's assessment, its findings per policy, and proposals.

Findings are kept for the household × policy pairs that matter: eligible (or undecided), or
receiving the benefit; a household neither eligible for nor receiving a policy has no row.

A full run rewrites a whole district's assessments and findings in one transaction
(actions.assess), a later run those of the households whose inputs changed, so their foreign keys carry no database constraint and no index beyond the ones read by: on
PostgreSQL, Django's deferred constraints checked a million rows one by one at commit (17 s of a
million-household run). Households are never deleted (linkage deactivates them), only the ORM
writes these rows otherwise, and on_delete still holds through it.
"""

from django.conf import settings
from django.db import models

from minqing.core.models import Model


class AssessmentRun(models.Model):
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="执行人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assessed_on = models.DateField("评估日期")
    households = models.PositiveIntegerField("家庭户", default=0)
    typed = models.PositiveIntegerField("有家庭类型的户", default=0)
    findings = models.PositiveIntegerField("认定结果", default=0)
    missed = models.PositiveIntegerField("漏保", default=0)
    mismatched = models.PositiveIntegerField("错保", default=0)
    proposals_new = models.PositiveIntegerField("新增建议", default=0)
    seconds = models.FloatField("用时(秒)", default=0)
    # a run re-assesses only the households whose inputs changed since the run before, or whose
    # result runs out by time (HouseholdAssessment.valid_until); a full run all of them
    # (actions.assess says when)
    full = models.BooleanField("全量评估", default=True)
    reassessed = models.PositiveIntegerField("本次重新评估的户", default=0)
    # of those, the households whose result differs from the one stored (their rows rewritten,
    # HouseholdAssessment.digest): the others keep theirs
    rewritten = models.PositiveIntegerField("结果有变化的户", default=0)
    # what the run saw: the newest import and link runs, and the fingerprint of the rules'
    # code and parameter table (actions.basis)
    import_watermark = models.BigIntegerField("已读导入批次", default=0)
    link_watermark = models.BigIntegerField("已读对比批次", default=0)
    basis = models.CharField("规则与参数指纹", max_length=64, blank=True)
    # the fingerprint of what RecordValues holds (which fields of which lists: actions.reads_basis);
    # when it differs from the last run's, RecordValues is rebuilt
    reads = models.CharField("读取字段指纹", max_length=64, blank=True)
    # every household's family types and category, and every finding's policy and status,
    # counted after the run: {"classes": [[types, category, n], …], "findings": [[policy,
    # status, n], …]}; the next run that re-assesses some households adds and takes away theirs
    # (actions._tallies), instead of counting the whole district again
    counts = models.JSONField("汇总计数", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评估批次"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"评估批次 {self.pk} ({self.assessed_on})"


class Category(models.TextChoices):
    GENERAL = "general", "一般生活类"
    POLICY = "policy", "政策保障类"
    MAJOR = "major", "重大疑难问题类"


class HouseholdAssessment(Model):
    """The latest assessment of one household: indicators, family types, category, risk."""

    household = models.OneToOneField(
        "registry.Household",
        on_delete=models.CASCADE,
        related_name="assessment",
        db_constraint=False,
    )
    run = models.ForeignKey(
        AssessmentRun,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    assessed_on = models.DateField("评估日期")
    types = models.JSONField("家庭类型", default=list, blank=True)
    category = models.CharField("类别", max_length=16, choices=Category.choices, blank=True)
    risk = models.PositiveSmallIntegerField("风险分", default=0)
    factors = models.JSONField("风险因素", default=list, blank=True)
    # indicators.household_indicators, only the values other than 0, false or none (a key not
    # there is one of these): most of a household's are, and the rest is a third of the text
    indicators = models.JSONField("指标", default=dict, blank=True)
    # the first day on which time alone may change this result (a member's birthday, a 核对
    # report running out, an emergency a day older); null: none in view
    valid_until = models.DateField("结果有效至(不含)", null=True, blank=True)
    # one number for the result as stored — this row's values from types to valid_until, and
    # the household's findings (actions._assessment_rows): a run rewrites only the households
    # whose digest changed. Null: written before digests were kept (rewritten by the next run)
    digest = models.BigIntegerField("结果摘要", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "家庭评估"
        indexes = [models.Index(fields=["valid_until"], name="assessment_valid_until")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_category_display()} 风险{self.risk}"


class FindingStatus(models.TextChoices):
    MISSED = "missed", "漏保(应享未享)"
    MISMATCH = "mismatch", "错保(不符合仍享受)"
    RECEIVING = "receiving", "符合并已享受"
    ELIGIBLE = "eligible", "符合条件"
    UNDECIDED = "undecided", "待入户核实"


class Finding(models.Model):
    # looked up by household through the unique constraint below, whose first column it is
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.CASCADE,
        related_name="findings",
        db_index=False,
        db_constraint=False,
    )
    run = models.ForeignKey(
        AssessmentRun,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    policy = models.CharField("政策", max_length=32)
    status = models.CharField("结论", max_length=16, choices=FindingStatus.choices)
    eligible = models.BooleanField("符合条件", null=True)
    receiving = models.BooleanField("正在享受", default=False)
    amount = models.FloatField("测算金额(元/月)", null=True, blank=True)
    explanation = models.JSONField("依据", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "政策认定"
        constraints = [
            models.UniqueConstraint(fields=["household", "policy"], name="one_finding_per_policy")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.policy}: {self.get_status_display()}"


class ProposalKind(models.TextChoices):
    INCLUDE = "include", "建议纳入台账"
    EXIT = "exit", "建议退出台账"
    CHANGE = "change", "建议调整类别"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "待核实"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已否决"
    WITHDRAWN = "withdrawn", "已撤回(数据变化)"


class ProposalQuerySet(models.QuerySet):
    def open(self) -> "ProposalQuerySet":
        return self.filter(status=ProposalStatus.OPEN)


class Proposal(Model):
    """What a run proposes for the ledger; nothing changes until a person confirms it."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="proposals"
    )
    run = models.ForeignKey(AssessmentRun, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("建议", max_length=16, choices=ProposalKind.choices)
    category = models.CharField("建议类别", max_length=16, choices=Category.choices, blank=True)
    types = models.JSONField("家庭类型", default=list, blank=True)
    reasons = models.JSONField("理由", default=list, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "纳入/退出建议"
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=models.Q(status="open"),
                name="one_open_proposal_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_kind_display()} ({self.get_status_display()})"


VALUE_COLUMNS = 6  # RecordValues.v0 … v5: the most fields assessment reads of one list


class RecordValues(models.Model):
    """Of each source record in force on a list assessment reads, the fields it reads
    (facts.READS), taken out of the record's JSON once: v<i> is the i-th field READS names for
    the list, as text. A run reads these narrow rows instead of the records themselves (each about
    1 KB with its JSON and the row as read: at a million households, reading a day's records was
    most of a run). Assessment keeps them itself, in its run's transaction, from the import runs
    it has not seen yet (actions._sync_values, SeenImport), and the person each belongs to from
    the links linkage wrote since (RecordLink.run): a run reads a household's rows by its members,
    and a rebuild writes them in the order of their persons, so one person's rows share a page or
    two instead of one page each. No foreign keys, like the records."""

    record_id = models.BigIntegerField("源记录", primary_key=True)
    source_id = models.BigIntegerField("数据来源")
    key = models.CharField("主键", max_length=255)
    valid_from = models.DateTimeField("生效时间")
    # the person linkage put the record with (RecordLink); null until it is linked
    person_id = models.BigIntegerField("人员", null=True)
    # null: the record has no such field (not the same as an empty text)
    v0 = models.TextField(null=True)  # noqa: DJ001
    v1 = models.TextField(null=True)  # noqa: DJ001
    v2 = models.TextField(null=True)  # noqa: DJ001
    v3 = models.TextField(null=True)  # noqa: DJ001
    v4 = models.TextField(null=True)  # noqa: DJ001
    v5 = models.TextField(null=True)  # noqa: DJ001

    class Meta:
        verbose_name = verbose_name_plural = "评估读取字段"
        indexes = [
            models.Index(fields=["source_id", "key"], name="recordvalues_source_key"),
            models.Index(fields=["person_id"], name="recordvalues_person"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.key}"


class SeenImport(models.Model):
    """An import run whose records RecordValues holds and whose households a run re-assessed.
    A set, not a watermark: an import that commits after a later-numbered one is still new."""

    import_run_id = models.BigIntegerField("导入批次", primary_key=True)

    class Meta:
        verbose_name = verbose_name_plural = "已读导入批次"

    def __str__(self) -> str:
        return str(self.import_run_id)
