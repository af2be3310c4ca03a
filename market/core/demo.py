"""The demo data registry: each app registers a seeder in its AppConfig.ready(); `seed_demo` runs them in order.

Seeders must be idempotent: running `seed_demo` twice leaves the same data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEMO_PASSWORD = "marketlink-demo"  # noqa: S105 (printed to the person running the demo)


@functools.cache
def demo_password_hash() -> str:
    """DEMO_PASSWORD hashed once per process for every demo account: hashing it again for each of the fifty-odd
    accounts (PBKDF2, about half a second each) was half of `seed_demo`'s time. Each account logs in the same."""
    from django.contrib.auth.hashers import make_password

    return make_password(DEMO_PASSWORD)


@dataclass
class DemoContext:
    """What seeders share: objects by key (later seeders find earlier ones) and the logins to print."""

    objects: dict[str, Any] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (email, what this login is)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Seeder:
    name: str
    order: int
    run: Callable[[DemoContext], None]


_SEEDERS: dict[str, Seeder] = {}


def register_seeder(name: str, run: Callable[[DemoContext], None], *, order: int) -> None:
    _SEEDERS[name] = Seeder(name=name, order=order, run=run)


def seeders() -> list[Seeder]:
    return sorted(_SEEDERS.values(), key=lambda s: (s.order, s.name))
