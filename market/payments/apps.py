from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "market.payments"
    label = "payments"
    verbose_name = "Payments"
