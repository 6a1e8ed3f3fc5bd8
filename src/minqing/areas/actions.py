"""Writes to the area tree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from django.db import transaction
from django.utils import timezone

from minqing.areas.models import LEVEL_DEPTH, Area, Level
from minqing.audit.actions import record

FIELDS = ["name", "level", "parent_id", "path", "geometry", "center_lng", "center_lat"]


def read_features(path: Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"无法读取 {Path(path).name}：{exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError(f"{Path(path).name} 不是 GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise ValueError(f"{Path(path).name} 缺少 features 列表")
    return features


def feature_label(n: int, props: dict) -> str:
    """'第3个要素（410811001 定和街道）' — how error messages name a feature."""
    name = props.get("name")
    return f"第{n}个要素（{props.get('code') or '无编码'}{' ' + str(name) if name else ''}）"


@transaction.atomic
def load_areas(path: Path, *, by: Any = None) -> dict:
    """Create or update areas from a GeoJSON file (areas.geojson of the synthetic district, or a
    district's own boundaries), matched by code. Running it again on the same file changes
    nothing. A bad file raises ValueError naming the feature, and nothing is written."""
    rows = _validate(read_features(path))
    existing = {a.code: a for a in Area.objects.all()}
    paths = {code: a.path for code, a in existing.items()}
    ids = {code: a.pk for code, a in existing.items()}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    moved: list[tuple[str, str]] = []  # (old path, new path) of areas whose parent changed
    now = timezone.now()
    for depth in range(len(LEVEL_DEPTH)):
        to_update = []
        for row in (r for r in rows if LEVEL_DEPTH[Level(r["level"])] == depth):
            parent = row["parent_code"]
            paths[row["code"]] = f"{paths[parent]}/{row['code']}" if parent else row["code"]
            wanted = {
                "name": row["name"],
                "level": row["level"],
                "parent_id": ids[parent] if parent else None,
                "path": paths[row["code"]],
                "geometry": row["geometry"],
                "center_lng": row["center_lng"],
                "center_lat": row["center_lat"],
            }
            area = existing.get(row["code"])
            if area is None:
                area = Area.objects.create(code=row["code"], **wanted)
                ids[area.code] = area.pk
                counts["created"] += 1
            elif any(getattr(area, f) != v for f, v in wanted.items()):
                if area.path != wanted["path"]:
                    moved.append((area.path, wanted["path"]))
                for field, value in wanted.items():
                    setattr(area, field, value)
                area.updated_at = now
                to_update.append(area)
            else:
                counts["unchanged"] += 1
        Area.objects.bulk_update(to_update, [*FIELDS, "updated_at"], batch_size=200)
        counts["updated"] += len(to_update)
    _move_descendants(moved, {r["code"] for r in rows})
    record(
        "areas.load_areas",
        by=by,
        summary=(
            f"导入区域 {Path(path).name}：新增 {counts['created']}，更新 {counts['updated']}，"
            f"未变 {counts['unchanged']}"
        ),
        details={"file": Path(path).name, **counts},
    )
    return counts


def _validate(features: list[dict]) -> list[dict]:
    rows: list[dict] = []
    seen: dict[str, str] = {}
    for n, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ValueError(f"第{n}个要素不是 GeoJSON Feature")
        props = feature.get("properties") or {}
        label = feature_label(n, props)
        code = str(props.get("code") or "").strip()
        name = str(props.get("name") or "").strip()
        if not code:
            raise ValueError(f"{label}：缺少编码")
        if not name:
            raise ValueError(f"{label}：缺少名称")
        if code in seen:
            raise ValueError(f"{label}：编码 {code} 重复")
        level = props.get("level")
        if level not in Level.values:
            raise ValueError(f"{label}：层级 {level!r} 无效，应为 {'/'.join(Level.values)}")
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in (
            "Polygon",
            "MultiPolygon",
        ):
            kind = geometry.get("type") if isinstance(geometry, dict) else None
            raise ValueError(f"{label}：边界应为 Polygon 或 MultiPolygon，实际为 {kind}")
        try:
            shape = shapely.geometry.shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError) as exc:
            raise ValueError(f"{label}：边界无法解析（{exc}）") from exc
        if not shape.is_valid:
            raise ValueError(f"{label}：边界无效（{shapely.is_valid_reason(shape)}）")
        seen[code] = level
        rows.append(
            {
                "code": code,
                "name": name,
                "level": level,
                "parent_code": str(props.get("parent_code") or "").strip() or None,
                "geometry": geometry,
                "center_lng": _number(props.get("center_lng"), label, "中心经度"),
                "center_lat": _number(props.get("center_lat"), label, "中心纬度"),
                "label": label,
            }
        )
    in_db = dict(Area.objects.values_list("code", "level"))
    for row in rows:
        parent, label, depth = row["parent_code"], row["label"], LEVEL_DEPTH[Level(row["level"])]
        if depth == 0:
            if parent:
                raise ValueError(f"{label}：区级区域不应有上级（{parent}）")
            continue
        if not parent:
            raise ValueError(f"{label}：缺少上级编码")
        parent_level = seen.get(parent) or in_db.get(parent)
        if parent_level is None:
            raise ValueError(f"{label}：上级编码 {parent} 不存在")
        if LEVEL_DEPTH[Level(parent_level)] != depth - 1:
            raise ValueError(
                f"{label}：层级顺序错误，{Level(row['level']).label}的上级不能是"
                f"{Level(parent_level).label}（{parent}）"
            )
    return rows


def _number(value: Any, label: str, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{label}：{what}应为数字，实际为 {value!r}")
    return float(value)


def _move_descendants(moved: list[tuple[str, str]], in_file: set[str]) -> None:
    """Areas not in the file keep their place under a parent that moved."""
    for old, new in moved:
        below = list(Area.objects.filter(path__startswith=old + "/").exclude(code__in=in_file))
        for area in below:
            area.path = new + area.path[len(old) :]
        Area.objects.bulk_update(below, ["path"], batch_size=200)
