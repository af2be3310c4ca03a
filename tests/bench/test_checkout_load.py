"""The checkout scenario's own loop (bench/orders.py), against a stand-in server on a loopback port: what it
counts and what it leaves out."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.instrument import QUERIES_HEADER, REDIS_HEADER
from bench.orders import CART_LINES, CHECKOUTS, run_checkouts


class StandIn(BaseHTTPRequestHandler):
    """Answers every cart add and checkout with 201 and the cost headers Market Link's bench settings send."""

    received: dict[str, int] = {}
    lock = threading.Lock()
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            self.received[self.path] = self.received.get(self.path, 0) + 1
        body = json.dumps({"ok": True}).encode()
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.send_header(QUERIES_HEADER, "19" if self.path == CHECKOUTS else "11")
        self.send_header(REDIS_HEADER, "6" if self.path == CHECKOUTS else "2")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[str]:
    StandIn.received = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_each_connection_places_one_untimed_checkout_before_the_clock_starts(stand_in):
    """A cold worker's first requests (importing every app's URLs) are start-up: each connection's first
    checkout is sent but not counted, and the costs are read from the server's headers."""
    result = run_checkouts(stand_in, [f"token-{i}" for i in range(6)], [(1, "100")], duration=0.3, connections=4)

    assert StandIn.received[CHECKOUTS] == result["checkouts"] + 4
    assert StandIn.received[CART_LINES] == StandIn.received[CHECKOUTS]
    assert result["statuses"] == {"201": result["checkouts"]}
    assert (result["queries_per_checkout"], result["queries_per_cart_line"]) == (19, 11)
    assert (result["redis_per_checkout"], result["redis_per_cart_line"]) == (6, 2)
