"""Demo orders (filled in below)."""

from market.core.demo import DemoContext


def seed_orders(context: DemoContext) -> None:
    return None
