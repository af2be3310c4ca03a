from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LinkageConfig(AppConfig):
    name = "linkage"
    verbose_name = "Linkage contracts"

    def ready(self) -> None:
        from catalog.supply.registry import register_contracted_volume
        from linkage.clauses import post_migrate_clause_templates
        from linkage.demo import seed_linkage
        from linkage.exports import register_exports
        from linkage.models import LinkageContract, ReferenceSeries
        from linkage.notifications import register_notification_kinds
        from linkage.payables import DepositPayable
        from linkage.selectors.outlook import contracted_kg
        from linkage.services import call_off_of_order_moved
        from linkage.webhooks import register_webhook_event_types
        from market.core.demo import register_seeder
        from market.organisations.names import NamesShown, register_names_shown
        from market.payments.registry import register
        from orders.followers import register_status_follower

        register(DepositPayable())
        register_contracted_volume("linkage", contracted_kg)
        register_status_follower("linkage", call_off_of_order_moved)
        register_notification_kinds()
        register_webhook_event_types()
        register_exports()
        # The API's rows show these organisations' names: a rename sends them again (updated_since).
        register_names_shown(NamesShown(LinkageContract, organisations=("buyer", "cooperative")))
        register_names_shown(NamesShown(ReferenceSeries, organisations=("publisher",)))
        register_seeder("linkage", seed_linkage, order=65)  # after orders, before fairs
        # Like catalog's reference data: the clause templates come back after a migrate or a (test) flush.
        post_migrate.connect(post_migrate_clause_templates, sender=self, dispatch_uid="linkage.clause_templates")
