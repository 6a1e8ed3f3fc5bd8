"""The comparison columns for record linkage on SourceRecord, and their values for the records
imported before them: computed by the import's own functions (pipeline.linkage_columns) from
each record's name and address, re-resolved against the gazetteer in the database now."""

from django.db import migrations, models

CHUNK = 50_000


def fill_linkage_columns(apps, schema_editor):
    import polars as pl

    from minqing.sources.normalizers.address import resolve
    from minqing.sources.pipeline import LINKAGE_COLUMNS, linkage_columns
    from minqing.sources.queries import build_gazetteer

    record_model = apps.get_model("sources", "SourceRecord")
    records = record_model.objects.using(schema_editor.connection.alias)
    if not records.exists():
        return
    gazetteer = build_gazetteer(apps)
    table = record_model._meta.db_table
    assignments = ", ".join(f"{c} = %s" for c in LINKAGE_COLUMNS)
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            chunk = pl.DataFrame(
                list(
                    records.filter(id__gt=last)
                    .order_by("id")
                    .values_list("id", "name", "address")[:CHUNK]
                ),
                schema={"id": pl.Int64, "name": pl.String, "address": pl.String},
                orient="row",
            )
            if not chunk.height:
                return
            last = chunk["id"].max()
            names, addresses = (chunk[c].replace("", None) for c in ("name", "address"))
            resolved = resolve(addresses, gazetteer) if addresses.is_not_null().any() else None
            values = linkage_columns(names, resolved, gazetteer).with_columns(chunk["id"])
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = %s",
                values.filter(pl.any_horizontal(pl.col(LINKAGE_COLUMNS) != "")).rows(),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0001_initial"),
        ("areas", "0001_initial"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="sourcerecord",
            name="community_code",
            field=models.CharField(blank=True, max_length=32, verbose_name="地址所属社区"),
        ),
        migrations.AddField(
            model_name="sourcerecord",
            name="estate_code",
            field=models.CharField(blank=True, max_length=40, verbose_name="地址所属小区"),
        ),
        migrations.AddField(
            model_name="sourcerecord",
            name="name_pinyin",
            field=models.CharField(blank=True, max_length=120, verbose_name="姓名拼音"),
        ),
        migrations.AddField(
            model_name="sourcerecord",
            name="room",
            field=models.CharField(blank=True, max_length=40, verbose_name="户室"),
        ),
        migrations.AddField(
            model_name="sourcerecord",
            name="surname_pinyin",
            field=models.CharField(blank=True, max_length=40, verbose_name="姓氏拼音"),
        ),
        migrations.RunPython(fill_linkage_columns, migrations.RunPython.noop, elidable=True),
    ]
