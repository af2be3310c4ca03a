"""API tokens get scopes, an expiry and the address they were last used from.

Tokens made before scopes existed keep working as they did: they are marked legacy (every scope of their
user, no expiry) until an owner rotates them into a scoped, expiring token.
"""

from django.db import migrations, models


def mark_existing_tokens_legacy(apps, schema_editor):
    ApiToken = apps.get_model("organisations", "ApiToken")
    ApiToken.objects.update(is_legacy=True)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_user_email_lower_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="expires"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="is_legacy",
            field=models.BooleanField(default=False, verbose_name="legacy (all scopes)"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="last_used_ip",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="last used from"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(blank=True, default=list, verbose_name="scopes"),
        ),
        # Going back drops the fields, so the reverse has nothing to undo.
        migrations.RunPython(mark_existing_tokens_legacy, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("is_legacy", True), ("expires_at__isnull", False), _connector="OR"),
                name="api_token_expires_unless_legacy",
            ),
        ),
    ]
