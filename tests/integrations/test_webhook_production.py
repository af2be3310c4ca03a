"""In production the receiver addresses of development are refused (no SSRF): loopback and plain HTTP are off
unless switched on, and production refuses to start with them switched on."""

from __future__ import annotations

import secrets

from cryptography.fernet import Fernet

from tests.test_deployment import PRODUCTION, manage

READ = "from django.conf import settings; print(settings.WEBHOOKS_ALLOW_LOOPBACK)"
SECRETS = {"SECRET_KEY": secrets.token_urlsafe(64), "WEBHOOK_SECRET_KEYS": Fernet.generate_key().decode()}


def test_production_allows_no_loopback_receiver_by_default():
    result = manage("shell", "-c", READ, **PRODUCTION, **SECRETS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_production_refuses_to_start_with_loopback_receivers_switched_on():
    result = manage("shell", "-c", READ, **PRODUCTION, **SECRETS, WEBHOOKS_ALLOW_LOOPBACK="1")
    assert result.returncode != 0
    assert "WEBHOOKS_ALLOW_LOOPBACK must be off in production" in result.stderr
