"""localstripe — a local Stripe test server — bound to 127.0.0.1 only.

localstripe's own command line listens on every interface and writes its state to /tmp; this runs its
aiohttp application on loopback with the state in memory. `make run` starts it when no Stripe key is
configured (see `run_local`), and the test suite starts it on a free port.

    python -m market.payments.localstripe --port 8420 \
        --webhook-url http://127.0.0.1:8000/api/v1/payments/webhooks/stripe/ --webhook-secret whsec_…
"""

from __future__ import annotations

import argparse
import asyncio
import json
import operator
import threading
import urllib.request
from typing import Any

from aiohttp import web


def application() -> web.Application:
    from localstripe import server
    from localstripe.resources import store

    store.dump_to_disk = lambda: None  # keep the state in memory, never in a shared /tmp file
    _list_payment_intents_by_creation()
    return server.app


# Stripe's bounds on `created` in a list, as localstripe's own Event list reads them.
CREATED_BOUNDS = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _list_payment_intents_by_creation() -> None:
    """GET /v1/payment_intents with Stripe's `created[gt]`-style filter, newest first as Stripe lists them:
    localstripe refuses any filter there (400), and a card attempt whose answer was lost is found by listing the
    intents created since it began (`stripe_gateway.payment_intent_find`)."""
    from localstripe.resources import PaymentIntent, StripeObject, UserError, try_convert_to_int

    def list_all(cls: type, url: str, created: Any = None, **kwargs: Any) -> Any:
        bounds: dict[str, Any] = created or {}
        if not isinstance(bounds, dict) or not set(bounds) <= set(CREATED_BOUNDS):
            raise UserError(400, "Bad request")
        listing = StripeObject._api_list_all.__func__(cls, url, **kwargs)

        def within(intent: Any) -> bool:
            return all(CREATED_BOUNDS[bound](intent.created, try_convert_to_int(at)) for bound, at in bounds.items())

        listing._list = sorted(filter(within, listing._list), key=lambda intent: intent.created, reverse=True)
        return listing

    PaymentIntent._api_list_all = classmethod(list_all)


def register_webhook(base_url: str, *, url: str, secret: str, name: str = "market") -> None:
    """Ask localstripe to POST its events, signed with `secret`, to `url`."""
    body = json.dumps({"url": url, "secret": secret}).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base_url}/_config/webhooks/{name}", data=body, headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310


class LocalStripeThread:
    """localstripe in a background thread of this process (tests)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, app: web.Application | None = None) -> None:
        self.host, self.port = host, port
        self.app = app or application()
        self.loop = asyncio.new_event_loop()
        self.runner: web.AppRunner | None = None
        self.thread = threading.Thread(target=self.loop.run_forever, name="localstripe", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalStripeThread:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=30)
        return self

    async def _start(self) -> None:
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server), server  # started above: a listening asyncio server
        sockets = server.sockets
        self.port = sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--webhook-secret", default="")
    args = parser.parse_args()
    app = application()
    if args.webhook_url and args.webhook_secret:
        from localstripe.webhooks import register_webhook as local_register

        local_register("market", args.webhook_url, args.webhook_secret, None)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
