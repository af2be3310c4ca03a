"""localstripe as a process of its own, for the fault tests that kill it (SIGKILL) and start it again.

    python -m tests.faults.localstripe_process --port PORT --state FILE

Its objects are written to FILE after every change and read back on start, so the charges and refunds made
before a kill are still there to be counted after the restart (localstripe's own persistence writes one /tmp
file shared by every run on the machine). While FILE + ".hold" holds "METHOD /path-prefix", such requests are
done and then never answered (FILE + ".reached" says one came): the process can be killed after charging and
before the caller hears of it, or while a worker waits on it. Each webhook delivery's outcome is written to the
output (localstripe logs it at INFO, which nothing showed), so a test can see a delivery fail.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pickle
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from localstripe.resources import store

from market.payments.localstripe import application

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def persist(path: Path) -> None:
    if path.exists():
        store.update(pickle.loads(path.read_bytes()))  # noqa: S301 (our own file, written below)

    def dump() -> None:
        partial = path.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(dict(store), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)  # never a half-written file, whenever the kill comes

    store.dump_to_disk = dump


def holding(state: Path) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    flag, reached = Path(f"{state}.hold"), Path(f"{state}.reached")

    @web.middleware
    async def hold(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if flag.exists():
            method, _, prefix = flag.read_text().partition(" ")
            if request.method == method and request.path.startswith(prefix):
                reached.touch()
                await asyncio.sleep(3600)  # done; the answer never leaves
        return response

    return hold


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args()
    # localstripe reports each webhook delivery on this logger; with the access log off it carries nothing else.
    deliveries = logging.getLogger("aiohttp.access")
    deliveries.setLevel(logging.INFO)
    deliveries.addHandler(logging.StreamHandler())
    app = application()
    persist(args.state)
    app.middlewares.append(holding(args.state))
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
