"""Links that leave the site (QR labels, trace links, e-mails) follow the port `make run` serves on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def site_url(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT", "DJANGO_SETTINGS_MODULE"}}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "MARKET_ENV": "development", "DJANGO_SETTINGS_MODULE": "market.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.strip().splitlines()[-1]


def test_site_url_follows_the_port_when_unset(tmp_path):
    """`PORT=8101 make run` encoded http://127.0.0.1:8000 in QR labels and trace links."""
    var = str(tmp_path)
    assert site_url(PORT="8101", MARKET_VAR_DIR=var) == "http://127.0.0.1:8101"
    assert site_url(MARKET_VAR_DIR=var) == "http://127.0.0.1:8000"


def test_an_explicit_site_url_wins(tmp_path):
    assert site_url(PORT="8101", SITE_URL="https://cho.lienminh.example/", MARKET_VAR_DIR=str(tmp_path)) == (
        "https://cho.lienminh.example"
    )
