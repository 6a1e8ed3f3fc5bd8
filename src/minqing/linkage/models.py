"""数据交叉对比: link runs, which person each source record belongs to, and the review queue.

A record belongs to a person through its (source, key), not its row id: a new version of the same
row (an updated extract) stays with its person, and person ids never change between runs.
"""

from django.conf import settings
from django.db import models


class LinkRun(models.Model):
    """One run of `minqing link`: the trained model (Splink JSON) and what it found."""

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
    engine = models.CharField("计算引擎", max_length=16, default="duckdb")
    records = models.PositiveIntegerField("源记录", default=0)
    pairs_scored = models.PositiveIntegerField("比对记录对", default=0)
    pairs_linked = models.PositiveIntegerField("判定为同一人的记录对", default=0)
    persons = models.PositiveIntegerField("人员", default=0)
    persons_new = models.PositiveIntegerField("新增人员", default=0)
    persons_retired = models.PositiveIntegerField("并入他人", default=0)
    households = models.PositiveIntegerField("家庭户", default=0)
    review_items = models.PositiveIntegerField("待人工确认", default=0)
    conflicts = models.PositiveIntegerField("有冲突的人员", default=0)
    seconds = models.FloatField("用时(秒)", default=0)
    match_threshold = models.FloatField("判定阈值", default=0.8)
    review_threshold = models.FloatField("复核下限", default=0.3)
    model_json = models.TextField("模型(Splink JSON)", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "对比批次"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"对比批次 {self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class RecordLink(models.Model):
    """Source record (by source and key) → person, as the latest run decided."""

    source = models.ForeignKey(
        "sources.Source", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    key = models.CharField("主键", max_length=255)
    record_id = models.BigIntegerField("源记录版本")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="record_links"
    )
    # the run that wrote the link (a link is rewritten only when its person or record version
    # moves): assessment reads the links written since its last run by it (RecordValues)
    run = models.ForeignKey(
        LinkRun, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )

    class Meta:
        verbose_name = verbose_name_plural = "记录归属"
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="one_person_per_record"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.key} → {self.person_id}"


class HouseholdChange(models.Model):
    """A household a link run changed: created, deactivated, its own fields or its memberships
    changed, or a member's person or records moved (a record linked to or away from them, their
    golden record rewritten). The assessment re-assesses these households, and only these, for
    what linkage did since its last run (assessment/actions.py)."""

    run = models.ForeignKey(
        LinkRun, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    household_id = models.BigIntegerField("家庭户")

    class Meta:
        verbose_name = verbose_name_plural = "家庭户变动"
        indexes = [models.Index(fields=["run", "household_id"], name="householdchange_run")]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.household_id}"


class ReviewKind(models.TextChoices):
    PAIR = "pair", "是否同一人"
    UNLINKED = "unlinked", "未能对应到人员"


class Decision(models.TextChoices):
    SAME = "same", "同一人"
    DIFFERENT = "different", "不是同一人"
    UNSURE = "unsure", "不确定"


class ReviewItemQuerySet(models.QuerySet):
    def open(self) -> "ReviewItemQuerySet":
        return self.filter(decision="", is_stale=False)

    def decided(self) -> "ReviewItemQuerySet":
        return self.exclude(decision="")


class ReviewItem(models.Model):
    """A pair the model is unsure about, or a hotline record that matches nobody well enough.

    The pair is stored by (source, key) on both sides, so a decision outlives the run that asked
    for it: every later run applies it before clustering (same → linked, different → never in one
    person), whatever the model says."""

    kind = models.CharField("类型", max_length=16, choices=ReviewKind.choices)
    left_source = models.ForeignKey(
        "sources.Source", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    left_key = models.CharField("左记录主键", max_length=255)
    right_source = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    right_key = models.CharField("右记录主键", max_length=255, blank=True)
    probability = models.FloatField("模型判定概率", null=True, blank=True)
    match_weight = models.FloatField("匹配权重", null=True, blank=True)
    details = models.JSONField("各项比对", default=dict, blank=True)
    first_run = models.ForeignKey(
        LinkRun, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    last_run = models.ForeignKey(
        LinkRun, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # a later run no longer finds the pair uncertain (new data settled it): kept, not asked
    is_stale = models.BooleanField("已不需确认", default=False)
    decision = models.CharField("结论", max_length=16, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    objects = ReviewItemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "人工确认"
        ordering = ["-probability", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["left_source", "left_key", "right_source", "right_key"],
                name="one_review_item_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
