"""The production image serves its pages: the Dockerfile's own collectstatic writes the manifest that
production's storage needs, and the Dockerfile's own gunicorn command serves the main pages, /robots.txt and
/favicon.ico without a 500.

No Docker engine here: the commands are read out of the Dockerfile and run on this machine, with production
settings pointing at the test PostgreSQL and Redis, so this test breaks when the Dockerfile drifts.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from django.conf import settings
from django.core.management import call_command

from catalog.models import HarvestLot, LotStatus, Product, ProductStatus
from fairs.models import Fair
from fairs.selectors import PLAN_PUBLIC_STATUSES
from market.organisations.models import Organisation, OrganisationKind
from tests.conftest import child_database_url
from tests.test_deployment import env_example

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of the Dockerfile, continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            keyword, _, arguments = current.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            current = ""
    return instructions


def dockerfile_command(word: str) -> tuple[dict[str, str], list[str]]:
    """The shell command of a RUN step that calls `word`: its leading VAR=value assignments and its argv."""
    for keyword, arguments in dockerfile_instructions():
        if keyword != "RUN":
            continue
        for command in arguments.split("&&"):
            if word in command:
                tokens = shlex.split(command)
                assignments = {}
                while tokens and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", tokens[0]):
                    name, _, value = tokens.pop(0).partition("=")
                    assignments[name] = value
                return assignments, tokens
    raise AssertionError(f"no RUN step of the Dockerfile calls {word}")


def dockerfile_cmd() -> list[str]:
    return json.loads(next(arguments for keyword, arguments in dockerfile_instructions() if keyword == "CMD"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **headers})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Runs the Dockerfile's collectstatic as the build does: only its own variables, no secret, no server."""
    root = tmp_path_factory.mktemp("staticfiles")
    assignments, argv = dockerfile_command("collectstatic")
    assert argv[:2] == ["python", "manage.py"], argv
    assert assignments.get("MARKET_ENV") == "production", "the image must build its static files for production"
    build_env = {"PATH": os.environ["PATH"], "HOME": str(root), **assignments, "STATIC_ROOT": str(root)}
    result = subprocess.run(
        [sys.executable, *argv[1:]], cwd=ROOT, env=build_env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture
def production_server(static_root: Path, tmp_path: Path) -> Iterator[str]:
    """The Dockerfile's CMD (gunicorn) with production settings on the test database and Redis."""
    command = dockerfile_cmd()
    assert command[0] == "gunicorn"
    port = free_port()
    command = [sys.executable, "-m", *command]
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    # Several gunicorns share this machine: each gets its own control socket (gunicorn 27).
    command += ["--control-socket", str(tmp_path / "gunicorn.ctl")]
    dropped = {"DJANGO_SETTINGS_MODULE", "MARKET_ENV", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("PYTEST")}
    # As docker compose runs it: .env.example copied to .env (its empty values included), then the secrets.
    env |= env_example() | {
        "MARKET_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": child_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
    }
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited ({process.returncode}):\n{log.read_text()}")
            try:
                if get(f"{base}/healthz")[0] in (200, 503):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer:\n{log.read_text()}")
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_image_builds_hashed_compressed_static_files_with_a_manifest(static_root: Path):
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    hashed = manifest["paths"]["frontend/app.css"]
    assert hashed != "frontend/app.css"
    assert (static_root / hashed).exists()
    assert (static_root / f"{hashed}.gz").exists()
    assert (static_root / f"{hashed}.br").exists()


def test_production_serves_the_main_pages(production_server: str):
    call_command("seed_demo", verbosity=0)
    product = Product.objects.filter(status=ProductStatus.PUBLISHED).order_by("pk").first()
    lot = HarvestLot.objects.exclude(status=LotStatus.DRAFT).order_by("pk").first()
    fair = Fair.objects.filter(status__in=PLAN_PUBLIC_STATUSES).order_by("pk").first()
    cooperative = Organisation.objects.filter(kind=OrganisationKind.COOPERATIVE).order_by("pk").first()
    assert None not in (product, lot, fair, cooperative), "the demo has something to show"
    pages = [
        "/",
        "/catalogue/",
        "/catalogue/?search=gao+st25",
        f"/products/{product.pk}/",
        f"/trace/{lot.public_id}/",
        f"/cooperatives/{cooperative.pk}/",
        "/fairs/",
        f"/fairs/{fair.slug}/",
        f"/fairs/{fair.slug}/plan/",
        "/login/",
        "/sign-up/",
        "/admin/login/",
        "/api/docs/",
    ]
    status, _headers, body = get(production_server + "/healthz")
    assert (status, json.loads(body)["broker"]) == (200, True), body
    failures, assets = {}, set()
    for page in pages:
        status, _headers, body = get(production_server + page)
        if status != 200:
            failures[page] = status
        assets.update(re.findall(r"""(/static/[^"'\s?#)]+)""", body.decode(errors="replace")))
    assert not failures, failures
    for path, content_type in [("/robots.txt", "text/plain; charset=utf-8"), ("/favicon.ico", "image/svg+xml")]:
        status, headers, _body = get(production_server + path)
        assert (status, headers["Content-Type"]) == (200, content_type), path
    # Pages go out compressed (brotli) in production too.
    status, headers, body = get(production_server + "/catalogue/", **{"Accept-Encoding": "gzip, deflate, br"})
    assert headers["Content-Encoding"] == "br"
    assert brotli.decompress(body).startswith(b"<!doctype html>")
    # Every asset a page links to is served (hashed names from the manifest, compressed variants).
    assert any(re.search(r"/static/frontend/app\.[0-9a-f]{12}\.css", a) for a in assets), sorted(assets)
    for asset in sorted(assets):
        status, headers, _body = get(production_server + asset, **{"Accept-Encoding": "br"})
        assert status == 200, asset
        if asset.endswith(".css"):
            assert headers.get("Content-Encoding") == "br", asset
            assert "immutable" in headers["Cache-Control"], asset


def test_the_image_compiles_its_own_modules_at_build():
    """uv compiles the dependencies (UV_COMPILE_BYTECODE); PYTHONDONTWRITEBYTECODE then kept our own modules
    from ever being cached, so every worker compiled some 280 of them from source before its first answer."""
    _env, argv = dockerfile_command("compileall")
    workdir = next(arguments for keyword, arguments in dockerfile_instructions() if keyword == "WORKDIR")
    assert argv[:3] == ["python", "-m", "compileall"]
    assert argv[-1] == workdir
