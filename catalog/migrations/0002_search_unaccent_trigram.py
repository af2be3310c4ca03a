"""Search on PostgreSQL: unaccent + pg_trgm, an immutable market_fold(text) = lower(unaccent(text)) (đ -> d
included), and a trigram GIN index on the folded search text. Nothing to do on SQLite, where the app
registers a Python market_fold on each connection."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

FOLD_FUNCTION = """
CREATE OR REPLACE FUNCTION market_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
"""
INDEX = (
    "CREATE INDEX IF NOT EXISTS product_search_trgm_idx "
    "ON catalog_product USING gin (market_fold(search_text) gin_trgm_ops)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FOLD_FUNCTION)
    schema_editor.execute(INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS product_search_trgm_idx")
    schema_editor.execute("DROP FUNCTION IF EXISTS market_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_catalogue_products_lots_certificates")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(forwards, backwards),
    ]
