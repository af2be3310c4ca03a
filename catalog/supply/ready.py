"""What supply plugs in when the catalog app is ready (called from CatalogConfig.ready())."""

from __future__ import annotations


def supply_ready() -> None:
    from catalog.supply import tasks  # noqa: F401  (registers the Celery task in every process)
    from catalog.supply.demo import seed_supply
    from catalog.supply.notifications import register_supply_notification_kinds
    from market.core.demo import register_seeder

    register_supply_notification_kinds()
    # After the catalogue (30), which made the products and certificates; before orders (60).
    register_seeder("supply", seed_supply, order=35)
