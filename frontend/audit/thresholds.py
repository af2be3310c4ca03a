"""What a page must reach (issue 15) and how a page's runs are summarised and judged. Pure functions: the
runner fills them with Lighthouse's and axe's numbers, the tests with their own."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

KIB = 1024
MIN_SCORES = {"performance": 0.98, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
# Figures that are timings (the performance score weighs LCP and blocking time): judged by `make audit`'s
# median of three runs; the suite's single run on a loaded machine asserts only the rest.
TIMED = {"performance"}
# SEO is judged on public pages only: a page behind a login is rightly `noindex`.
PUBLIC_ONLY = {"seo"}
MAX_LCP_MS = 1500.0
MAX_CLS = 0.02
MAX_WEIGHT_BYTES = 100 * KIB


@dataclass(frozen=True)
class LighthouseRun:
    scores: dict[str, float]  # category id → 0..1
    lcp_ms: float
    cls: float
    tbt_ms: float
    weight_bytes: int
    # The scored audits below full marks ("errors-in-console", "color-contrast"…): what to fix.
    missed: tuple[str, ...] = ()

    @classmethod
    def from_lhr(cls, lhr: dict[str, Any]) -> LighthouseRun:
        """From Lighthouse's JSON result (the `lhr`)."""
        audits = lhr["audits"]
        return cls(
            scores={name: float(category["score"] or 0) for name, category in lhr["categories"].items()},
            lcp_ms=float(audits["largest-contentful-paint"]["numericValue"]),
            cls=float(audits["cumulative-layout-shift"]["numericValue"]),
            tbt_ms=float(audits["total-blocking-time"]["numericValue"]),
            weight_bytes=int(audits["total-byte-weight"]["numericValue"]),
            missed=tuple(
                sorted(
                    {
                        ref["id"]
                        for category in lhr["categories"].values()
                        for ref in category["auditRefs"]
                        if ref["weight"] > 0
                        and (audits[ref["id"]]["score"] or 0) < 1
                        and audits[ref["id"]]["scoreDisplayMode"] in {"binary", "numeric", "metricSavings"}
                    }
                )
            ),
        )


@dataclass(frozen=True)
class AxeViolation:
    rule: str
    impact: str
    help: str
    targets: list[str]


@dataclass
class PageResult:
    name: str
    path: str
    public: bool
    runs: list[LighthouseRun] = field(default_factory=list)
    violations: list[AxeViolation] = field(default_factory=list)

    def median(self) -> LighthouseRun:
        """Each figure's median over the runs (a shared machine's noise: one slow run does not decide)."""
        if not self.runs:
            raise ValueError(f"{self.name}: no Lighthouse run")
        names = self.runs[0].scores.keys()
        return LighthouseRun(
            scores={name: statistics.median(run.scores.get(name, 0.0) for run in self.runs) for name in names},
            lcp_ms=statistics.median(run.lcp_ms for run in self.runs),
            cls=statistics.median(run.cls for run in self.runs),
            tbt_ms=statistics.median(run.tbt_ms for run in self.runs),
            weight_bytes=int(statistics.median(run.weight_bytes for run in self.runs)),
            missed=tuple(sorted({audit for run in self.runs for audit in run.missed})),
        )

    def failures(self, *, timings: bool = True) -> list[str]:
        """Every target the page misses, in words; empty when it meets them all. `timings=False` leaves out
        the performance score and LCP."""
        measured = self.median()
        missed = []
        for name, minimum in MIN_SCORES.items():
            if (name in PUBLIC_ONLY and not self.public) or (name in TIMED and not timings):
                continue
            score = measured.scores.get(name)
            if score is None or score < minimum:
                missed.append(f"{name} {score} < {minimum}")
        if timings and measured.lcp_ms > MAX_LCP_MS:
            missed.append(f"LCP {measured.lcp_ms:.0f} ms > {MAX_LCP_MS:.0f} ms")
        if measured.cls > MAX_CLS:
            missed.append(f"CLS {measured.cls:.3f} > {MAX_CLS}")
        if measured.weight_bytes > MAX_WEIGHT_BYTES:
            missed.append(f"weight {measured.weight_bytes / KIB:.1f} KiB > {MAX_WEIGHT_BYTES / KIB:.0f} KiB")
        missed += [f"axe {v.rule} ({v.impact}): {v.help} {v.targets}" for v in self.violations]
        return missed
