"""From a read table to staged records: check the headers, normalize every field, cross-check,
find duplicates, build keys and content hashes. Pure Polars, no Django, no database.

The result holds the records to stage (one row per accepted file row) and the row errors (row,
column, value, reason — in Chinese), so the caller can decide to write, or to refuse the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

from minqing.sources.definitions import SourceDefinition
from minqing.sources.normalizers.registry import NORMALIZERS
from minqing.sources.readers import FileRejected, Table

# comparison columns for record linkage, derived from the name and the resolved address
# (see linkage_columns)
LINKAGE_COLUMNS = ["name_pinyin", "surname_pinyin", "community_code", "estate_code", "room"]
ERROR_SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}
RECORD_COLUMNS = [
    "row_number",
    "key",
    "content_hash",
    "name",
    "id_number",
    "sex",
    "birth_on",
    "phone",
    "address",
    "area_code",
    "building_code",
    *LINKAGE_COLUMNS,
    "fields",
    "flags",
    "raw",
]


@dataclass
class Staged:
    records: pl.DataFrame  # RECORD_COLUMNS; fields/flags/raw are JSON text
    errors: pl.DataFrame  # ERROR_SCHEMA, sorted by row
    rows_read: int

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.records.height


def check_headers(definition: SourceDefinition, table: Table) -> None:
    """Refuse a file whose header does not carry the definition's required columns."""
    present = set(table.frame.columns)
    expected = definition.columns
    if not present & set(expected):
        raise FileRejected(
            f"表头与数据来源「{definition.name}」不符: 应有 {'、'.join(expected)}; "
            f"文件的列是 {'、'.join(c for c in table.frame.columns if c != '__row')}。可能选错了数据来源或表头行。"
        )
    missing = [c for c in definition.required_columns if c not in present]
    if missing:
        raise FileRejected(f"缺少必需的列: {'、'.join(missing)} (数据来源「{definition.name}」)")


def stage(definition: SourceDefinition, table: Table, *, gazetteer=None) -> Staged:
    """Normalize and check every row of the table against the definition."""
    check_headers(definition, table)
    frame = table.frame
    n = frame.height
    rows = frame["__row"]
    errors: list[pl.DataFrame] = []
    flags: list[pl.Series] = []
    values: dict[str, pl.Series] = {}

    def row_errors(mask: pl.Series, column: str, raw: pl.Series, reason: pl.Series | str) -> None:
        if not mask.any():
            return
        reasons = (
            reason.filter(mask)
            if isinstance(reason, pl.Series)
            else pl.repeat(reason, int(mask.sum()), eager=True)
        )
        errors.append(
            pl.DataFrame(
                {
                    "row": rows.filter(mask),
                    "column": pl.repeat(column, int(mask.sum()), eager=True),
                    "value": raw.filter(mask),
                    "reason": reasons,
                },
                schema=ERROR_SCHEMA,
            )
        )

    address_parts = None
    valid_ids = None
    for spec in definition.fields:
        if spec.column not in frame.columns:
            values[spec.field] = pl.repeat(None, n, dtype=pl.String, eager=True)
            continue
        raw = frame[spec.column]
        options = dict(spec.options)
        if spec.type == "address":
            options["gazetteer"] = gazetteer
        checked = NORMALIZERS[spec.type](raw, options)
        bad = checked.error.is_not_null()
        value = checked.value
        if spec.on_error == "reject":
            row_errors(bad, spec.column, raw, checked.error)
        else:
            if checked.kept is not None:
                # the value as written, where the normalizer deems it worth keeping
                value = value.fill_null(checked.kept)
            flags.append(_note(bad, pl.lit(f"{spec.column}: ") + checked.error))
            if spec.required or (spec.field in definition.key and not definition.key_fallback):
                # a key or required value that could not be kept is missing: reject the row
                row_errors(bad & value.is_null(), spec.column, raw, checked.error)
        empty = checked.value.is_null() & ~bad
        if spec.required:
            row_errors(empty, spec.column, raw, "必填项为空")
        flags.append(_note(checked.flag.is_not_null(), pl.lit(f"{spec.column}: ") + checked.flag))
        values[spec.field] = value
        if spec.field == "id_number":
            # only an ID that passes every check vouches for the birth date and sex
            valid_ids = checked.value
        if spec.type == "address" and address_parts is None and gazetteer is not None:
            from minqing.sources.normalizers.address import resolve

            address_parts = resolve(raw, gazetteer)
            values.setdefault("__address", checked.value)

    community = next((f.column for f in definition.fields if f.field == "community_name"), None)
    if address_parts is None and gazetteer is not None and community in frame.columns:
        # a list without addresses that names the community (高龄津贴, 两项补贴) is placed in
        # it: linkage compares names within a community, which places a row without its ID
        from minqing.sources.normalizers.address import resolve

        address_parts = resolve(frame[community], gazetteer)
    _cross_check(definition, frame, values, valid_ids, row_errors, flags)
    if definition.key_fallback:
        _fallback_keys(definition, frame, values, row_errors, flags)
    for row, column in table.formula_cells:
        errors.append(
            pl.DataFrame(
                {
                    "row": [row],
                    "column": [column],
                    "value": [""],
                    "reason": ["单元格是公式, 请以数值形式导出后重新导入"],
                },
                schema=ERROR_SCHEMA,
            )
        )

    error_frame = pl.concat(errors) if errors else pl.DataFrame(schema=ERROR_SCHEMA)
    rejected = (
        rows.is_in(error_frame["row"].unique().implode())
        if error_frame.height
        else pl.repeat(False, n, eager=True)
    )

    records = _records(definition, frame, values, flags, address_parts, gazetteer)
    records = records.filter(~rejected)
    records, dup_errors = _duplicates(definition, records)
    if dup_errors.height:
        error_frame = pl.concat([error_frame, dup_errors])
    return Staged(records=records, errors=error_frame.sort("row", "column"), rows_read=n)


