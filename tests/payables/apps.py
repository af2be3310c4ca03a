from django.apps import AppConfig


class TestPayablesConfig(AppConfig):
    name = "tests.payables"
    label = "test_payables"
    verbose_name = "Test payables"

    def ready(self) -> None:
        from market.payments.registry import register
        from tests.payables.payable import TestInvoicePayable

        register(TestInvoicePayable())
