"""The zero-setup broker (market/core/broker.py) never hands a consumer part of a message.

Real processes race on real folders: producers publish large messages while a consumer polls as fast as it
can, which is when kombu's own filesystem transport hands out a created-but-unwritten file.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

from kombu import Connection, Exchange, Queue

TRANSPORT = "market.core.broker:Transport"
PRODUCERS = 3
MESSAGES_EACH = 300


def connection(folder: Path) -> Connection:
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "temp_folder": str(folder / "tmp"),
    }
    for path in options.values():
        os.makedirs(path, exist_ok=True)
    return Connection("filesystem://", transport=TRANSPORT, transport_options=options)


def produce(folder: Path, producer: int) -> None:
    with connection(folder) as conn:
        queue = conn.SimpleQueue("soak")
        for number in range(MESSAGES_EACH):
            # Large bodies take long to write: the window in which a consumer could see half of one.
            queue.put({"id": f"{producer}-{number}", "padding": os.urandom(96 * 1024).hex()})
        queue.close()


def test_a_consumer_never_reads_a_half_written_message(tmp_path: Path):
    context = multiprocessing.get_context("fork")
    producers = [context.Process(target=produce, args=(tmp_path, n)) for n in range(PRODUCERS)]
    received: list[str] = []
    with connection(tmp_path) as conn:
        queue = conn.SimpleQueue("soak")
        for process in producers:
            process.start()
        deadline = time.monotonic() + 120
        while len(received) < PRODUCERS * MESSAGES_EACH and time.monotonic() < deadline:
            try:
                message = queue.get_nowait()
            except queue.Empty:
                continue
            received.append(message.payload["id"])
            assert len(message.payload["padding"]) == 96 * 1024 * 2
            message.ack()
        queue.close()
    for process in producers:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert sorted(received) == sorted(f"{p}-{n}" for p in range(PRODUCERS) for n in range(MESSAGES_EACH))
    assert not os.listdir(tmp_path / "tmp"), "no message is left half-way"
    assert not os.listdir(tmp_path / "processed"), "claimed messages are removed once read"


def bind(folder: Path, worker: int) -> None:
    with connection(folder) as conn:
        channel = conn.channel()
        for number in range(20):
            Queue(f"q-{worker}-{number}", Exchange("fan", type="fanout"), channel=channel).declare()


def test_exchange_tables_are_never_read_half_written_nor_lose_a_binding(tmp_path: Path):
    context = multiprocessing.get_context("fork")
    binders = [context.Process(target=bind, args=(tmp_path, n)) for n in range(4)]
    with connection(tmp_path) as conn:
        channel = conn.default_channel
        for process in binders:
            process.start()
        while any(process.is_alive() for process in binders):
            channel.get_table("fan")  # raises if it finds a truncated table
        table = channel.get_table("fan")
    assert all(process.exitcode == 0 for process in binders)
    assert sorted(row.queue for row in table) == sorted(f"q-{w}-{n}" for w in range(4) for n in range(20))


def test_a_task_sent_the_way_celery_and_beat_send_it_arrives(tmp_path: Path):
    """Celery publishes with arguments kombu's own transport takes (kombu 5.7 adds `mandatory`): beat and
    `.delay()` through our transport must not fail where kombu's would not."""
    from celery import Celery

    with connection(tmp_path) as conn:
        options = conn.transport_options
    app = Celery("broker-test", broker="filesystem://")
    app.conf.update(broker_transport="market.core.broker:Transport", broker_transport_options=options)
    app.send_task("market.tests.ping", args=[7])
    with connection(tmp_path) as conn:
        message = conn.SimpleQueue("celery").get(timeout=5)
        assert message.headers["task"] == "market.tests.ping"
        message.ack()
