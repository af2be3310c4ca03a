"""A trigram GIN index on the stored folded search text (PostgreSQL): LIKE '%st25%' and the typo-tolerant
word similarity (%>) both use it. Nothing to do on SQLite."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS product_search_trgm_idx ON catalog_product USING gin (search_folded gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS product_search_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_catalogue_products_lots_certificates")]

    operations = [migrations.RunPython(forwards, backwards)]
