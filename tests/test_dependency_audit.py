"""scripts/audit-dependencies: how `make test` judges a pip-audit report of the locked versions."""

import runpy
from pathlib import Path

import pytest

SCRIPT = runpy.run_path(str(Path(__file__).resolve().parent.parent / "scripts" / "audit-dependencies"))
judge, Accepted, locked_requirements = SCRIPT["judge"], SCRIPT["Accepted"], SCRIPT["locked_requirements"]


def report(*vulns: dict) -> dict:
    return {
        "dependencies": [
            {"name": "Django", "version": "4.2.0", "vulns": list(vulns)},
            {"name": "segno", "version": "1.6.6", "vulns": []},
        ]
    }


def test_the_lock_file_is_read_with_exact_versions():
    requirements = locked_requirements(Path(__file__).resolve().parent.parent / "uv.lock")
    assert any(r.startswith("django==5.2.") for r in requirements)
    assert not any(r.startswith("market-link==") for r in requirements)


def test_an_advisory_with_a_fixed_version_fails_and_says_what_to_upgrade():
    status, lines = judge(report({"id": "PYSEC-1", "fix_versions": ["4.2.1"], "aliases": []}), [], 2)
    assert status == 1
    assert any("django 4.2.0: PYSEC-1 is fixed in 4.2.1" in line for line in lines)


def test_an_advisory_without_a_fix_fails_until_listed_then_passes():
    vuln = {"id": "GHSA-xxxx", "fix_versions": [], "aliases": ["CVE-2026-1"]}
    status, lines = judge(report(vuln), [], 2)
    assert status == 1
    assert any("NEW" in line and "GHSA-xxxx" in line for line in lines)
    status, _ = judge(report(vuln), [Accepted("CVE-2026-1", "django", "2026-12-04 not reachable from our input")], 2)
    assert status == 0


def test_an_unreachable_advisory_service_is_not_reported_as_clean(monkeypatch: pytest.MonkeyPatch):
    skipped = {"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI"}]}
    monkeypatch.delenv("AUDIT_REQUIRED", raising=False)
    status, lines = judge(skipped, [], 140)
    assert status == 0
    assert "NOT AUDITED" in lines[0]
    monkeypatch.setenv("AUDIT_REQUIRED", "1")
    assert judge(skipped, [], 140)[0] == 1
    assert judge({"dependencies": [], "timed_out": True}, [], 140)[0] == 1