def _note(mask: pl.Series, text: pl.Expr) -> pl.Series:
    """A remark where mask holds, null elsewhere."""
    return pl.select(pl.when(mask).then(text).alias("note")).to_series()


def _cross_check(definition, frame, values, ids, row_errors, flags) -> None:
    """Birth date and sex against the (valid) ID number; fill them from the ID where the list
    lacks them. An ID kept though it fails its checks is not trusted for either."""
    from minqing.sources.normalizers.idnumber import birth_dates, sexes

    if ids is None:
        return
    id_birth = birth_dates(ids)
    id_sex = sexes(ids)
    given = values.get("birth_on")
    if given is not None and any(
        f.field == "birth_on" for f in definition.fields if f.column in frame.columns
    ):
        column = next(f.column for f in definition.fields if f.field == "birth_on")
        mismatch = (given.is_not_null() & id_birth.is_not_null() & (given != id_birth)).fill_null(
            False
        )
        reason = (
            pl.lit("出生日期与身份证号不符(身份证为")
            + id_birth.dt.strftime("%Y-%m-%d")
            + pl.lit(")")
        )
        row_errors(mismatch, column, frame[column], pl.select(reason).to_series())
    values["birth_on"] = given.fill_null(id_birth) if given is not None else id_birth
    sex = values.get("sex")
    if sex is not None:
        differs = (sex.is_not_null() & id_sex.is_not_null() & (sex != id_sex)).fill_null(False)
        flags.append(_note(differs, pl.lit("性别与身份证号不符")))
        values["sex"] = sex.fill_null(id_sex)
    else:
        values["sex"] = id_sex


def _label(definition: SourceDefinition, names) -> str:
    """The department's headers of our field `names`, as a user reads them: 姓名、所属社区."""
    columns = {f.field: f.column for f in definition.fields}
    return "、".join(columns[n] for n in names)


def _fallback_keys(definition, frame, values, row_errors, flags) -> None:
    """A row whose key is empty is keyed by the definition's key_fallback fields instead (with a
    remark saying so); without all of those it is rejected, naming what is missing."""
    n = frame.height
    key_missing = pl.select(
        pl.any_horizontal([values[k].is_null() for k in definition.key])
    ).to_series()
    fallback_missing = pl.select(
        pl.any_horizontal([values[k].is_null() for k in definition.key_fallback])
    ).to_series()
    first_key = next(f for f in definition.fields if f.field == definition.key[0])
    raw = (
        frame[first_key.column]
        if first_key.column in frame.columns
        else pl.repeat(None, n, dtype=pl.String, eager=True)
    )
    row_errors(
        key_missing & fallback_missing,
        first_key.column,
        raw,
        f"{_label(definition, definition.key)}为空, 且{_label(definition, definition.key_fallback)}"
        "不全, 无法识别此行",
    )
    flags.append(
        _note(
            key_missing & ~fallback_missing,
            pl.lit(
                f"{_label(definition, definition.key)}为空: "
                f"以{_label(definition, definition.key_fallback)}识别此行"
            ),
        )
    )


def _text(series: pl.Series) -> pl.Series:
    if series.dtype == pl.Date:
        return series.dt.strftime("%Y-%m-%d")
    return series.cast(pl.String)


