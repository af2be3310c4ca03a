"""Demo catalogue (filled in below)."""

from market.core.demo import DemoContext


def seed_catalog(context: DemoContext) -> None:
    return None
