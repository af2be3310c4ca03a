"""The clauses a new linkage contract starts with (linkage/clauses.py)."""

from django.db import migrations

from linkage.clauses import CLAUSES, ensure_clause_templates


def add(apps, schema_editor):
    ensure_clause_templates(apps.get_model("linkage", "ClauseTemplate"), using=schema_editor.connection.alias)


def remove(apps, schema_editor):
    apps.get_model("linkage", "ClauseTemplate").objects.filter(code__in=[c[0] for c in CLAUSES]).delete()


class Migration(migrations.Migration):
    dependencies = [("linkage", "0001_contracts_versions_call_offs_deliveries")]

    operations = [migrations.RunPython(add, remove)]
