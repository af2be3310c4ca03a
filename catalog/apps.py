from django.apps import AppConfig


def _cooperative_renamed(organisation_id: int) -> None:
    """A cooperative's name is part of its products' search text."""
    from catalog.services import refresh_search_text

    refresh_search_text(cooperative_id=organisation_id)


def _verification_moved(organisation_id: int) -> None:
    """A cooperative's products are shown while it is verified only: their search rows follow, and cached catalogue
    reads are renewed."""
    from catalog.cache import catalog_changed
    from catalog.services.search_rows import search_rows_sync

    search_rows_sync(cooperative_id=organisation_id)
    catalog_changed()


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from catalog.demo import seed_catalog
        from catalog.notifications import register_notification_kinds
        from catalog.reference import post_migrate_reference_data
        from catalog.search import register_sqlite_fold
        from catalog.supply.ready import supply_ready
        from market.core.demo import register_seeder
        from market.organisations.changes import register_organisation_hook

        connection_created.connect(register_sqlite_fold, dispatch_uid="catalog.sqlite_fold")
        register_organisation_hook("name", _cooperative_renamed)
        register_organisation_hook("verification_status", _verification_moved)
        register_seeder("catalog", seed_catalog, order=30)
        register_notification_kinds()
        supply_ready()
        # Like content types: reference rows come back after a migrate or a (test) database flush.
        post_migrate.connect(post_migrate_reference_data, sender=self, dispatch_uid="catalog.reference_data")
