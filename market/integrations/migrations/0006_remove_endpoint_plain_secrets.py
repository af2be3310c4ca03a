from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_encrypt_endpoint_secrets")]

    operations = [
        migrations.RemoveField(model_name="webhookendpoint", name="secret"),
        migrations.RemoveField(model_name="webhookendpoint", name="previous_secret"),
    ]
