"""The page audit in its quick form (`make audit` takes the median of three runs; here one Lighthouse run per
page): the pages of issue 15, served as production serves them with the demo data, meet every target that is
not a timing — accessibility, best practices, SEO, layout shift, page weight, axe with every rule. The timings
(performance score, LCP) are judged by `make audit`, never by a test on a shared machine."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from frontend.audit import report
from frontend.audit.__main__ import LIGHTHOUSE
from tests.integration.test_make_run import ROOT, TEST_ONLY

# Scheduled first beside the soak (tests/conftest.py): it runs for minutes and needs a core of its own.
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.long]
PAGES = {
    "home",
    "catalogue",
    "catalogue search",
    "product",
    "trace",
    "fair plan",
    "cart",
    "checkout",
    "order",
    "pay",
    "check-in",
    "contract",
    "intake",
}


def test_every_audited_page_meets_the_lighthouse_and_axe_targets(tmp_path: Path):
    assert LIGHTHOUSE.exists(), "Lighthouse is not installed: `make audit-tools` (make test runs it)"
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY and not k.startswith("PYTEST")}
    done = subprocess.run(
        [sys.executable, "-m", "frontend.audit", "--runs", "1", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30 * 60,
    )
    assert (tmp_path / "report.json").exists(), done.stdout[-3000:] + done.stderr[-5000:]
    pages = report.read(tmp_path / "report.json")
    assert {page.name for page in pages} == PAGES
    missed = {page.name: page.failures(timings=False) for page in pages if page.failures(timings=False)}
    assert missed == {}, (tmp_path / "report.md").read_text()
    assert done.returncode in {0, 1}, done.stderr[-3000:]  # 1: a timing missed (the report says which)
