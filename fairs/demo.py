"""Demo fair (filled in below)."""

from market.core.demo import DemoContext


def seed_fairs(ctx: DemoContext) -> None:
    return None
