from typing import Any

from django.apps import AppConfig


def _organisation_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    """Cache upkeep only (no business rule): a cooperative's name is part of its products' search text,
    and its verification decides whether they are visible, so cached catalogue reads must be renewed."""
    if created:
        return
    from catalog.cache import catalog_changed
    from catalog.services import refresh_search_text

    if update_fields is None or "name" in update_fields:
        refresh_search_text(cooperative_id=instance.pk)
    if update_fields is None or "verification_status" in update_fields:
        catalog_changed()


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, post_save

        from catalog.demo import seed_catalog
        from catalog.notifications import register_notification_kinds
        from catalog.reference import post_migrate_reference_data
        from catalog.search import register_sqlite_fold
        from catalog.supply.ready import supply_ready
        from market.core.demo import register_seeder
        from market.organisations.models import Organisation

        connection_created.connect(register_sqlite_fold, dispatch_uid="catalog.sqlite_fold")
        post_save.connect(_organisation_saved, sender=Organisation, dispatch_uid="catalog.organisation_saved")
        register_seeder("catalog", seed_catalog, order=30)
        register_notification_kinds()
        supply_ready()
        # Like content types: reference rows come back after a migrate or a (test) database flush.
        post_migrate.connect(post_migrate_reference_data, sender=self, dispatch_uid="catalog.reference_data")
