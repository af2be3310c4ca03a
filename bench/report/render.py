"""The report as Markdown: the machine and the command first, then one table per kind of scenario."""

from __future__ import annotations

from typing import Any


def _cell(text: str) -> str:
    """One table cell: no line breaks, no column separators."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _ratio(value: float | None) -> str:
    if value is None:
        return "–"
    if value == 0:
        return "0"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}" if value >= 0.01 else f"{value:.4f}"


def _spread(figures: dict[str, Any]) -> str:
    if figures.get("ratio_min") is None:
        return ""
    return f" ({_ratio(figures['ratio_min'])}–{_ratio(figures['ratio_max'])})"


def http_table(rows: list[dict[str, Any]], duration: float) -> list[str]:
    lines = [
        "| scenario | req/s | × bare (min–max) | p50 ms | p95 ms | p99 ms | errors | queries | Redis | bytes "
        "| alone ms | cache on: req/s (× bare), p99 ms |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        if row["status"] != "ok":
            lines.append(f"| {row['title']} | {row['status']}: {_cell(row['note'])} | | | | | | | | | | |")
            continue
        off = row["off"]
        on = row.get("on")
        notes = [row["note"]] if row.get("note") else []
        if off.get("runs_without_an_answer"):
            notes.append(f"no request completed in {off['runs_without_an_answer']} of {len(row['rounds'])} runs")
        if 1 < row.get("paths", 1) < off.get("most_requests_in_a_run", 0):
            notes.append(
                f"up to {off['most_requests_in_a_run']:,} requests a run: past the first {row['paths']:,} the paths "
                "came round again, and what they keep was kept"
            )
        title = f"{row['title']} ({'; '.join(notes)})" if notes else row["title"]
        bonus = f"{_num(on['rps'])} (×{_ratio(on['ratio'])}), {_ms(on['p99_ms'])}" if on else "–"
        lines.append(
            f"| {title} | {_num(off['rps'])} | **{_ratio(off['ratio'])}**{_spread(off)} | {_ms(off['p50_ms'])} "
            f"| {_ms(off['p95_ms'])} | {_p99(off, duration)} | {off['errors']} | {_num(off['queries'])} "
            f"| {_num(off['redis'])} | {_num(off['bytes'])} | {_ms(off.get('alone_ms'))} | {bonus} |"
        )
    return lines


def jobs_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| scenario | rate | p50 ms | p95 ms | p99 ms | errors | queries each | exact | what happened |",
        "|---|--:|--:|--:|--:|--:|--:|:-:|---|",
    ]
    for row in rows:
        if row["status"] != "ok":
            lines.append(f"| {row['title']} | {row['status']} | | | | | | | {_cell(row['note'])} |")
            continue
        value = row.get("rate")
        rate = f"{_num(value, 1 if value < 100 else 0)} {row.get('unit', '')}".strip() if value is not None else "–"
        exact = {True: "yes", False: "**NO**", None: "–"}[row.get("exact")]
        lines.append(
            f"| {row['title']} | {rate} | {_ms(row.get('p50_ms'))} | {_ms(row.get('p95_ms'))} "
            f"| {_ms(row.get('p99_ms'))} | {_num(row.get('errors'))} | {_num(row.get('queries'), 1)} | {exact} "
            f"| {_cell(row['note'])} |"
        )
    return lines


def reconciliation_table(row: dict[str, Any]) -> list[str]:
    lines = [
        "| payments | provider records | statement lines | discrepancies | time s | µs per payment "
        "| peak memory during the comparison |",
        "|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for size in row["metrics"]["sizes"]:
        lines.append(
            f"| {size['payments']:,} | {size['provider_records']:,} | {size['statement_lines']:,} "
            f"| {size['discrepancies']:,} | {size['seconds']:.2f} | {size['us_per_payment']} "
            f"| +{size['peak_above_baseline_mb']} MB over {size['baseline_mb']} MB |"
        )
    return lines


def _p99(figures: dict[str, Any], duration: float) -> str:
    if figures["p99_ms"] is None and not figures.get("requests"):
        return f"none in {duration:g} s"
    return _ms(figures["p99_ms"])


def scale_table(base: dict[str, Any], other: dict[str, Any]) -> list[str]:
    a, b = base["catalogue"]["products"], other["catalogue"]["products"]
    duration = other["settings"]["duration_s"]
    lines = [
        f"| scenario | × bare at {a:,} | × bare at {b:,} | {b:,} ÷ {a:,} | p99 ms at {a:,} | p99 ms at {b:,} "
        f"| alone ms at {a:,} | alone ms at {b:,} | queries at {b:,} |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    theirs = {r["key"]: r for r in other["scenarios"] if r["kind"] == "http"}
    for row in base["scenarios"]:
        if row["kind"] != "http" or row["status"] != "ok" or theirs.get(row["key"], {}).get("status") != "ok":
            continue
        mine, big = row["off"], theirs[row["key"]]["off"]
        factor = big["ratio"] / mine["ratio"] if mine["ratio"] and big["ratio"] else None
        lines.append(
            f"| {row['title']} | {_ratio(mine['ratio'])} | {_ratio(big['ratio'])} | {_ratio(factor)} "
            f"| {_p99(mine, duration)} | {_p99(big, duration)} | {_ms(mine.get('alone_ms'))} "
            f"| {_ms(big.get('alone_ms'))} | {_num(big['queries'])} |"
        )
    return lines


def machine_lines(report: dict[str, Any]) -> list[str]:
    m = report["machine"]
    load = report["load_average"]
    noise = report["noise"]
    settings = report["settings"]
    catalogue = report["catalogue"]
    lines = [
        f"- **Machine:** {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, {m['os']}; Python {m['python']}, "
        f"Django {m['django']}, PostgreSQL {m['postgresql']}, Redis {m['redis']}, gunicorn {m['gunicorn']}, "
        f"wrk {m['wrk']}; Market Link at {m['commit']}.",
        f"- **Load average** (1/5/15 min): {' / '.join(map(str, load['before']))} before, "
        f"{' / '.join(map(str, load['after']))} after.",
        f"- **Catalogue:** {catalogue['products']:,} products, {catalogue['cooperatives']:,} cooperatives "
        f"(database `{catalogue['database']}`).",
        f"- **Load:** wrk, {settings['connections']} connections, {settings['threads']} threads, "
        f"{settings['duration_s']} s per run; gunicorn {settings['workers']} sync workers for Market Link and for "
        f"the bare view; {settings['rounds']} rounds alternating bare → cache off"
        f"{' → cache on' if settings.get('cache_column', True) else ''} per target; medians of rounds.",
    ]
    if noise.get("runs"):
        lines.append(
            f"- **Noise:** the bare view answered {_num(noise['rps_median'])} req/s (median of {noise['runs']} runs; "
            f"min {_num(noise['rps_min'])}, max {_num(noise['rps_max'])}, coefficient of variation "
            f"{noise['cv_percent']} %; p99 {_ms(noise['p99_ms_median'])} ms); the ratio's min–max over rounds is "
            "shown next to each ratio."
        )
    return lines


def markdown(report: dict[str, Any]) -> str:
    http = [r for r in report["scenarios"] if r["kind"] == "http"]
    jobs = [r for r in report["scenarios"] if r["kind"] == "job"]
    out = [
        f"# Market Link benchmark, {report['when']}",
        "",
        f"`{report['command']}`",
        "",
        *machine_lines(report),
        "",
        "## Reads against a bare Django view (page cache off: the yardstick)",
        "",
        "`× bare` is the target's req/s ÷ the bare view's req/s measured seconds before it in the same round "
        "(median over rounds). Queries, Redis round trips and bytes are per request (the server's counters). "
        "`alone` is one request with the server otherwise idle. The last column is a bonus: the same target with "
        "the page caches on.",
        "",
        *http_table(http, report["settings"]["duration_s"]),
        "",
        "## Writes, races and background work",
        "",
        *jobs_table(jobs),
    ]
    reconciliation = next((r for r in jobs if r["key"] == "reconciliation" and r["status"] == "ok"), None)
    if reconciliation:
        out += ["", "### Reconciliation by size", "", *reconciliation_table(reconciliation)]
    for other in report.get("scale", []):
        out += [
            "",
            f"## At {other['catalogue']['products']:,} products (page cache off)",
            "",
            *machine_lines(other),
            "",
            *scale_table(report, other),
        ]
    return "\n".join(out) + "\n"
