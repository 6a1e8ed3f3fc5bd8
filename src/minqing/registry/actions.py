"""Writes to the registry: loading the district's places, organizations and facilities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from minqing.areas.actions import feature_label, read_features
from minqing.areas.models import Area
from minqing.audit.actions import record
from minqing.registry.models import (
    Facility,
    FacilityKind,
    Organization,
    OrganizationKind,
    Place,
    PlaceKind,
)


@transaction.atomic
def load_places(path: Path, *, by: Any = None) -> dict:
    """Create or update places (estates, buildings, service centres) from a GeoJSON file of
    points, matched by code; a building's `parent_code` names its estate, in the file or already
    loaded. Idempotent; a bad file raises ValueError naming the feature, and nothing is written."""
    rows = _parse(read_features(path), model=Place, kinds=PlaceKind, own=("parent_code", "address"))
    in_file = {r["code"] for r in rows}
    in_db = set(Place.objects.values_list("code", flat=True))
    for row in rows:
        parent = row["parent_code"]
        if parent == row["code"]:
            raise ValueError(f"{row['label']}：上级场所不能是自己")
        if parent and parent not in in_file and parent not in in_db:
            raise ValueError(f"{row['label']}：上级场所编码 {parent} 不存在")
    wanted = {
        r["code"]: {
            "name": r["name"],
            "kind": r["kind"],
            "area_id": r["area_id"],
            "address": r["address"] or "",
            "lng": r["lng"],
            "lat": r["lat"],
            "properties": r["properties"],
        }
        for r in rows
    }
    counts = _upsert(Place, wanted, parents={r["code"]: r["parent_code"] for r in rows})
    return _audited("registry.load_places", "场所", path, counts, by)


@transaction.atomic
def load_organizations(path: Path, *, by: Any = None) -> dict:
    """Create or update organizations from a GeoJSON file of points, matched by code; an
    optional `place_code` names a place already loaded. Idempotent and all-or-nothing."""
    rows = _parse(
        read_features(path), model=Organization, kinds=OrganizationKind, own=("place_code",)
    )
    place_ids = _place_ids(rows)
    wanted = {
        r["code"]: {
            "name": r["name"],
            "kind": r["kind"],
            "area_id": r["area_id"],
            "place_id": place_ids.get(r["place_code"]),
            "lng": r["lng"],
            "lat": r["lat"],
            "properties": r["properties"],
        }
        for r in rows
    }
    counts = _upsert(Organization, wanted)
    return _audited("registry.load_organizations", "组织", path, counts, by)


@transaction.atomic
def load_facilities(path: Path, *, by: Any = None) -> dict:
    """Create or update facilities from a GeoJSON file of points, matched by code; an optional
    `place_code` names a place already loaded. Idempotent and all-or-nothing."""
    rows = _parse(
        read_features(path), model=Facility, kinds=FacilityKind, own=("place_code", "is_working")
    )
    place_ids = _place_ids(rows)
    wanted = {}
    for r in rows:
        is_working = True if r["is_working"] is None else r["is_working"]
        if not isinstance(is_working, bool):
            raise ValueError(f"{r['label']}：is_working 应为 true 或 false")
        wanted[r["code"]] = {
            "name": r["name"],
            "kind": r["kind"],
            "area_id": r["area_id"],
            "place_id": place_ids.get(r["place_code"]),
            "lng": r["lng"],
            "lat": r["lat"],
            "is_working": is_working,
            "properties": r["properties"],
        }
    counts = _upsert(Facility, wanted)
    return _audited("registry.load_facilities", "设施", path, counts, by)


def _parse(
    features: list[dict],
    *,
    model: type[models.Model],
    kinds: type[models.TextChoices],
    own: tuple[str, ...],
) -> list[dict]:
    """Validated rows: code, name, kind, area_id, lng, lat, the `own` keys, and every other
    property under `properties`."""
    area_ids = dict(Area.objects.values_list("code", "id"))
    max_code = model._meta.get_field("code").max_length
    max_name = model._meta.get_field("name").max_length
    rows: list[dict] = []
    seen: set[str] = set()
    for n, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ValueError(f"第{n}个要素不是 GeoJSON Feature")
        props = dict(feature.get("properties") or {})
        label = feature_label(n, props)
        code = str(props.pop("code", "") or "").strip()
        name = str(props.pop("name", "") or "").strip()
        kind = props.pop("kind", None)
        area_code = str(props.pop("area_code", "") or "").strip()
        if not code or len(code) > max_code:
            raise ValueError(f"{label}：编码为空或超过 {max_code} 个字符")
        if not name or len(name) > max_name:
            raise ValueError(f"{label}：名称为空或超过 {max_name} 个字符")
        if code in seen:
            raise ValueError(f"{label}：编码 {code} 重复")
        seen.add(code)
        if kind not in kinds.values:
            raise ValueError(f"{label}：类型 {kind!r} 无效，应为 {'/'.join(kinds.values)}")
        if area_code not in area_ids:
            raise ValueError(f"{label}：所在区域编码 {area_code or '(空)'} 不存在")
        lng, lat = _point(feature.get("geometry"), label)
        row = {
            "code": code,
            "name": name,
            "kind": kind,
            "area_id": area_ids[area_code],
            "lng": lng,
            "lat": lat,
            "label": label,
        }
        for key in own:
            row[key] = props.pop(key, None)
        if isinstance(row.get("address"), str) and len(row["address"]) > 200:
            raise ValueError(f"{label}：地址超过 200 个字符")
        row["properties"] = props
        rows.append(row)
    return rows


def _point(geometry: Any, label: str) -> tuple[float, float]:
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        raise ValueError(f"{label}：位置应为 Point，实际为 {kind}")
    coords = geometry.get("coordinates")
    if (
        not isinstance(coords, list)
        or len(coords) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2])
        or not (-180 <= coords[0] <= 180 and -90 <= coords[1] <= 90)
    ):
        raise ValueError(f"{label}：坐标 {coords!r} 无效")
    return float(coords[0]), float(coords[1])


def _place_ids(rows: list[dict]) -> dict[str, int]:
    place_ids = dict(Place.objects.values_list("code", "id"))
    for row in rows:
        if row["place_code"] and row["place_code"] not in place_ids:
            raise ValueError(f"{row['label']}：场所编码 {row['place_code']} 不存在（请先导入场所）")
    return place_ids


def _upsert(
    model: type[models.Model],
    wanted: dict[str, dict],
    *,
    parents: dict[str, str | None] | None = None,
) -> dict:
    """Make the table agree with `wanted` (code → field values) for those codes. `parents` maps
    a code to the code of its parent row in the same table, created first when new."""
    existing = model.objects.in_bulk(list(wanted), field_name="code")
    ids = dict(model.objects.values_list("code", "id")) if parents else {}

    def values(code: str) -> dict:
        if parents is None:
            return wanted[code]
        parent = parents.get(code)
        return {**wanted[code], "parent_id": ids[parent] if parent else None}

    pending = [code for code in wanted if code not in existing]
    created = len(pending)
    while pending:  # parents before children
        ready = [c for c in pending if parents is None or not parents.get(c) or parents[c] in ids]
        if not ready:
            raise ValueError(f"上级关系成环：{', '.join(pending[:5])}")
        model.objects.bulk_create([model(code=c, **values(c)) for c in ready], batch_size=1000)
        if parents is None:
            break
        ids = dict(model.objects.values_list("code", "id"))
        pending = [c for c in pending if c not in ids]

    now = timezone.now()
    changed = []
    for code, obj in existing.items():
        target = values(code)
        if any(getattr(obj, field) != value for field, value in target.items()):
            for field, value in target.items():
                setattr(obj, field, value)
            obj.updated_at = now
            changed.append(obj)
    if changed:
        fields = [*values(changed[0].code), "updated_at"]
        model.objects.bulk_update(changed, fields, batch_size=500)
    return {"created": created, "updated": len(changed), "unchanged": len(existing) - len(changed)}


def _audited(action: str, what: str, path: Path, counts: dict, by: Any) -> dict:
    name = Path(path).name
    record(
        action,
        by=by,
        summary=(
            f"导入{what} {name}：新增 {counts['created']}，更新 {counts['updated']}，"
            f"未变 {counts['unchanged']}"
        ),
        details={"file": name, **counts},
    )
    return counts
