"""wrk (Debian's package), driven with a Lua reporter so that every figure comes from wrk's own counters."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("wrk_report.lua")
ROTATE = Path(__file__).with_name("wrk_rotate.lua")  # appended to SCRIPT when a run cycles through paths
MARKER = "BENCH-WRK "


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float | None  # None when no request completed within the run
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    bytes_per_request: float  # on the wire, headers included
    errors: int  # non-2xx/3xx answers + socket errors (connect, read, write, timeout)
    status_errors: int
    socket_errors: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def available() -> bool:
    return shutil.which("wrk") is not None


def parse(output: str) -> WrkResult:
    line = next((line for line in output.splitlines() if line.startswith(MARKER)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{output[-2000:]}")
    raw = json.loads(line[len(MARKER) :])
    seconds = raw["duration_us"] / 1e6
    requests = raw["requests"]
    sockets = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]

    def ms(name: str) -> float | None:
        return raw[name] / 1000 if requests else None

    return WrkResult(
        requests=requests,
        seconds=round(seconds, 3),
        rps=round(requests / seconds, 1) if seconds else 0.0,
        p50_ms=ms("p50_us"),
        p95_ms=ms("p95_us"),
        p99_ms=ms("p99_us"),
        max_ms=ms("max_us"),
        bytes_per_request=round(raw["bytes"] / requests, 1) if requests else 0.0,
        errors=raw["status"] + sockets,
        status_errors=raw["status"],
        socket_errors=sockets,
    )


# Longer than any run: a slow answer is measured as slow, never abandoned and sent again (which would pile
# work on the server that the next run would pay for).
TIMEOUT_S = 60


def run(
    url: str,
    *,
    duration: float,
    connections: int,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    paths: Sequence[str] = (),
) -> WrkResult:
    """wrk on `url`; with `paths`, each request asks the next of them instead of the URL's path (bench/wrk_rotate.lua:
    every path once before any twice). Without, the request is built once (a script with a `request()` function
    costs wrk a Lua call per request)."""
    threads = min(threads, connections)
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as scratch:
        script, arguments = SCRIPT, []
        if paths:
            script = Path(scratch) / "rotate.lua"
            script.write_text(SCRIPT.read_text() + ROTATE.read_text())
            listed = Path(scratch) / "paths"
            listed.write_text("".join(f"{path}\n" for path in paths))
            arguments = ["--", str(listed), str(threads)]
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            f"{TIMEOUT_S}s",
            "-s",
            str(script),
        ]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        completed = subprocess.run([*command, url, *arguments], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()[-2000:]}")
    return parse(completed.stdout)
