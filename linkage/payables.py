"""The deposit of a linkage contract as a payable (registered in LinkageConfig.ready()): the processor pays
it into the cooperative's account through the pay page, by VietQR or card, and reconciliation treats it as
any payment. The contract's statement nets it against the deliveries."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from linkage.models import LinkageContract
from market.core.money import Money
from market.payments.registry import PayableInfo, PayableKind, ReceivingAccount

DEPOSIT_KIND = "linkage.deposit"


class DepositPayable(PayableKind):
    name = DEPOSIT_KIND
    label = _("Linkage contract deposit")

    def load(self, object_id: str) -> LinkageContract | None:
        if not object_id.isdigit():
            return None
        return (
            LinkageContract.objects.select_related("buyer", "cooperative", "version_in_force")
            .filter(pk=int(object_id))
            .first()
        )

    def describe(self, obj: LinkageContract) -> PayableInfo:
        version = obj.version_in_force
        return PayableInfo(
            amount=Money.vnd(version.deposit if version is not None else 0),
            payer=obj.buyer,
            payee=obj.cooperative,
            description=f"Đặt cọc hợp đồng liên kết {obj.number} · {obj.cooperative.name}",
            account=ReceivingAccount.of(obj.cooperative),
            return_url=reverse("frontend:linkage-contract", args=[obj.pk]),
        )
