"""Real processes a fault test breaks on purpose: a private PostgreSQL cluster, a private Redis, a private PgBouncer,
gunicorn serving Market Link with production-like settings (tests/faults/server_settings.py), Celery workers and
localstripe.

Everything listens on a free loopback port and is stopped in the fixture's finalizer, whatever the test did.
The shared PostgreSQL on 5432 is never stopped: a test that restarts a database gets its own cluster.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import psycopg.rows
import pytest
from django.db import connections

from tests.conftest import ROOT, process_env
from tests.notifications.conftest import (  # noqa: F401 (fixtures used by the fault tests)
    PrivateRedis,
    free_port,
    private_redis,
    relay_worker,
    smtp_server,
    wait_until,
)

SERVER_SETTINGS = "tests.faults.server_settings"


# --- a private PostgreSQL cluster ----------------------------------------------------------------
def postgres_bin(name: str) -> str:
    """A PostgreSQL server binary of the newest version installed (Debian keeps them out of PATH)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path is None:
        pytest.fail(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return on_path


def as_postgres() -> list[str]:
    """PostgreSQL refuses to run as root: as root (CI, these machines) its binaries run as the postgres user."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PrivatePostgres:
    """A cluster of its own in a temporary folder, on a free port, that a test may stop and restart."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="market-faults-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        self.data = self.directory / "data"
        self.port = free_port()
        self.log = self.directory / "postgres.log"

    def _run(self, *argv: str, timeout: float = 60) -> None:
        result = subprocess.run([*as_postgres(), *argv], capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {result.stdout}{result.stderr}\n{self.server_log()}")

    def server_log(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def initdb(self) -> None:
        self._run(postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")  # fmt: skip

    def pg_ctl(self, action: str, *options: str) -> None:
        server_options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(postgres_bin("pg_ctl"), action, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", server_options, *options)  # fmt: skip

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session (clients see "terminating connection due to administrator command");
        `immediate` kills the server as a crash would (recovery on the next start)."""
        self.pg_ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self.pg_ctl("restart", "-m", mode)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def copy_database(self, source_url: str, name: str) -> None:
        """A copy of a migrated database (its schema and rows): migrating from nothing takes a minute here,
        the copy a second or two."""
        self._run(postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        dump = subprocess.Popen([postgres_bin("pg_dump"), "-Fc", "--no-owner", "-d", source_url],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        restore = subprocess.run(
            [postgres_bin("pg_restore"), "--no-owner", "--exit-on-error", "-d", self.url(name)],
            stdin=dump.stdout, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert dump.stdout is not None
        dump.stdout.close()
        dump_error = dump.communicate(timeout=60)[1].decode(errors="replace")
        if dump.returncode != 0 or restore.returncode != 0:
            raise RuntimeError(f"copying the database failed: {dump_error}{restore.stderr}")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@contextlib.contextmanager
def orm_on(cluster: PrivatePostgres | PrivatePgBouncer, **changes: Any) -> Iterator[None]:
    """This process's ORM reads the same-named database on the private cluster (or through the private
    PgBouncer), with `changes` to its settings, then the test database again (the test's own teardown flushes
    the test database)."""
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(cluster.port), **changes)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


# --- PgBouncer in transaction mode ---------------------------------------------------------------
def pgbouncer_bin() -> str | None:
    """Debian's pgbouncer (scripts/system-packages installs it into /usr/sbin, which a user's PATH may lack)."""
    return shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)


class PrivatePgBouncer:
    """PgBouncer as docker-compose.yml runs it (transaction pooling, many clients, few server connections), in front
    of the test database's PostgreSQL, on a free port: `pool_size` server connections per database, shared by every
    client. Trust authentication, as that server has. Its admin console (`admin`) tells what it holds."""

    def __init__(self, *, pool_size: int) -> None:
        # Out of pytest's tmp_path, which the postgres user cannot enter.
        self.directory = Path(tempfile.mkdtemp(prefix="market-pgbouncer-"))
        self.port = free_port()
        self.pool_size = pool_size
        self.log = self.directory / "pgbouncer.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = pgbouncer_bin()
        assert binary is not None
        database = connections["default"].settings_dict
        users = self.directory / "users.txt"
        users.write_text(f'"{database["USER"]}" ""\n')
        config = self.directory / "pgbouncer.ini"
        # No ignore_startup_parameters: a client that sends `options` is refused, as the image in compose does.
        config.write_text(
            f"[databases]\n* = host={database['HOST'] or '127.0.0.1'} port={database['PORT'] or 5432}\n"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {users}\nadmin_users = {database['USER']}\n"
            f"pool_mode = transaction\ndefault_pool_size = {self.pool_size}\nmax_client_conn = 200\n"
            # A client waiting for a server connection longer than this is an error, not a hung test.
            "query_wait_timeout = 30\n"
        )
        if os.geteuid() == 0:  # PgBouncer refuses to run as root: it runs as the postgres user
            shutil.chown(self.directory, "postgres")
            for path in (users, config):
                shutil.chown(path, "postgres")
        self.process = subprocess.Popen(
            [*as_postgres(), binary, str(config)],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_until(self.answers, timeout=15, what="the private pgbouncer")

    def answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"pgbouncer exited:\n{self.output()}")
        try:
            self.admin("SHOW VERSION")
        except psycopg.OperationalError:
            return False
        return True

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def url(self, database: str) -> str:
        return f"postgres://{connections['default'].settings_dict['USER']}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str) -> psycopg.Connection:
        """A client connection of its own (autocommit, as Django's), through the pool."""
        return psycopg.connect(self.url(database).replace("postgres://", "postgresql://", 1), autocommit=True)

    def admin(self, command: str) -> list[dict[str, Any]]:
        """What PgBouncer's admin console answers (`SHOW POOLS`, `SHOW SERVERS`, …), one dict per row."""
        with self.connect("pgbouncer") as console, console.cursor(row_factory=psycopg.rows.dict_row) as cursor:
            cursor.execute(command)
            return cursor.fetchall()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_pgbouncer() -> Iterator[Callable[..., PrivatePgBouncer]]:
    """start(pool_size=2) -> a PgBouncer of this test's own (`PrivatePgBouncer`), stopped after it. Skipped only
    where the pgbouncer binary is missing (`make test` installs it: scripts/system-packages)."""
    if pgbouncer_bin() is None:
        pytest.skip("pgbouncer is not installed (scripts/system-packages installs it)")
    started: list[PrivatePgBouncer] = []

    def start(pool_size: int = 2) -> PrivatePgBouncer:
        bouncer = PrivatePgBouncer(pool_size=pool_size)
        started.append(bouncer)
        bouncer.start()
        return bouncer

    yield start
    for bouncer in started:
        bouncer.stop()


# --- localstripe in a process of its own --------------------------------------------------------
class LocalStripeProcess:
    """tests/faults/localstripe_process.py on `port`; its state survives a kill (see there)."""

    def __init__(self, directory: Path, port: int) -> None:
        self.port = port
        self.state = directory / "localstripe.pickle"
        self.log = directory / "localstripe.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.localstripe_process", "--port", str(self.port),
             "--state", str(self.state)],
            cwd=ROOT, env=process_env(), stdout=self.log.open("a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self.answers, timeout=30, interval=0.2, what="localstripe")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def hold(self, request: str = "") -> None:
        """Requests "METHOD /path-prefix" are done and never answered from now on; "" answers them again."""
        flag, reached = Path(f"{self.state}.hold"), Path(f"{self.state}.reached")
        reached.unlink(missing_ok=True)
        flag.write_text(request) if request else flag.unlink(missing_ok=True)

    def reached(self) -> bool:
        """A held request came in."""
        return Path(f"{self.state}.reached").exists()

    def answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"localstripe exited:\n{self.log.read_text(errors='replace')[-3000:]}")
        try:
            self.get("/v1/charges")
        except OSError:
            return False
        return True

    def get(self, path: str) -> Any:
        request = urllib.request.Request(self.url + path, headers={"Authorization": "Bearer sk_test_faults"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())

    def charges(self) -> list[dict[str, Any]]:
        return self.get("/v1/charges?limit=100")["data"]

    def refunds(self) -> list[dict[str, Any]]:
        return self.get("/v1/refunds?limit=100")["data"]


@pytest.fixture
def localstripe_port() -> int:
    """A free port for the test's localstripe; a module whose server outlives its tests overrides it with one
    port for the module, so each test's fresh localstripe (its own state) is where that server looks."""
    return free_port()


@pytest.fixture
def localstripe_process(tmp_path: Path, localstripe_port: int) -> Iterator[LocalStripeProcess]:
    stripe = LocalStripeProcess(tmp_path, localstripe_port)
    stripe.start()
    yield stripe
    stripe.kill()


# --- Market Link served by gunicorn --------------------------------------------------------------
@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class MarketServer:
    base: str
    process: subprocess.Popen
    log: Path

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, raw: bytes | None = None
    ) -> Answer:
        """`body` is sent as JSON; `raw` as it is (a signed body, a multipart form: its Content-Type in `headers`)."""
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.base + path, data=data, method=method,
            headers={"Content-Type": "application/json", "Accept-Language": "vi", **(headers or {})},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return Answer(response.status, response.headers.get("Content-Type", ""), response.read(),
                              dict(response.headers))  # fmt: skip
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers.get("Content-Type", ""), error.read(), dict(error.headers))

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def serve_market(directory: Path, **extra: str) -> MarketServer:
    """gunicorn (2 sync workers, as the Dockerfile runs it; preloaded, which halves the start on a busy machine)
    on a free port, with the fault settings and the test database and Redis unless `extra` points elsewhere
    (DATABASE_URL, REDIS_URL, …), logging into `directory`."""
    port = free_port()
    log = directory / f"gunicorn-{port}.log"
    env = process_env(DJANGO_SETTINGS_MODULE=SERVER_SETTINGS, **extra)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "market.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--preload", "--timeout", "60", "--graceful-timeout", "5", "--no-control-socket"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    server = MarketServer(base=f"http://127.0.0.1:{port}", process=process, log=log)

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited early:\n{server.output()[-4000:]}")
        try:
            return server.request("GET", "/healthz").status == 200
        except OSError:
            return False

    try:
        wait_until(up, timeout=90, interval=0.3, what="gunicorn")
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def market_server(tmp_path: Path) -> Iterator[Callable[..., MarketServer]]:
    """start(**env) -> a gunicorn of this test's own (`serve_market`), stopped after it."""
    started: list[MarketServer] = []

    def start(**extra: str) -> MarketServer:
        server = serve_market(tmp_path, **extra)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def idempotency_key() -> str:
    return uuid.uuid4().hex
