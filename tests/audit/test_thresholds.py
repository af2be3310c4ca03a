"""How the page audit summarises runs (the median of each figure) and judges a page against issue 15's targets."""

from pathlib import Path

import pytest

from frontend.audit import report
from frontend.audit.thresholds import KIB, AxeViolation, LighthouseRun, PageResult

PERFECT = {"performance": 1.0, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}


def run(**changes) -> LighthouseRun:
    figures = {"scores": PERFECT, "lcp_ms": 900.0, "cls": 0.0, "tbt_ms": 40.0, "weight_bytes": 50 * KIB}
    return LighthouseRun(**(figures | changes))


def test_each_figure_is_the_median_of_the_runs_so_one_slow_run_does_not_decide():
    page = PageResult(
        "home",
        "/",
        public=True,
        runs=[
            run(lcp_ms=1400, scores=PERFECT | {"performance": 0.99}),
            run(lcp_ms=4000, tbt_ms=900, scores=PERFECT | {"performance": 0.61}, missed=("total-blocking-time",)),
            run(lcp_ms=1300, scores=PERFECT | {"performance": 0.98}),
        ],
    )
    median = page.median()
    assert (median.lcp_ms, median.tbt_ms, median.scores["performance"]) == (1400, 40, 0.98)
    assert median.missed == ("total-blocking-time",), "what any run missed is still reported"
    assert page.failures() == []


def test_every_missed_target_is_named():
    page = PageResult(
        "fair plan",
        "/fairs/x/plan/",
        public=True,
        runs=[run(lcp_ms=1501, cls=0.021, weight_bytes=100 * KIB + 1, scores=PERFECT | {"seo": 0.92})],
        violations=[AxeViolation("region", "moderate", "All content is in landmarks", ["#plan"])],
    )
    assert page.failures() == [
        "seo 0.92 < 1.0",
        "LCP 1501 ms > 1500 ms",
        "CLS 0.021 > 0.02",
        "weight 100.0 KiB > 100 KiB",
        "axe region (moderate): All content is in landmarks ['#plan']",
    ]


def test_the_limits_themselves_pass_and_seo_counts_on_public_pages_only():
    at_limits = run(lcp_ms=1500, cls=0.02, weight_bytes=100 * KIB, scores=PERFECT | {"performance": 0.98})
    behind_login = PageResult("cart", "/cart/", public=False, runs=[run(scores=PERFECT | {"seo": 0.6})])
    assert PageResult("home", "/", public=True, runs=[at_limits]).failures() == []
    assert behind_login.failures() == []
    assert PageResult("home", "/", public=True, runs=[run(scores=PERFECT | {"seo": 0.6})]).failures()


def test_without_timings_only_the_performance_score_and_lcp_are_left_out():
    slow_and_heavy = run(lcp_ms=2600, weight_bytes=120 * KIB, scores=PERFECT | {"performance": 0.7})
    page = PageResult("pay", "/pay/X/", public=False, runs=[slow_and_heavy])
    assert page.failures(timings=False) == ["weight 120.0 KiB > 100 KiB"]
    assert len(page.failures()) == 3


def test_a_page_without_a_run_is_an_error_not_a_pass():
    with pytest.raises(ValueError, match="no Lighthouse run"):
        PageResult("home", "/", public=True).failures()


def test_the_report_reads_back_what_it_wrote(tmp_path: Path):
    pages = [
        PageResult("home", "/", True, runs=[run(), run(missed=("errors-in-console",))]),
        PageResult(
            "cart", "/cart/", False, runs=[run()], violations=[AxeViolation("list", "serious", "Lists", ["ul"])]
        ),
    ]
    meta = {"finished_at": "now", "runs": 2, "lighthouse": "12.8.2", "axe": "4.12.1", "server": "test"}
    path = report.write(pages, meta, tmp_path)
    assert report.read(path) == pages
    table = (tmp_path / "report.md").read_text()
    assert "| cart `/cart/` |" in table
    assert "1 of 2 pages meet every target." in table
    assert "Lighthouse: errors-in-console" in table
