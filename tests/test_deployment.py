"""Production refuses to start without its secrets and passes `check --deploy`; the compose file is valid."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import compose
import pytest
from cryptography.fernet import Fernet
from django.conf import settings

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
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, SECRET_KEY=secrets.token_urlsafe(64),
        WEBHOOK_SECRET_KEYS=Fernet.generate_key().decode(),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_web_worker_loads_every_apps_urls_and_views_before_its_first_request():
    """gunicorn imports market.wsgi in each worker before it accepts requests; the URLconf was imported on the
    first request instead, which then waited seconds (every app's views compiled and imported)."""
    env = {**{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY"}}, **PRODUCTION}
    views = ("fairs.api", "frontend.views.catalog", "orders.api.views")
    probe = f"import gc, sys, market.wsgi; print([m for m in {views!r} if m in sys.modules], gc.get_freeze_count() > 0)"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env | {"SECRET_KEY": secrets.token_urlsafe(64)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # …and leaves what it loaded out of the garbage collector's passes (gc.freeze).
    assert result.stdout.splitlines()[-1] == f"{list(views)} True"


def test_check_deploy_warns_while_webhook_secrets_are_sealed_with_a_key_derived_from_secret_key():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode != 0
    assert "integrations.W001" in result.stderr
    assert "WEBHOOK_SECRET_KEYS" in result.stderr


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
    env = dict(os.environ, POSTGRES_PASSWORD="validation-only", MINIO_ROOT_PASSWORD="validation-only")
    quiet = subprocess.run(
        [str(COMPOSE_BINARY), "-f", "docker-compose.yml", "config", "-q"], cwd=ROOT, env=env, capture_output=True
    )
    assert quiet.returncode == 0, quiet.stderr
    result = subprocess.run(
        [str(COMPOSE_BINARY), "-f", "docker-compose.yml", "config", "--format", "json"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    config = json.loads(result.stdout)
    services = config["services"]
    workers = {"worker", "worker-payments", "worker-notifications", "worker-bulk"}
    assert set(services) == {
        "postgres", "pgbouncer", "redis", "minio", "minio-buckets", "migrate", "web", "proxy", *workers, "beat",
    }  # fmt: skip
    for name in ("postgres", "redis", "minio", "web", *workers):
        assert "healthcheck" in services[name], name
    # The load balancer's readiness check: database, Redis, broker and migrations.
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # `docker compose up --scale web=3 --scale worker=4`: scaled services have no fixed name or host port.
    for name in ("web", *workers):
        assert "container_name" not in services[name], name
        assert not services[name].get("ports"), name
    assert services["proxy"]["ports"][0]["published"] == "8000"
    assert "resolver 127.0.0.11" in config["configs"]["nginx"]["content"]
    # One queue group per worker service, every queue of the routes consumed by one of them.
    queues = {name: services[name]["command"][services[name]["command"].index("--queues") + 1] for name in workers}
    assert queues == {
        "worker": "default",
        "worker-payments": "payments",
        "worker-notifications": "notifications",
        "worker-bulk": "bulk",
    }
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} <= set(queues.values())
    # Graceful shutdown: gunicorn's graceful timeout fits in the web grace period; workers get time to finish.
    assert services["web"]["stop_grace_period"] == "40s"
    assert all(services[name]["stop_signal"] == "SIGTERM" for name in workers)
    # PgBouncer in transaction mode, and Django told so; migrations go straight to PostgreSQL.
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    assert services["web"]["environment"]["DATABASE_POOLING"] == "transaction"
    assert "@pgbouncer:5432/" in services["web"]["environment"]["DATABASE_URL"]
    assert "@postgres:5432/" in services["migrate"]["environment"]["DATABASE_URL"]
    # The bulk workers (exports, reconciliation) stream through server-side cursors: straight to PostgreSQL.
    assert services["worker-bulk"]["environment"]["DATABASE_POOLING"] == ""
    assert "@postgres:5432/" in services["worker-bulk"]["environment"]["DATABASE_URL"]
    # Uploaded files in MinIO, through django-storages.
    assert services["web"]["environment"]["S3_ENDPOINT_URL"] == "http://minio:9000"


def test_compose_validator_really_rejects_a_broken_file(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  web:\n    image: x\n    depends_on: [missing]\n")
    result = subprocess.run([str(COMPOSE_BINARY), "-f", str(broken), "config", "-q"], capture_output=True)
    assert result.returncode != 0


@pytest.mark.parametrize("task", ["market.exports.tasks.run_export_job", "market.payments.tasks.run_reconciliation"])
def test_long_jobs_go_to_the_bulk_workers_which_connect_straight_to_postgres(task):
    from market.celery import app

    assert app.amqp.router.route({}, task)["queue"].name == "bulk"
