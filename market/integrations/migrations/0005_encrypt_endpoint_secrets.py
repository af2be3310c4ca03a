"""The secrets kept in clear until now are encrypted (market/integrations/secret_box.py); the reverse writes them
back in clear. The keys come from the settings, so the module's functions are used, not a frozen copy."""

from django.db import migrations

from market.integrations.secret_box import seal, unseal


def encrypt(apps, schema_editor):
    Endpoint = apps.get_model("integrations", "WebhookEndpoint")
    for endpoint in Endpoint.objects.order_by("pk").iterator(chunk_size=500):
        endpoint.secret_sealed = seal(endpoint.secret)
        endpoint.previous_secret_sealed = seal(endpoint.previous_secret) if endpoint.previous_secret else ""
        endpoint.save(update_fields=["secret_sealed", "previous_secret_sealed"])


def decrypt(apps, schema_editor):
    Endpoint = apps.get_model("integrations", "WebhookEndpoint")
    for endpoint in Endpoint.objects.order_by("pk").iterator(chunk_size=500):
        endpoint.secret = unseal(endpoint.secret_sealed)
        endpoint.previous_secret = unseal(endpoint.previous_secret_sealed) if endpoint.previous_secret_sealed else ""
        endpoint.save(update_fields=["secret", "previous_secret"])


class Migration(migrations.Migration):
    dependencies = [("integrations", "0004_endpoint_secret_sealed_fields")]

    operations = [migrations.RunPython(encrypt, decrypt)]
