from django.db import models

from minqing.core.models import Model


class Level(models.TextChoices):
    DISTRICT = "district", "区"
    STREET = "street", "街道"
    COMMUNITY = "community", "社区"
    GRID = "grid", "网格"


LEVEL_DEPTH = {Level.DISTRICT: 0, Level.STREET: 1, Level.COMMUNITY: 2, Level.GRID: 3}


class AreaQuerySet(models.QuerySet):
    def within(self, area: "Area") -> "AreaQuerySet":
        """The area and everything below it."""
        return self.filter(path__startswith=area.path)

    def grids(self) -> "AreaQuerySet":
        return self.filter(level=Level.GRID)


class Area(Model):
    """District → street → community → grid. `path` is the chain of codes from the district,
    so a subtree is one indexed prefix match."""

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=200, db_index=True)
    geometry = models.JSONField("边界(GeoJSON)", null=True, blank=True)
    center_lng = models.FloatField("中心经度", null=True, blank=True)
    center_lat = models.FloatField("中心纬度", null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "区域"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return LEVEL_DEPTH[Level(self.level)]

    @property
    def indented_name(self) -> str:
        """The name indented by depth with ideographic spaces (a street flush, its communities one
        step in, their grids two): an area's line in a select of the areas below the district."""
        return "\u3000" * max(self.depth - 1, 0) + self.name

    @property
    def level_label(self) -> str:
        """街道 or 乡/镇 for a street-level area, 社区 or 村 for a community, by its name."""
        for suffix in ("乡", "镇", "村"):
            if self.level in (Level.STREET, Level.COMMUNITY) and self.name.endswith(suffix):
                return suffix
        return self.get_level_display()

    @property
    def full_name(self) -> str:
        """'定和街道丰收社区第1网格' — the way reports name a place, without the district."""
        names = []
        node: Area | None = self
        while node is not None and node.level != Level.DISTRICT:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names)) or self.name
