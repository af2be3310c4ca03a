"""`python -m frontend.audit [--runs 3] [--out var/audit]`: seed the demo into a scratch SQLite database
(a copy of the one seeded today by the same code: bench/sqlite_demo.py), serve it as production does
(gunicorn, DEBUG off, collected and hashed static files, a private Redis), run axe and Lighthouse on every
page of targets.py in one Chromium (run.mjs), write report.json and report.md, exit 1 when a page misses a
target."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.env import manage_py
from bench.servers import private_redis, start_gunicorn, stop
from bench.sqlite_demo import copy_seeded_demo
from frontend.audit import report
from frontend.audit.thresholds import AxeViolation, LighthouseRun, PageResult

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "var" / "lighthouse"  # `make audit` installs frontend/audit/package-lock.json here
LIGHTHOUSE = NODE_DIR / "node_modules" / ".bin" / "lighthouse"
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
# Headless (puppeteer adds --headless=new) as the Lighthouse CLI ran Chromium.
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SESSION_COOKIE = "sessionid"
UNAUDITED_STATIC = ("admin", "rest_framework", "drf_spectacular_sidecar")
# The suite's own settings never leak into the audited server.
TEST_ONLY = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "MARKET_ENV", "DJANGO_SETTINGS_MODULE", "DEBUG")


def server_env(scratch: Path, redis: dict[str, str]) -> dict[str, str]:
    """Production settings on loopback: DEBUG off, hashed static files, HTML compressed by our middleware."""
    base = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    return (
        base
        | redis
        | {
            "DJANGO_SETTINGS_MODULE": "market.settings",
            "MARKET_ENV": "production",
            "SECRET_KEY": "audit-only-" + "x" * 60,
            "DATABASE_URL": f"sqlite:///{scratch / 'market.sqlite3'}",
            "MARKET_VAR_DIR": str(scratch / "var"),
            "STATIC_ROOT": str(scratch / "static"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
    )


def prepare(env: dict[str, str], scratch: Path) -> list[dict[str, Any]]:
    """The seeded demo, the static files collected, then the pages with fresh sessions."""
    copy_seeded_demo(Path(env["DATABASE_URL"].removeprefix("sqlite:///")), Path(env["MARKET_VAR_DIR"]))
    # The audited pages' files, hashed and compressed as in production; the admin's and the API browser's
    # (30 MB that no audited page loads) are left out to save minutes.
    manage_py(env, "collectstatic", "--noinput", "--clear", "-v0", *(f"--ignore={app}" for app in UNAUDITED_STATIC))
    done = subprocess.run(
        [sys.executable, "-m", "frontend.audit.targets"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"listing the audited pages failed:\n{done.stderr[-3000:]}")
    targets: list[dict[str, Any]] = json.loads(done.stdout)
    return targets


RUNNER = Path(__file__).with_name("run.mjs")


def browse(base: str, targets: list[dict[str, Any]], runs: int, out_dir: Path, scratch: Path) -> list[PageResult]:
    """axe on every page, then `runs` Lighthouse runs per page, all in one Node process driving one Chromium
    (run.mjs: a browser context of its own per visit), read back into the pages' results."""
    from axe_playwright_python.base import AXE_FILE_PATH

    slugs = {target["name"]: target["name"].replace(" ", "-") for target in targets}
    job = {
        "chrome": CHROME_PATH,
        "chrome_args": CHROME_ARGS,
        "axe_script": str(AXE_FILE_PATH),
        "cookie": SESSION_COOKIE,
        "host": urlsplit(base).hostname,
        "out": str(out_dir.resolve()),
        "runs": runs,
        "targets": [
            {"name": t["name"], "slug": slugs[t["name"]], "url": base + t["path"], "session": t["session"]}
            for t in targets
        ],
    }
    (scratch / "job.json").write_text(json.dumps(job))
    # Node resolves lighthouse and puppeteer-core from the folder the script sits in.
    shutil.copyfile(RUNNER, NODE_DIR / RUNNER.name)
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not installed: `make audit` needs Node.js (npm installs Lighthouse)")
    done = subprocess.run([node, RUNNER.name, str(scratch.resolve() / "job.json")], cwd=NODE_DIR, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"the browser runs failed (exit {done.returncode}): see the output above")
    pages = []
    for target in targets:
        page = PageResult(target["name"], target["path"], target["public"])
        for run in range(1, runs + 1):
            lhr = json.loads((out_dir / "lighthouse" / f"{slugs[target['name']]}-{run}.json").read_text())
            page.runs.append(LighthouseRun.from_lhr(lhr))
            print(f"  {target['name']} run {run}: {page.runs[-1]}", flush=True)
        page.violations = [
            AxeViolation(
                rule=v["id"],
                impact=v["impact"] or "",
                help=v["help"],
                targets=[" ".join(map(str, n["target"])) for n in v["nodes"]],
            )
            for v in json.loads((out_dir / "axe" / f"{slugs[target['name']]}.json").read_text())
        ]
        pages.append(page)
    return pages


def lighthouse_version() -> str:
    package = json.loads((NODE_DIR / "node_modules" / "lighthouse" / "package.json").read_text())
    return str(package["version"])


def audit(runs: int, out_dir: Path, only: list[str]) -> list[PageResult]:
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `make audit` (it runs npm ci from frontend/audit/)")
    with tempfile.TemporaryDirectory(prefix="market-audit-") as tmp:
        scratch = Path(tmp)
        with private_redis(scratch) as redis:
            env = server_env(scratch, redis)
            targets = [t for t in prepare(env, scratch) if not only or t["name"] in only]
            server = start_gunicorn(
                name="audit", app="market.wsgi", env=env, workers=2, scratch=scratch, ready="/robots.txt"
            )
            try:
                pages = browse(server.base, targets, runs, out_dir, scratch)
            finally:
                stop(server.process)
    from axe_playwright_python.base import AXE_FILE_PATH

    meta = {
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "runs": runs,
        "lighthouse": lighthouse_version(),
        "axe": _axe_version(AXE_FILE_PATH),
        "server": "gunicorn, 2 sync workers, MARKET_ENV=production (DEBUG off), SQLite with the demo data",
    }
    path = report.write(pages, meta, out_dir)
    print(report.markdown(pages, meta))
    print(f"Report: {path} and {path.with_suffix('.md')}")
    return pages


def _axe_version(script: Path) -> str:
    head = script.read_text()[:200]
    return head.split("axe v", 1)[1].split()[0] if "axe v" in head else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (the median counts)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "audit")
    parser.add_argument("--page", action="append", default=[], help="audit only this page (by name); repeatable")
    options = parser.parse_args()
    pages = audit(options.runs, options.out, options.page)
    return 1 if any(page.failures() for page in pages) else 0


if __name__ == "__main__":
    sys.exit(main())
