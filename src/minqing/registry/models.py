"""人 地 事 物 组织: the people and things the district keeps track of.

Persons, households and memberships are built by linkage (a later box of the data flow) from
the source records; places, organizations and facilities are loaded from the district's own lists.
"""

from django.db import models

from minqing.core.models import Model


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Person(Model):
    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, blank=True)
    birth_on = models.DateField("出生日期", null=True, blank=True)
    id_number = models.CharField("身份证号", max_length=18, blank=True, db_index=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    died_on = models.DateField("死亡日期", null=True, blank=True)
    # written by linkage: each value of the golden record with the source that said it and when,
    # and what the sources disagree on (two ID numbers, two birth dates)
    golden = models.JSONField("综合记录(来源)", default=dict, blank=True)
    conflicts = models.JSONField("冲突", default=list, blank=True)
    record_count = models.PositiveIntegerField("源记录数", default=0)
    # a person no run finds any more (their records were merged into another) keeps their id
    is_active = models.BooleanField("有效", default=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "人员"

    def __str__(self) -> str:
        return self.name


class HouseholdQuerySet(models.QuerySet):
    def within(self, area) -> "HouseholdQuerySet":
        return self.filter(area__path__startswith=area.path)

    def active(self) -> "HouseholdQuerySet":
        """Households the latest link run found (an old one no run finds any more is kept, inactive)."""
        return self.filter(is_active=True)


class Household(Model):
    number = models.CharField("户号", max_length=32, blank=True, db_index=True)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name="所在网格",
        on_delete=models.PROTECT,
        related_name="households",
    )
    address = models.CharField("居住地址", max_length=200, blank=True)
    place = models.ForeignKey(
        "registry.Place",
        verbose_name="楼栋",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
    )
    # how linkage found the household: "hukou:<户号>" from the register, "home:<building>/<room>"
    # from a shared dwelling, "person:<id>" for one person alone; stable across runs
    key = models.CharField("识别键", max_length=80, blank=True, db_index=True)
    flags = models.JSONField("待核实问题", default=list, blank=True)
    is_active = models.BooleanField("有效", default=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "家庭户"

    def __str__(self) -> str:
        return self.number or f"户{self.pk}"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    SIBLING = "sibling", "兄弟姐妹"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    GRANDPARENT = "grandparent", "祖父母"
    OTHER = "other", "其他"
    # a caller known only from 12345 work orders without a name or an ID number, who called from
    # this household's home (linkage/households.py): not counted as a member by assessment
    CALLER = "caller", "来电人(身份未识别)"


class MembershipQuerySet(models.QuerySet):
    def counted(self) -> "MembershipQuerySet":
        """Without the 来电人 (Relation.CALLER): most likely a member already counted."""
        return self.exclude(relation=Relation.CALLER)


class Membership(Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField("与户主关系", max_length=16, choices=Relation.choices)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "家庭成员"
        constraints = [
            models.UniqueConstraint(fields=["household", "person"], name="one_membership_per_pair"),
        ]


class InAreaQuerySet(models.QuerySet):
    def within(self, area) -> "InAreaQuerySet":
        return self.filter(area__path__startswith=area.path)


class MapItem(Model):
    """What every thing on the map has: a code from its source list, a name, a point."""

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    lng = models.FloatField("经度")
    lat = models.FloatField("纬度")
    properties = models.JSONField("属性", default=dict, blank=True)

    objects = InAreaQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class PlaceKind(models.TextChoices):
    ESTATE = "estate", "小区"
    BUILDING = "building", "楼栋"
    SERVICE_CENTER = "service_center", "便民服务中心"
    SCHOOL = "school", "学校"
    CLINIC = "clinic", "卫生服务站"


class Place(MapItem):
    """地: estates, their buildings, service centres. A building's parent is its estate."""

    kind = models.CharField("类型", max_length=20, choices=PlaceKind.choices)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name="所在网格",
        on_delete=models.PROTECT,
        related_name="places",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="所属",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    address = models.CharField("地址", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "地(场所)"


class OrganizationKind(models.TextChoices):
    PARTY = "party", "党组织"
    PROPERTY = "property", "物业公司"
    COUNCIL = "council", "党群议事会"
    SOCIAL = "social", "社会组织"
    ENTERPRISE = "enterprise", "企业"


class Organization(MapItem):
    kind = models.CharField("类型", max_length=20, choices=OrganizationKind.choices)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name="所在区域",
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    place = models.ForeignKey(
        Place,
        verbose_name="场所",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organizations",
    )

    class Meta:
        verbose_name = verbose_name_plural = "组织"


class FacilityKind(models.TextChoices):
    STREETLIGHT = "streetlight", "路灯"
    ELEVATOR = "elevator", "电梯"
    OLD_TREE = "old_tree", "古树"
    FIRE_HYDRANT = "fire_hydrant", "消防栓"
    CAMERA = "camera", "监控探头"
    MANHOLE = "manhole", "井盖"
    CHARGER = "charger", "充电桩"


class Facility(MapItem):
    """物: streetlights, elevators, old trees … each at a point in a grid."""

    kind = models.CharField("类型", max_length=20, choices=FacilityKind.choices)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name="所在网格",
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    place = models.ForeignKey(
        Place,
        verbose_name="场所",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilities",
    )
    is_working = models.BooleanField("状态正常", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "物(设施)"
