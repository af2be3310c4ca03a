"""An import remembers the file's own headers and unread columns, a VAT category for rows without one, and
whether to publish the new products at once (and which could not be)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_product_price_per_base_unit")]

    operations = [
        migrations.AddField(model_name="importbatch", name="headers", field=models.JSONField(default=dict)),
        migrations.AddField(model_name="importbatch", name="ignored_columns", field=models.JSONField(default=list)),
        migrations.AddField(
            model_name="importbatch",
            name="default_vat_category",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="catalog.vatcategory",
            ),
        ),
        migrations.AddField(model_name="importbatch", name="publish_new", field=models.BooleanField(default=False)),
        migrations.AddField(
            model_name="importbatch", name="published_count", field=models.PositiveIntegerField(default=0)
        ),
        migrations.AddField(model_name="importbatch", name="publish_refused", field=models.JSONField(default=list)),
    ]
