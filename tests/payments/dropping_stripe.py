"""Stripe answers lost on the network, for the tests of card attempts and refunds whose outcome is unknown.

localstripe runs behind a proxy on loopback that loses the connection of one create call (a PaymentIntent's or a
refund's) either after localstripe has done it (the card is charged or the money went back, the answer never
arrives), or answers it with a 500 (indeterminate, says Stripe), or loses it before it reaches localstripe, or
loses every request (Stripe down). The fixtures that put it in front of localstripe, and the real worker that
settles what was lost, are in tests/payments/conftest.py."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import aiohttp
from aiohttp import web

from market.payments.localstripe import LocalStripeThread

PAYMENT_INTENT_CREATE = ("POST", "/v1/payment_intents")
REFUND_CREATE = ("POST", "/v1/refunds")


class Drop(StrEnum):
    NOTHING = "nothing"
    AFTER_CREATE = "after_create"  # localstripe does it (charges, refunds), then the connection is lost
    ERROR_AFTER_CREATE = "error_after_create"  # localstripe does it, then a 500 comes back (indeterminate)
    BEFORE_CREATE = "before_create"  # the create call is lost on its way: localstripe never sees it
    EVERYTHING = "everything"  # Stripe unreachable
    STALL = "stall"  # Stripe accepts every request and answers none within STALL_SECONDS (past the SDK's timeout)


STALL_SECONDS = 5
# Sent by the Stripe SDK on every call (the proxy's own listings for the tests are not counted).
SDK_USER_AGENT = "Stripe/"


class DroppingStripe:
    """A proxy on loopback in front of localstripe that loses connections as `drop` says; `create` is the
    create call whose connection it loses."""

    def __init__(self, upstream: str, create: tuple[str, str]) -> None:
        self.drop = Drop.NOTHING
        self.upstream = upstream
        self.create = create
        # Every request the Stripe SDK sent through the proxy, as (method, path), lost ones included.
        self.sdk_calls: list[tuple[str, str]] = []
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self.server = LocalStripeThread(app=app)

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        is_create = (request.method, request.path) == self.create
        if request.headers.get("User-Agent", "").startswith(SDK_USER_AGENT):
            self.sdk_calls.append((request.method, request.path))
        if self.drop == Drop.STALL:
            await asyncio.sleep(STALL_SECONDS)
            return self._lose(request)
        if self.drop == Drop.EVERYTHING or (self.drop == Drop.BEFORE_CREATE and is_create):
            return self._lose(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method, f"{self.upstream}{request.path_qs}", data=await request.read(), headers=headers
            ) as answer,
        ):
            body = await answer.read()
            status, content_type = answer.status, answer.content_type
        if self.drop == Drop.AFTER_CREATE and is_create:
            return self._lose(request)
        if self.drop == Drop.ERROR_AFTER_CREATE and is_create:
            return web.json_response({"error": {"type": "api_error", "message": "Something went wrong."}}, status=500)
        return web.Response(body=body, status=status, content_type=content_type)

    @staticmethod
    def _lose(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    def intent_lookups(self) -> int:
        """How many times Market Link listed PaymentIntents (how it looks up an attempt whose answer was lost)."""
        return self.sdk_calls.count(("GET", "/v1/payment_intents"))

    def charges(self) -> list[dict[str, Any]]:
        """Every charge localstripe made, asked over a connection that is never dropped."""
        return self._listed("charges")

    def intents(self) -> list[dict[str, Any]]:
        return self._listed("payment_intents")

    def refunds(self) -> list[dict[str, Any]]:
        return self._listed("refunds")

    def _listed(self, kind: str) -> list[dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{self.server.url}/v1/{kind}?limit=100", headers={"Authorization": "Bearer sk_test_localstripe"}
        )
        previous, self.drop = self.drop, Drop.NOTHING
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return json.loads(response.read())["data"]
        finally:
            self.drop = previous


def dropping_stripe(localstripe: LocalStripeThread, settings: Any, create: tuple[str, str]) -> Iterator[DroppingStripe]:
    """localstripe (its store emptied by `localstripe`) behind a connection that can be lost, for the SDK. No SDK
    retry: Stripe answers a retried create from its idempotency cache, which localstripe does not have."""
    link = DroppingStripe(localstripe.url, create)
    link.server.start()
    settings.STRIPE_API_BASE = link.server.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_TIMEOUT_SECONDS = 5
    yield link
    link.server.stop()
