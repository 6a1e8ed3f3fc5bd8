"""数据来源 / 导入批次 / 源记录: the source definitions, each import run, and the staged records.

A SourceRecord is one row of a department's list, normalized, with its raw cells. Records are
versioned: a changed row ends the old version (valid_to, ended_run) and starts a new one, a row
that disappears from a newer extract is ended; nothing is deleted, so history is kept.
"""

import json

from django.conf import settings
from django.db import models

from minqing.core.models import Model


class Source(Model):
    """A department's list as minqing reads it. The definition lives in a file
    (sources/definitions/CODE.toml); this row mirrors it for the admin and for foreign keys."""

    code = models.CharField("代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100)
    department = models.CharField("部门", max_length=32)
    kind = models.CharField("文件类型", max_length=8)
    file_pattern = models.CharField("文件名模式", max_length=200, blank=True)
    definition = models.JSONField("定义", default=dict)
    definition_path = models.CharField("定义文件", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "数据来源"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    SUCCEEDED = "succeeded", "已导入"
    UNCHANGED = "unchanged", "文件未变"
    REFUSED = "refused", "已拒绝"


class ImportRun(models.Model):
    """One attempt to import one file. A refused or unchanged attempt is recorded too (with its
    message and error report); only a succeeded run has touched any record."""

    source = models.ForeignKey(
        Source, verbose_name="数据来源", on_delete=models.PROTECT, related_name="runs"
    )
    file_name = models.CharField("文件名", max_length=255)
    file_hash = models.CharField("文件SHA-256", max_length=64, db_index=True)
    file_size = models.BigIntegerField("文件大小(字节)")
    encoding = models.CharField("编码", max_length=16, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField("方式", max_length=16, default="cli")  # cli | web | api | demo
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间")
    status = models.CharField("结果", max_length=16, choices=RunStatus.choices)
    message = models.TextField("说明", blank=True)
    rows_read = models.PositiveIntegerField("读取行数", default=0)
    rows_new = models.PositiveIntegerField("新增", default=0)
    rows_updated = models.PositiveIntegerField("更新", default=0)
    rows_unchanged = models.PositiveIntegerField("未变", default=0)
    rows_ended = models.PositiveIntegerField("终止(不再出现)", default=0)
    rows_rejected = models.PositiveIntegerField("拒绝", default=0)
    errors = models.JSONField("错误(前1000条)", default=list, blank=True)
    error_report = models.CharField("错误报告文件", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入批次"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.file_name} {self.get_status_display()}"

    @property
    def rows_staged(self) -> int:
        """Rows written as a new version by this run (new + updated)."""
        return self.rows_new + self.rows_updated


class SourceRecordQuerySet(models.QuerySet):
    def current(self) -> "SourceRecordQuerySet":
        """The versions in force: not ended."""
        return self.filter(valid_to__isnull=True)


class SourceRecord(models.Model):
    """One row of a department's list, normalized; one version of it.

    Indexes are few on purpose: a million-row import maintains every one of them. The (source, key)
    index serves lookups by source too, so the foreign keys carry no index of their own, and no
    database-level constraint either: records are written only by `import_file`, in the same
    transaction as the run they point to, and checking a million deferred constraints at commit
    cost seconds (on_delete=PROTECT still holds through the ORM)."""

    source = models.ForeignKey(
        Source,
        verbose_name="数据来源",
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
        db_constraint=False,
    )
    key = models.CharField("主键", max_length=255)
    content_hash = models.CharField("内容摘要", max_length=40)
    row_number = models.PositiveIntegerField("文件行号")
    # the person columns every source shares, normalized, for linkage
    name = models.CharField("姓名", max_length=50, blank=True)
    id_number = models.CharField("身份证号", max_length=18, blank=True, db_index=True)
    sex = models.CharField("性别", max_length=1, blank=True)
    birth_on = models.DateField("出生日期", null=True, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    address = models.CharField("地址", max_length=300, blank=True)
    area_code = models.CharField("地址所属区域", max_length=32, blank=True, db_index=True)
    building_code = models.CharField("地址所属楼栋", max_length=40, blank=True)
    # comparison columns for record linkage, derived at import (pipeline.linkage_columns)
    name_pinyin = models.CharField("姓名拼音", max_length=120, blank=True)  # zhangwei
    surname_pinyin = models.CharField("姓氏拼音", max_length=40, blank=True)  # zhang, ouyang
    community_code = models.CharField("地址所属社区", max_length=32, blank=True)
    estate_code = models.CharField("地址所属小区", max_length=40, blank=True)
    room = models.CharField(
        "户室", max_length=40, blank=True
    )  # 2-402 in a building, 3-15 in a village
    fields = models.JSONField("字段(规范化后)", default=dict)
    flags = models.JSONField("提示", default=list, blank=True)
    # the row as read, as JSON text: shown, never queried, so the database need not parse it
    raw_json = models.TextField("原始行(JSON)", default="{}")
    first_run = models.ForeignKey(
        ImportRun,
        verbose_name="写入批次",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    valid_from = models.DateTimeField("生效时间")
    valid_to = models.DateTimeField("终止时间", null=True, blank=True)
    ended_run = models.ForeignKey(
        ImportRun,
        verbose_name="终止批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    objects = SourceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "源记录"
        indexes = [
            models.Index(fields=["source", "key"], name="sourcerecord_source_key"),
            # what imports wrote or ended since a run: the assessment re-assesses those records'
            # households only (assessment/actions.py)
            models.Index(fields=["first_run"], name="sourcerecord_first_run"),
            models.Index(
                fields=["ended_run"],
                name="sourcerecord_ended_run",
                condition=models.Q(ended_run__isnull=False),
            ),
        ]
        constraints = [
            # one version in force per key of a source
            models.UniqueConstraint(
                fields=["source", "key"],
                condition=models.Q(valid_to__isnull=True),
                name="one_current_record_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.code}:{self.key}"

    @property
    def raw(self) -> dict:
        """The cells of the row as the department sent them, by header."""
        return json.loads(self.raw_json)

    @property
    def last_run_id(self) -> int:
        """The run that last touched this version: the one that ended it, else the one that wrote it."""
        return self.ended_run_id or self.first_run_id
