"""After putting a new key first in WEBHOOK_SECRET_KEYS: re-encrypt every endpoint secret with it, so the old key
can be dropped."""

from django.core.management.base import BaseCommand

from market.integrations.services import endpoint_secrets_reseal


class Command(BaseCommand):
    help = "Re-encrypt every webhook endpoint secret with the first key of WEBHOOK_SECRET_KEYS."

    def handle(self, *args: object, **options: object) -> None:
        count = endpoint_secrets_reseal()
        self.stdout.write(self.style.SUCCESS(f"{count} webhook endpoint(s) resealed with the first key."))
