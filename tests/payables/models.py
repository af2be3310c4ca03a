from django.db import models

from market.core.fields import vnd_field


class TestInvoice(models.Model):
    """Stands in for an order checkout or a booth fee: something with an amount and a payment status."""

    __test__ = False  # not a pytest test class

    number = models.CharField(max_length=20, unique=True)
    payer = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    payee = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    amount = vnd_field()
    payment_status = models.CharField(max_length=20, default="unpaid")

    def __str__(self) -> str:
        return self.number


class TestInvoiceCallback(models.Model):
    """Every callback the payments service made, to count effects."""

    __test__ = False

    invoice = models.ForeignKey(TestInvoice, on_delete=models.CASCADE, related_name="callbacks")
    callback = models.CharField(max_length=20)
    payment_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    amount_paid = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.callback} {self.status}"
