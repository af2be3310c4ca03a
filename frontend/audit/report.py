"""The audit's report: JSON (every run, read back by the tests) and a Markdown table for people."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from frontend.audit.thresholds import KIB, AxeViolation, LighthouseRun, PageResult

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def to_json(pages: list[PageResult], meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "meta": meta,
        "pages": [{**asdict(page), "median": asdict(page.median()), "failures": page.failures()} for page in pages],
    }


def from_json(data: dict[str, Any]) -> list[PageResult]:
    return [
        PageResult(
            name=page["name"],
            path=page["path"],
            public=page["public"],
            runs=[LighthouseRun(**{**run, "missed": tuple(run["missed"])}) for run in page["runs"]],
            violations=[AxeViolation(**violation) for violation in page["violations"]],
        )
        for page in data["pages"]
    ]


def markdown(pages: list[PageResult], meta: dict[str, Any]) -> str:
    lines = [
        f"# Lighthouse and axe audit — {meta['finished_at']}",
        "",
        f"Lighthouse {meta['lighthouse']} (mobile, simulated throttling), median of {meta['runs']} run(s) per page;"
        f" axe {meta['axe']} (every rule, every impact) at 360 px. Server: {meta['server']}.",
        "",
        "| Page | Perf | A11y | Best pr. | SEO | LCP ms | CLS | TBT ms | KiB | axe | Missed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for page in pages:
        m = page.median()
        scores = [f"{m.scores.get(name, 0):.2f}" for name in CATEGORIES]
        if not page.public:
            scores[3] += " (n/a)"
        missed = "; ".join(page.failures()) or "—"
        if m.missed:
            missed += f" (Lighthouse: {', '.join(m.missed)})"
        lines.append(
            f"| {page.name} `{page.path}` | {' | '.join(scores)} | {m.lcp_ms:.0f} | {m.cls:.3f} | {m.tbt_ms:.0f}"
            f" | {m.weight_bytes / KIB:.1f} | {len(page.violations)} | {missed} |"
        )
    failing = sum(1 for page in pages if page.failures())
    lines += ["", f"{len(pages) - failing} of {len(pages)} pages meet every target.", ""]
    return "\n".join(lines)


def write(pages: list[PageResult], meta: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(to_json(pages, meta), indent=1, ensure_ascii=False))
    (out_dir / "report.md").write_text(markdown(pages, meta))
    return out_dir / "report.json"


def read(path: Path) -> list[PageResult]:
    return from_json(json.loads(path.read_text()))
