"""The payable registry: how orders, fairs and later apps plug their "things to pay" into payments.

Payments sit at the bottom of the house (``market.*``) and never import orders or fairs. Each app that
wants to be paid registers a *payable kind* in its ``AppConfig.ready()``. A kind tells payments, for one of
its objects: the amount, who pays, who is paid, a description, the bank account that receives a VietQR
transfer, and where to send the payer afterwards. Payments calls the kind back — inside the same database
transaction as the payment's state change — when a payment succeeds, fails, is refunded or disputed. That
callback is the only way an app's own "payment status" moves, so it moves only through the payments
service and never on its own.

Two kinds are registered today: ``orders.order`` (``orders/payables.py``: one payable per order, because
a checkout spans several cooperatives and each VietQR transfer goes into one cooperative's account) and
``fairs.booth_fee`` (``fairs/payables.py``: the cooperative's share of a booth, paid to the alliance).

``payable_open`` creates (or refreshes, while nothing is paid) the payments-side row with its unique short
reference; ``payable_cancel`` cancels it when the order is cancelled; the template tag
``{% payable_status "orders.order" order.pk %}`` shows the payment status on the order page.
Callbacks must only update the app's own rows: if one raises, the payment change is rolled back with it
and the webhook task retries later.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import Model
from django.utils.functional import Promise

from market.core.errors import NotFound
from market.core.money import Money

if TYPE_CHECKING:
    from market.organisations.models import Organisation
    from market.payments.models import Payable, Payment


@dataclass(frozen=True, slots=True)
class ReceivingAccount:
    """A bank account a VietQR transfer goes to: NAPAS bank BIN, account number and holder."""

    bank_bin: str
    account_number: str
    account_holder: str

    @classmethod
    def of(cls, organisation: Organisation) -> ReceivingAccount | None:
        if not (organisation.bank_bin and organisation.bank_account_number):
            return None
        return cls(organisation.bank_bin, organisation.bank_account_number, organisation.bank_account_holder)


@dataclass(frozen=True, slots=True)
class PayableInfo:
    amount: Money
    payer: Organisation
    payee: Organisation
    description: str
    account: ReceivingAccount | None
    return_url: str = ""


@dataclass(frozen=True, slots=True)
class PaymentUpdate:
    """What a callback receives: the payment that changed and where the payable stands now."""

    payable: Payable
    payment: Payment
    status: str  # a PayableStatus value
    amount_due: Money
    amount_paid: Money
    amount_refunded: Money

    @property
    def fully_paid(self) -> bool:
        return self.amount_paid.amount - self.amount_refunded.amount >= self.amount_due.amount


class PayableEvent(StrEnum):
    """What happened to a payable's money, as its kind and the people involved hear it."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"
    DISPUTED = "disputed"


class PayableKind(ABC):
    """Subclass, set `name` and `label`, implement `load` and `describe`; override the callbacks you need."""

    name: ClassVar[str] = ""
    label: ClassVar[str | Promise] = ""
    # The model of the app's object. Set it when the callbacks write the object's rows: payments then locks
    # that row first, before the payable (see `lock_owner`).
    owner_model: ClassVar[type[Model] | None] = None

    @abstractmethod
    def load(self, object_id: str) -> Any | None:
        """The app's object, or None when it no longer exists."""

    @abstractmethod
    def describe(self, obj: Any) -> PayableInfo:
        """What is owed, by whom, to whom, into which account."""

    def lock_owner(self, object_id: str) -> None:
        """Lock the app's object (the payable's owner) for update. Payments calls it before it locks the
        payable, so every path takes owner → payable → payment in that order (market/core/locking.py)."""
        if self.owner_model is not None and object_id.isdigit():
            list(self.owner_model._default_manager.select_for_update().filter(pk=int(object_id)).values_list("pk"))

    def on_succeeded(self, obj: Any, update: PaymentUpdate) -> None:  # noqa: B027 (optional hook)
        """A payment succeeded (card captured, or a bank transfer recognised)."""

    def on_failed(self, obj: Any, update: PaymentUpdate) -> None:  # noqa: B027 (optional hook)
        """A card payment attempt failed or was cancelled; the payable may still be paid another way."""

    def on_refunded(self, obj: Any, update: PaymentUpdate) -> None:  # noqa: B027 (optional hook)
        """A refund (partial or full) went through."""

    def on_disputed(self, obj: Any, update: PaymentUpdate) -> None:  # noqa: B027 (optional hook)
        """A card payment was disputed, or its dispute closed (won or lost)."""

    def tell(self, event: PayableEvent, obj: Any, update: PaymentUpdate) -> None:
        """Call the hook for `event` (payments calls this; apps override the hooks)."""
        match event:
            case PayableEvent.SUCCEEDED:
                self.on_succeeded(obj, update)
            case PayableEvent.FAILED:
                self.on_failed(obj, update)
            case PayableEvent.REFUNDED:
                self.on_refunded(obj, update)
            case PayableEvent.DISPUTED:
                self.on_disputed(obj, update)


_KINDS: dict[str, PayableKind] = {}


def register(kind: PayableKind) -> PayableKind:
    if not kind.name or "." not in kind.name:
        raise ValueError("A payable kind needs a dotted name such as 'orders.checkout'.")
    existing = _KINDS.get(kind.name)
    if existing is not None and type(existing) is not type(kind):
        raise ValueError(f"Payable kind {kind.name!r} is already registered by {type(existing).__name__}.")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def get(name: str) -> PayableKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise NotFound() from None


def kinds() -> list[PayableKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.name)
