"""Shared fixtures: organisations in every role, API clients acting as them, and real worker processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from market.organisations.models import Organisation, OrganisationKind, Role, User
from tests.db_template import use_migrated_template
from tests.factories import OrganisationFactory, member

# Payments' fixtures (localstripe, the test payable kind's invoices) serve the payment and browser tests.
pytest_plugins = ["tests.payments.fixtures"]

# pytest-django's live_server runs beside sync Playwright in one thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Each worker's test database is a copy of one migrated template (tests/db_template.py)."""
    use_migrated_template()


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering, which puts tests without a database last
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `long` first, the longest (`long(minutes=…)`: the ten-minute soak) before the others: under
    pytest-xdist a worker runs the soak from the start, mostly waiting, while the others take the rest, instead of
    the whole run waiting for it at the end."""
    items.sort(key=_long_first)


def _long_first(item: pytest.Item) -> tuple[bool, float]:
    long = item.get_closest_marker("long")
    return long is None, -(long.kwargs.get("minutes", 0) if long else 0)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Throttle counters and cached reads never leak from one test into the next."""
    cache.clear()
    return


@pytest.fixture
def alliance() -> Organisation:
    return OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX thử nghiệm")


@pytest.fixture
def cooperative() -> Organisation:
    return OrganisationFactory(kind=OrganisationKind.COOPERATIVE)


@pytest.fixture
def other_cooperative() -> Organisation:
    return OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Khác")


@pytest.fixture
def buyer() -> Organisation:
    return OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Mua hàng")


@pytest.fixture
def staff_user(alliance: Organisation) -> User:
    return member(alliance, Role.STAFF)


@pytest.fixture
def coop_owner(cooperative: Organisation) -> User:
    return member(cooperative, Role.OWNER)


@pytest.fixture
def coop_manager(cooperative: Organisation) -> User:
    return member(cooperative, Role.MANAGER)


@pytest.fixture
def coop_staff(cooperative: Organisation) -> User:
    return member(cooperative, Role.STAFF)


@pytest.fixture
def api() -> Callable[[User | None], APIClient]:
    """api(user) -> a client logged in as user (session), or anonymous with api(None)."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


# --- real processes -----------------------------------------------------------------------------
def child_database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    """The environment a child process needs to share the test database and broker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        MARKET_ENV="test",
        DATABASE_URL=child_database_url(),
        REDIS_URL=settings.REDIS_URL,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, name: str, log: Path) -> None:
        self.process, self.name, self.log = process, name, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def celery_worker_process(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """start(concurrency=1) -> a real `celery worker` on the test Redis broker and test database.

    Tests using it need `transaction=True`: the worker cannot see rows inside the test's transaction.
    """
    from market.celery import app

    started: list[WorkerProcess] = []

    def start(concurrency: int = 1, pool: str = "prefork", name: str | None = None) -> WorkerProcess:
        name = name or f"test-worker-{len(started)}-{os.getpid()}@localhost"
        log = tmp_path / f"{name.split('@')[0]}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "market", "worker", "--loglevel", "INFO",
             "--concurrency", str(concurrency), "--pool", pool, "--hostname", name, "--without-mingle",
             "--without-gossip"],
            cwd=ROOT, env=process_env(), stdout=log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        worker = WorkerProcess(process, name, log)
        started.append(worker)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{worker.output()}")
            if app.control.ping(destination=[name], timeout=0.5):
                return worker
        raise RuntimeError(f"worker did not answer within 60 s:\n{worker.output()}")

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.terminate()
            try:
                worker.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian chromium is missing: run 'make test' (it installs it) or apt-get install chromium")
    return path
