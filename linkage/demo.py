"""Demo linkage contracts (filled in below)."""

from market.core.demo import DemoContext


def seed_linkage(context: DemoContext) -> None:
    return None
