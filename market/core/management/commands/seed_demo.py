"""Creates the demo: cooperatives of An Giang and the Mekong Delta, buyers, alliance staff, and what
each app adds. Idempotent: run it twice and the data are the same."""

from django.core.management.base import BaseCommand
from django.db import transaction

from market.core.demo import DEMO_PASSWORD, DemoContext, seeders


class Command(BaseCommand):
    help = "Create (or refresh) the demo data and print the demo logins."

    def handle(self, *args: object, **options: object) -> None:
        context = DemoContext()
        for seeder in seeders():
            with transaction.atomic():
                seeder.run(context)
            self.stdout.write(f"  seeded {seeder.name}")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password for all: {DEMO_PASSWORD}):"))
        for email, what in context.logins:
            self.stdout.write(f"  {email:<44} {what}")
        for note in context.notes:
            self.stdout.write(f"  {note}")
