"""Reads measured A/B against the bare view: for each round and each target, wrk on the bare view, then on
Market Link with the page cache off, then (for catalogue targets) with it on — so each target's figures sit
next to a bare figure taken seconds before, and machine noise shows up in both. The headline is the
median over rounds of target req/s ÷ bare req/s."""

from __future__ import annotations

import statistics
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import wrk
from bench.client import Client
from bench.machine import load_average
from bench.servers import Server
from bench.targets import Target, forget_kept

BARE_PATH = "/ping"
PING_PATH = "/bench/ping"  # Market Link's own cheapest answer
PROBES = 5


@dataclass(frozen=True)
class Servers:
    bare: Server
    off: Server  # the yardstick: every cache of whole responses off
    on: Server  # the production setting: page caches on

    def for_mode(self, mode: str) -> Server:
        return {"bare": self.bare, "off": self.off, "on": self.on}[mode]


def _median(values: list[float | None], digits: int = 2) -> float | None:
    numbers = [v for v in values if v is not None]
    return round(statistics.median(numbers), digits) if numbers else None


def probe(server: Server, target: Target) -> dict[str, Any]:
    """A few sequential requests (a cold target's first paths, its kept content forgotten): status, body bytes,
    SQL queries, Redis round trips and the time one request takes alone (medians)."""
    client = Client(server.base)
    forget_kept(target.kept)
    paths = [target.paths[n % len(target.paths)] for n in range(PROBES)]
    answers = [client.get(path, headers=target.headers) for path in paths]
    return {
        "status": answers[-1].status,
        "bytes": _median([len(a.body) for a in answers]),
        "queries": _median([a.queries for a in answers]),
        "redis": _median([a.redis for a in answers]),
        "alone_ms": _median([a.ms for a in answers]),
    }


def drain(server: Server, path: str, workers: int) -> None:
    """Wait until the server has finished what the last run left queued: gunicorn still serves requests
    whose client has gone, and the next run must not pay for them. One cheap request per worker, sent
    together, returns once everything accepted before them is done."""

    def ping() -> None:
        Client(server.base).get(path)

    threads = [threading.Thread(target=ping) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _summary(runs: list[dict[str, Any]], bares: list[dict[str, Any]], probed: dict[str, Any]) -> dict[str, Any]:
    """Medians over rounds; latencies over the runs in which at least one request completed."""
    ratios = [r["rps"] / b["rps"] for r, b in zip(runs, bares, strict=True) if b["rps"]]
    return {
        "most_requests_in_a_run": max(r["requests"] for r in runs),
        "rps": round(statistics.median(r["rps"] for r in runs), 1),
        "ratio": _median(ratios, 4),
        "ratio_min": round(min(ratios), 4) if ratios else None,
        "ratio_max": round(max(ratios), 4) if ratios else None,
        "p50_ms": _median([r["p50_ms"] for r in runs]),
        "p95_ms": _median([r["p95_ms"] for r in runs]),
        "p99_ms": _median([r["p99_ms"] for r in runs]),
        "errors": sum(r["errors"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
        "runs_without_an_answer": sum(1 for r in runs if not r["requests"]),
        "wire_bytes": _median([r["bytes_per_request"] for r in runs if r["requests"]], 0),
        **{k: probed[k] for k in ("bytes", "queries", "redis", "alone_ms")},
    }


def measure(
    targets: list[Target], servers: Servers, *, duration: float, rounds: int, warmup: float, connections: int,
    threads: int, workers: int, say: Callable[[str], None],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:  # fmt: skip
    """(one row per target, the bare view's own figures across the run)."""
    rows: dict[str, dict[str, Any]] = {}
    live: list[Target] = []
    for target in targets:
        row: dict[str, Any] = {
            "key": target.key,
            "title": target.title,
            "kind": "http",
            "path": target.path,
            "paths": len(target.paths),
        }
        rows[target.key] = row
        if target.skip:
            row.update(status="skipped", note=target.skip)
            continue
        modes = ["off", "on"] if target.cache_column else ["off"]
        probes = {mode: probe(servers.for_mode(mode), target) for mode in modes}
        failed = {mode: p["status"] for mode, p in probes.items() if not 200 <= p["status"] < 400}
        if failed:
            row.update(status="error", note=f"answered {', '.join(f'{s} (cache {m})' for m, s in failed.items())}")
            continue
        row.update(status="ok", note=target.note, modes=modes, probes=probes, rounds=[])
        live.append(target)

    def run(mode: str, target: Target, seconds: float) -> dict[str, Any]:
        server = servers.for_mode(mode)
        if mode == "bare":
            result = wrk.run(server.url(BARE_PATH), duration=seconds, connections=connections, threads=threads)
        else:
            forget_kept(target.kept)  # a cold target's run starts with none of its pages kept
            result = wrk.run(
                server.url(target.path),
                duration=seconds,
                connections=connections,
                threads=threads,
                headers=target.headers,
                paths=target.rotation,
            )
        drain(server, BARE_PATH if mode == "bare" else PING_PATH, workers)
        return result.as_dict()

    if warmup > 0 and live:
        say(f"warming up ({len(live)} targets)")
        run("bare", live[0], warmup)
        for target in live:
            for mode in rows[target.key]["modes"]:
                run(mode, target, warmup)
    bare_runs: list[dict[str, Any]] = []
    loads = []
    for number in range(1, rounds + 1):
        loads.append(load_average())
        for target in live:
            row = rows[target.key]
            measured = {"bare": run("bare", target, duration)}
            for mode in row["modes"]:
                measured[mode] = run(mode, target, duration)
            bare_runs.append(measured["bare"])
            row["rounds"].append(measured)
            say(f"round {number}/{rounds} {target.key:22} " + _line(measured, row["modes"]))
    for target in live:
        row = rows[target.key]
        bares = [r["bare"] for r in row["rounds"]]
        for mode in row["modes"]:
            row[mode] = _summary([r[mode] for r in row["rounds"]], bares, row["probes"][mode])
        row["bare"] = {
            "rps": round(statistics.median(b["rps"] for b in bares), 1),
            "p99_ms": _median([b["p99_ms"] for b in bares]),
        }
    return [rows[t.key] for t in targets], noise(bare_runs, loads)


def _line(measured: dict[str, dict[str, Any]], modes: list[str]) -> str:
    bare = measured["bare"]["rps"]
    parts = [f"bare {bare:7.0f}"]
    for mode in modes:
        figures = measured[mode]
        ratio = figures["rps"] / bare if bare else 0
        p99 = f"{figures['p99_ms']:.0f} ms" if figures["p99_ms"] is not None else "– (no answer within the run)"
        parts.append(f"cache {mode} {figures['rps']:7.1f} req/s (×{ratio:.3f}) p99 {p99}")
    return "  ".join(parts)


def noise(bare_runs: list[dict[str, Any]], loads: list[list[float]]) -> dict[str, Any]:
    """How steady the machine was: the bare view's req/s over every run of the report."""
    rates = [b["rps"] for b in bare_runs]
    if not rates:
        return {"runs": 0}
    mean = statistics.fmean(rates)
    return {
        "runs": len(rates),
        "rps_median": round(statistics.median(rates), 1),
        "rps_min": round(min(rates), 1),
        "rps_max": round(max(rates), 1),
        "cv_percent": round(100 * statistics.pstdev(rates) / mean, 1) if mean else None,
        "p99_ms_median": _median([b["p99_ms"] for b in bare_runs]),
        "load_average_per_round": loads,
    }
