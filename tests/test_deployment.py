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


def env_example() -> dict[str, str]:
    """The variables of .env.example as docker compose's env_file sets them (empty ones set, to "")."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_production_with_env_example_copied_to_env_falls_back_on_defaults_for_empty_values():
    """README: `cp .env.example .env`, fill in the secrets, `docker compose up`. Its empty variables mean
    "the default", not "empty": an empty STATIC_ROOT would serve no static files (500 on every page), an
    empty CELERY_BROKER_URL would send tasks to amqp://localhost and an empty EMAIL_BACKEND would send none."""
    code = (
        "from django.conf import settings as s; import json; print(json.dumps([str(s.STATIC_ROOT), "
        "s.CELERY_BROKER_URL, s.EMAIL_BACKEND, s.LANGUAGE_CODE]))"
    )
    secrets_set = {"SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "market.lienminh-angiang.example"}
    compose_sets = {k: PRODUCTION[k] for k in ("MARKET_ENV", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    result = manage("shell", "-c", code, **(env_example() | secrets_set | compose_sets))
    assert result.returncode == 0, result.stderr
    static_root, broker, email, language = json.loads(result.stdout.splitlines()[-1])
    assert static_root == str(ROOT / "staticfiles"), "where the image's collectstatic wrote"
    assert broker == PRODUCTION["REDIS_URL"]
    assert email == "django.core.mail.backends.smtp.EmailBackend"
    assert language == "vi"


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
