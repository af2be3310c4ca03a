from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("integrations", "0003_delivery_log_retention_indexes")]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="secret_sealed",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret_sealed",
            field=models.TextField(blank=True),
        ),
    ]
