"""The catalogue's search rows (catalog.models.SearchRow), filled from the products the catalogue shows.

On PostgreSQL the table is partitioned by ranges of 2**18 product ids (catalog.services.search_rows.PARTITION_IDS
when this was written), each partition with a trigram index on the folded search text; on SQLite a plain table.
"""

import django.db.models.deletion
from django.db import migrations, models

PARTITION_IDS = 2**18
COLUMNS = "id, cooperative_id, category_id, origin_province_code, price_per_base_unit, moq, name_folded, search_folded"
LISTED = (
    "FROM catalog_product p JOIN organisations_organisation o ON o.id = p.cooperative_id"
    " WHERE p.status = 'published' AND o.verification_status = 'verified'"
)


def create_table(apps, schema_editor):
    model = apps.get_model("catalog", "SearchRow")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.create_model(model)
        schema_editor.execute(f"INSERT INTO catalog_searchrow ({COLUMNS}) SELECT {_p(COLUMNS)} {LISTED}")
        return
    sql, params = schema_editor.table_sql(model)
    schema_editor.execute(f"{sql} PARTITION BY RANGE (id)", params or None)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT p.id / {PARTITION_IDS} {LISTED}")  # noqa: S608
        keys = sorted(k for (k,) in cursor.fetchall())
    for k in keys:  # as catalog.services.search_rows._ensure_partitions names and bounds them
        schema_editor.execute(
            f"CREATE TABLE catalog_searchrow_{k} PARTITION OF catalog_searchrow"
            f" FOR VALUES FROM ({k * PARTITION_IDS}) TO ({(k + 1) * PARTITION_IDS})"
        )
    schema_editor.execute(f"INSERT INTO catalog_searchrow ({COLUMNS}) SELECT {_p(COLUMNS)} {LISTED}")
    # The indexes after the rows: one build per partition rather than one insertion per row.
    for index in model._meta.indexes:
        schema_editor.add_index(model, index)
    schema_editor.execute(
        "CREATE INDEX search_row_trgm_idx ON catalog_searchrow USING gin (search_folded gin_trgm_ops)"
    )
    schema_editor.execute("ANALYZE catalog_searchrow")


def _p(columns: str) -> str:
    return ", ".join(f"p.{column.strip()}" for column in columns.split(","))


def drop_table(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("catalog", "SearchRow"))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0011_trace_event_sync_index"),
        ("organisations", "__first__"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchRow",
                    fields=[
                        (
                            "product",
                            models.OneToOneField(
                                db_column="id",
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="catalog.product",
                            ),
                        ),
                        ("cooperative_id", models.BigIntegerField()),
                        ("category_id", models.BigIntegerField()),
                        ("origin_province_code", models.PositiveSmallIntegerField()),
                        ("price_per_base_unit", models.BigIntegerField(null=True)),
                        ("moq", models.DecimalField(decimal_places=3, max_digits=14)),
                        ("name_folded", models.TextField()),
                        ("search_folded", models.TextField()),
                    ],
                    options={
                        "indexes": [
                            models.Index(fields=["origin_province_code"], name="search_row_province_idx"),
                            models.Index(fields=["category_id"], name="search_row_category_idx"),
                            models.Index(fields=["cooperative_id"], name="search_row_cooperative_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],  # the table as each database makes it (and filled), by:
        ),
        migrations.RunPython(create_table, drop_table),
    ]