def linkage_columns(names: pl.Series, resolved: pl.DataFrame | None, gazetteer) -> pl.DataFrame:
    """LINKAGE_COLUMNS for normalized names and their rows' resolved addresses (RESOLVED_SCHEMA,
    or None when there is no address or gazetteer), "" where there is nothing:

    - name_pinyin, surname_pinyin: normalizers.pinyin.name_pinyins (zhangwei, zhang);
    - community_code: the community (社区/村) the address's area lies in (area_code may be a
      grid or a community; empty when the address only reaches a street);
    - estate_code: the estate (小区) of the address;
    - room: the dwelling inside the building or village, normalizers.address.rooms ("2-402",
      "402", "3-15").
    Also used by the migration that fills these columns for records imported before them."""
    from minqing.sources.normalizers.address import rooms
    from minqing.sources.normalizers.pinyin import name_pinyins

    out = name_pinyins(names)
    if resolved is None or gazetteer is None:
        return out.with_columns(
            [pl.lit("").alias(c) for c in ("community_code", "estate_code", "room")]
        ).select(LINKAGE_COLUMNS)
    return out.with_columns(
        community_code=gazetteer.community_codes(resolved["area_code"]),
        estate_code=resolved["estate_code"],
        room=rooms(resolved),
    ).select([pl.col(c).fill_null("") for c in LINKAGE_COLUMNS])


def _records(definition, frame, values, flags, address_parts, gazetteer) -> pl.DataFrame:
    n = frame.height
    field_names = [f.field for f in definition.fields]
    normalized = pl.DataFrame({name: _text(values[name]) for name in field_names})
    flag_list = (
        pl.DataFrame({f"f{i}": s for i, s in enumerate(flags)}).select(
            pl.concat_list(pl.all()).list.drop_nulls().alias("flags")
        )["flags"]
        if flags
        else pl.repeat([], n, dtype=pl.List(pl.String), eager=True)
    )
    raw_cols = [c for c in frame.columns if c != "__row"]
    key = pl.concat_str([pl.col(k).fill_null("") for k in definition.key], separator="|")
    if definition.key_fallback:
        # "~" keeps a fallback key apart from every real one (no ID number starts with it)
        key = (
            pl.when(pl.any_horizontal([pl.col(k).is_null() for k in definition.key]))
            .then(
                pl.lit("~")
                + pl.concat_str([pl.col(k) for k in definition.key_fallback], separator="|")
            )
            .otherwise(key)
        )
    key = normalized.select(key).to_series()
    residence = values.get("residence_address")
    address = residence if residence is not None else values.get("hukou_address")
    empty = pl.repeat(None, n, dtype=pl.String, eager=True)
    out = pl.DataFrame(
        {
            "row_number": frame["__row"],
            "key": key,
            "name": values.get("name", empty),
            "id_number": values.get("id_number", empty),
            "sex": values.get("sex", empty),
            "birth_on": values.get("birth_on", pl.repeat(None, n, dtype=pl.Date, eager=True)),
            "phone": values.get("phone", empty),
            "address": address if address is not None else empty,
            "area_code": address_parts["area_code"] if address_parts is not None else empty,
            "building_code": address_parts["building_code"] if address_parts is not None else empty,
            **linkage_columns(values.get("name", empty), address_parts, gazetteer).to_dict(),
            "fields": normalized.select(pl.struct(pl.all()).struct.json_encode()).to_series(),
            "flags": pl.DataFrame({"flags": flag_list})
            .select(
                pl.struct("flags")
                .struct.json_encode()
                .str.slice(len('{"flags":'))
                .str.strip_suffix("}")
            )
            .to_series(),
            "raw": frame.select(pl.struct(raw_cols).struct.json_encode()).to_series(),
        }
    )
    # the content hash covers the normalized fields and the remarks
    digests = [
        hashlib.sha1(f"{fields}\u001e{flags_}".encode()).hexdigest()
        for fields, flags_ in zip(out["fields"].to_list(), out["flags"].to_list(), strict=True)
    ]
    return out.with_columns(content_hash=pl.Series(digests)).select(RECORD_COLUMNS)


def _duplicates(
    definition: SourceDefinition, records: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the first row of each key; reject the later ones, saying which row they repeat."""
    marked = records.with_columns(
        first_row=pl.col("row_number").first().over("key"),
        first_hash=pl.col("content_hash").first().over("key"),
    )
    later = marked.filter(pl.col("row_number") != pl.col("first_row"))
    key_label = _label(definition, definition.key)
    errors = later.select(
        row=pl.col("row_number").cast(pl.Int64),
        column=pl.lit(key_label),
        value=pl.col("key"),
        reason=pl.when(pl.col("content_hash") == pl.col("first_hash"))
        .then(pl.lit("与第") + pl.col("first_row").cast(pl.String) + pl.lit("行完全重复"))
        .otherwise(
            pl.lit("与第")
            + pl.col("first_row").cast(pl.String)
            + pl.lit(f"行的{key_label}相同, 但内容不同")
        ),
    )
    kept = marked.filter(pl.col("row_number") == pl.col("first_row")).select(RECORD_COLUMNS)
    return kept, errors
