"""`manage.py check --deploy` warns while the webhook secrets are sealed with a key derived from SECRET_KEY, and
refuses keys that are not Fernet keys."""

from __future__ import annotations

import binascii
from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def check_webhook_secret_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    for position, key in enumerate(getattr(settings, "WEBHOOK_SECRET_KEYS", []), start=1):
        try:
            Fernet(key.encode())
        except (ValueError, binascii.Error):
            problems.append(
                checks.Error(
                    f"WEBHOOK_SECRET_KEYS: key {position} is not a Fernet key (32 url-safe base64-encoded bytes).",
                    hint='Make one with: python -c "from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())"',
                    id="integrations.E001",
                )
            )
    return problems


@checks.register(checks.Tags.security, deploy=True)
def check_webhook_secret_keys_deploy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if getattr(settings, "WEBHOOK_SECRET_KEYS", []):
        return []
    return [
        checks.Warning(
            "WEBHOOK_SECRET_KEYS is empty: webhook endpoint secrets are encrypted with a key derived from SECRET_KEY, "
            "so rotating SECRET_KEY without keeping the old one in SECRET_KEY_FALLBACKS makes every endpoint's "
            "secret unreadable, and one leaked SECRET_KEY opens them.",
            hint="Set WEBHOOK_SECRET_KEYS to a key of its own, then run `manage.py webhook_secrets_reseal`.",
            id="integrations.W001",
        )
    ]
