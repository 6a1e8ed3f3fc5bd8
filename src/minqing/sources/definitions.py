"""Source definitions: one TOML file per department list (sources/definitions/CODE.toml).

A definition says how to read the file (kind, encoding, sheet, header row), which of the
department's Chinese headers map to which of our fields, with which normalizer and whether the
field is required, and which fields make the natural key of a row. A new department's list needs
a new file here, not new code. Pure Python: no Django.

`delivery` says what a file is: "full" (the default) — the department's whole current list, so a
row missing from the next file has ended (left the roll); "batch" — only what changed or was asked
for (the 核对中心's reports for one request list), so earlier rows stay current until a newer
row with the same key replaces them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
KINDS = {"csv", "xlsx"}
DELIVERIES = {"full", "batch"}
ENCODINGS = {"auto", "utf-8", "utf-8-sig", "gbk", "gb18030"}
TYPES = {
    "text",
    "name",
    "id_number",
    "sex",
    "phone",
    "date",
    "money",
    "integer",
    "choice",
    "address",
}
# Fields every source may carry that SourceRecord keeps in columns of their own (for linkage).
PERSON_FIELDS = {
    "name",
    "id_number",
    "sex",
    "birth_on",
    "phone",
    "residence_address",
    "hukou_address",
}


class DefinitionError(ValueError):
    """A definition file is wrong; the message names the file and the problem."""


@dataclass(frozen=True)
class FieldSpec:
    column: str  # the department's header
    field: str  # our name for it
    type: str  # normalizer
    required: bool = False
    # reject: the row is rejected; keep: the row is kept with the error as a remark, and the
    # value as written where the normalizer says it is worth keeping (an ID number of the right
    # shape whose check digit fails), else left empty — a key or required value left empty
    # still rejects the row
    on_error: str = "reject"
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SourceDefinition:
    code: str
    name: str
    department: str
    kind: str
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...]
    description: str = ""
    # fields that key a row whose key is empty (a roll row without its ID number): the row is
    # kept, remarked, and linkage places it by name, phone and address as it can
    key_fallback: tuple[str, ...] = ()
    encoding: str = "auto"
    sheet: str | None = None
    header_row: int = 1
    file_pattern: str = ""
    max_rejected_share: float = 0.2
    delivery: str = "full"
    path: str = ""

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.fields]

    @property
    def required_columns(self) -> list[str]:
        return [f.column for f in self.fields if f.required or f.field in self.key]

    def matches(self, file_name: str) -> bool:
        return bool(self.file_pattern) and fnmatch(file_name, self.file_pattern)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "department": self.department,
            "kind": self.kind,
            "description": self.description,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "file_pattern": self.file_pattern,
            "key": list(self.key),
            "key_fallback": list(self.key_fallback),
            "max_rejected_share": self.max_rejected_share,
            "delivery": self.delivery,
            "fields": [
                {
                    "column": f.column,
                    "field": f.field,
                    "type": f.type,
                    "required": f.required,
                    "on_error": f.on_error,
                    "options": f.options,
                }
                for f in self.fields
            ],
        }


def parse(data: dict, *, path: str = "") -> SourceDefinition:
    """Check a definition's data and build it; DefinitionError names what is wrong."""
    where = path or data.get("code", "?")

    def fail(msg: str) -> DefinitionError:
        return DefinitionError(f"数据来源定义 {where}: {msg}")

    for name in ("code", "name", "department", "kind", "key", "fields"):
        if name not in data:
            raise fail(f"缺少 {name}")
    known = {
        "code",
        "name",
        "department",
        "kind",
        "key",
        "key_fallback",
        "fields",
        "description",
        "encoding",
        "sheet",
        "header_row",
        "file_pattern",
        "max_rejected_share",
        "delivery",
    }
    if unknown := set(data) - known:
        raise fail(f"未知的设置 {', '.join(sorted(unknown))}")
    if data["kind"] not in KINDS:
        raise fail(f"kind 应为 csv 或 xlsx, 不是 {data['kind']!r}")
    encoding = data.get("encoding", "auto")
    if encoding not in ENCODINGS:
        raise fail(f"encoding 应为 {'/'.join(sorted(ENCODINGS))} 之一, 不是 {encoding!r}")
    share = float(data.get("max_rejected_share", 0.2))
    if not 0 <= share <= 1:
        raise fail("max_rejected_share 应在 0 到 1 之间")
    delivery = data.get("delivery", "full")
    if delivery not in DELIVERIES:
        raise fail(f"delivery 应为 full(全量名单) 或 batch(批次), 不是 {delivery!r}")
    header_row = int(data.get("header_row", 1))
    if header_row < 1:
        raise fail("header_row 从 1 开始")
    fields = []
    for i, f in enumerate(data["fields"], start=1):
        for name in ("column", "field", "type"):
            if name not in f:
                raise fail(f"第{i}个字段缺少 {name}")
        if f["type"] not in TYPES:
            raise fail(
                f"字段 {f['column']} 的类型 {f['type']!r} 不存在 (可用: {', '.join(sorted(TYPES))})"
            )
        if f.get("on_error", "reject") not in ("reject", "keep"):
            raise fail(f"字段 {f['column']} 的 on_error 应为 reject 或 keep")
        if f["type"] == "choice" and not f.get("options", {}).get("choices"):
            raise fail(f"字段 {f['column']} 是 choice 类型, 需要 options.choices")
        if unknown := set(f) - {"column", "field", "type", "required", "on_error", "options"}:
            raise fail(f"字段 {f['column']} 有未知的设置 {', '.join(sorted(unknown))}")
        fields.append(
            FieldSpec(
                column=f["column"],
                field=f["field"],
                type=f["type"],
                required=bool(f.get("required", False)),
                on_error=f.get("on_error", "reject"),
                options=dict(f.get("options", {})),
            )
        )
    for attr in ("column", "field"):
        values = [getattr(f, attr) for f in fields]
        if dups := sorted({v for v in values if values.count(v) > 1}):
            raise fail(f"重复的{'列' if attr == 'column' else '字段'}: {', '.join(dups)}")
    key = tuple(data["key"])
    field_names = {f.field for f in fields}
    if not key or (missing := [k for k in key if k not in field_names]):
        raise fail(f"主键字段必须是已定义的字段: {', '.join(missing) if key else '主键为空'}")
    fallback = tuple(data.get("key_fallback", ()))
    if missing := [k for k in fallback if k not in field_names]:
        raise fail(f"key_fallback 的字段必须是已定义的字段: {', '.join(missing)}")
    return SourceDefinition(
        code=data["code"],
        name=data["name"],
        department=data["department"],
        kind=data["kind"],
        fields=tuple(fields),
        key=key,
        key_fallback=fallback,
        description=data.get("description", ""),
        encoding=encoding,
        sheet=data.get("sheet"),
        header_row=header_row,
        file_pattern=data.get("file_pattern", ""),
        max_rejected_share=share,
        delivery=delivery,
        path=path,
    )


def load(path: Path) -> SourceDefinition:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DefinitionError(f"数据来源定义 {path.name} 无法读取: {exc}") from exc
    definition = parse(data, path=path.name)
    if definition.code != path.stem:
        raise DefinitionError(f"数据来源定义 {path.name}: code 应与文件名相同 ({path.stem})")
    return definition


def load_all(folder: Path = DEFINITIONS_DIR) -> dict[str, SourceDefinition]:
    """Every definition in the folder, by code."""
    return {d.code: d for d in (load(p) for p in sorted(folder.glob("*.toml")))}
