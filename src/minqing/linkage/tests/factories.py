"""Source records, link runs and review items made by hand, for the review pages and API."""

from __future__ import annotations

import datetime as dt
import json
from itertools import count

from django.utils import timezone

from minqing.areas.models import Area
from minqing.linkage.models import LinkRun, ReviewItem, ReviewKind
from minqing.sources.models import ImportRun, RunStatus, Source, SourceRecord

_numbers = count(1)

# a Splink model as `minqing link` saves it, cut down to two comparisons
MODEL = {
    "link_type": "dedupe_only",
    "comparisons": [
        {
            "output_column_name": "name",
            "comparison_levels": [
                {"sql_condition": "name_l IS NULL", "is_null_level": True},
                {
                    "sql_condition": "name_l = name_r",
                    "label_for_charts": "姓名相同",
                    "m_probability": 0.9,
                    "u_probability": 0.001,
                    "tf_adjustment_column": "name",
                },
                {"sql_condition": "ELSE", "label_for_charts": "不同", "m_probability": 0.1},
            ],
        },
        {
            "output_column_name": "phone",
            "comparison_levels": [
                {
                    "sql_condition": "phone_l = phone_r",
                    "label_for_charts": "电话相同",
                    "m_probability": 0.8,
                    "u_probability": 0.0001,
                },
                {
                    "sql_condition": "ELSE",
                    "label_for_charts": "不同",
                    "m_probability": 0.2,
                    "u_probability": 0.9999,
                },
            ],
        },
    ],
}


def make_source(code: str = "gongan_huji", name: str = "户籍人口") -> Source:
    source, _ = Source.objects.get_or_create(
        code=code, defaults={"name": name, "department": "public_security", "kind": "xlsx"}
    )
    return source


def make_record(
    source: Source,
    key: str,
    *,
    area: Area | None = None,
    name: str = "",
    id_number: str = "",
    sex: str = "",
    birth_on: dt.date | None = None,
    phone: str = "",
    address: str = "",
    fields: dict | None = None,
) -> SourceRecord:
    """The current version of one record (one import run of its own); `fields`: the normalized
    row, as far as a test needs it."""
    now = timezone.now()
    run = ImportRun.objects.create(
        source=source,
        file_name=f"{source.code}.xlsx",
        file_hash=f"{next(_numbers):064d}",
        file_size=1,
        started_at=now,
        finished_at=now,
        status=RunStatus.SUCCEEDED,
    )
    return SourceRecord.objects.create(
        source=source,
        key=key,
        content_hash="0" * 40,
        row_number=2,
        name=name,
        id_number=id_number,
        sex=sex,
        birth_on=birth_on,
        phone=phone,
        address=address,
        area_code=area.code if area else "",
        fields=fields or {},
        first_run=run,
        valid_from=now,
    )


def make_run(**fields) -> LinkRun:
    fields = {"started_at": timezone.now(), "model_json": json.dumps(MODEL), **fields}
    return LinkRun.objects.create(**fields)


def make_item(
    left: SourceRecord,
    right: SourceRecord | None = None,
    *,
    probability: float | None = 0.5,
    kind: str | None = None,
    run: LinkRun | None = None,
    **fields,
) -> ReviewItem:
    run = run or LinkRun.objects.first() or make_run()
    return ReviewItem.objects.create(
        kind=kind or (ReviewKind.PAIR if right else ReviewKind.UNLINKED),
        left_source=left.source,
        left_key=left.key,
        right_source=right.source if right else None,
        right_key=right.key if right else "",
        probability=probability,
        match_weight=None if probability is None else round(probability * 4 - 2, 2),
        first_run=run,
        last_run=run,
        **fields,
    )


ID_1 = "41081120160205161X"
ID_2 = "410811198003071234"
PHONE_1 = "13812345678"


def make_review_queue(areas: dict[str, Area]) -> dict[str, ReviewItem]:
    """Four open items in the test district (see conftest.py), by where their left record is:
    "fengshou" (定和街道 丰收社区 第1网格, a pair), "xinhua" (定和街道 新华社区, a pair),
    "jiaodong" (焦东街道, a hotline record with no candidate), "nowhere" (no area code)."""
    huji = make_source("gongan_huji", "户籍人口")
    xueji = make_source("jiaoyu_xueji", "学籍信息")
    hotline = make_source("hotline_12345", "12345热线与焦我办工单")
    fengshou = areas["定和街道/丰收社区/第1网格"]
    a1 = make_record(
        huji,
        ID_1,
        area=fengshou,
        name="王鹏哲",
        id_number=ID_1,
        sex="M",
        birth_on=dt.date(2016, 2, 5),
        phone=PHONE_1,
        address="定和街道丰收社区太行嘉苑1号楼3单元201室",
    )
    a2 = make_record(
        xueji,
        f"G{ID_1}",
        area=fengshou,
        name="玉鹏哲",
        id_number=ID_1,
        sex="M",
        birth_on=dt.date(2016, 2, 5),
        phone="13899995678",  # differs from PHONE_1 only where masked
        address="定和街道丰收社区太行嘉苑1号楼3单元201室",
    )
    b1 = make_record(
        huji, ID_2, area=areas["定和街道/新华社区/第1网格"], name="林华丽", id_number=ID_2, sex="F"
    )
    b2 = make_record(hotline, "SY20260504000001", name="林女士", phone="18337301785")
    c1 = make_record(
        hotline, "SY20260504000002", area=areas["焦东街道/建设社区"], phone="13900001111"
    )
    d1 = make_record(huji, "410811199001011111", name="赵无址", id_number="410811199001011111")
    return {
        "fengshou": make_item(a1, a2, probability=0.7),
        "xinhua": make_item(b1, b2, probability=0.5),
        "jiaodong": make_item(c1, probability=None),
        "nowhere": make_item(d1, a1, probability=0.4),
    }
