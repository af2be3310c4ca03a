"""Production refuses to start without its secrets and passes `check --deploy`; the compose file is valid."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import compose

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_BINARY = Path(compose.__file__).parent / "docker-compose"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    dropped = {"DJANGO_SETTINGS_MODULE", "MARKET_ENV", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "MARKET_ENV": "production",
    "DATABASE_URL": "postgres://market:pw@127.0.0.1:5432/market",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "market.lienminh-angiang.example",
    "DJANGO_SETTINGS_MODULE": "market.settings",
}


def test_production_refuses_to_start_without_secret_key():
    result = manage("check", **PRODUCTION)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_development_key():
    result = manage(
        "check", **PRODUCTION, SECRET_KEY="dev-only-secret-key-never-used-in-production-0123456789abcdefghijklmnop"
    )
    assert result.returncode != 0


def test_production_passes_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_is_valid_and_complete():
    env = dict(os.environ, POSTGRES_PASSWORD="validation-only")
    quiet = subprocess.run(
        [str(COMPOSE_BINARY), "-f", "docker-compose.yml", "config", "-q"], cwd=ROOT, env=env, capture_output=True
    )
    assert quiet.returncode == 0, quiet.stderr
    result = subprocess.run(
        [str(COMPOSE_BINARY), "-f", "docker-compose.yml", "config", "--format", "json"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    services = json.loads(result.stdout)["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_validator_really_rejects_a_broken_file(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  web:\n    image: x\n    depends_on: [missing]\n")
    result = subprocess.run([str(COMPOSE_BINARY), "-f", str(broken), "config", "-q"], capture_output=True)
    assert result.returncode != 0
