"""What buyers, cooperatives and alliance staff may do with carts, orders, invoices and quotations."""

from market.organisations.models import SELLER_KINDS, OrganisationKind, Role
from market.organisations.permissions import ALL_ROLES, MANAGING_ROLES, capability

# Any member of a verified buying organisation fills the cart and places orders.
CART_MANAGE = capability("orders.cart_manage", kinds={OrganisationKind.BUYER}, roles=ALL_ROLES)
ORDERS_PLACE = capability("orders.place", kinds={OrganisationKind.BUYER}, roles=ALL_ROLES, verified=True)
# Buyers read, accept changes, confirm receipt and cancel their own orders.
ORDERS_BUY = capability("orders.buy", kinds={OrganisationKind.BUYER}, roles=ALL_ROLES)
# Any member of the cooperative confirms, ships and records deliveries …
ORDERS_FULFIL = capability("orders.fulfil", kinds=SELLER_KINDS, roles=ALL_ROLES)
# … but only owners and managers cancel an order placed with them, or change the selling settings.
ORDERS_SELLER_CANCEL = capability("orders.seller_cancel", kinds=SELLER_KINDS, roles=MANAGING_ROLES)
SELLER_SETTINGS_MANAGE = capability("orders.seller_settings", kinds=SELLER_KINDS, roles={Role.OWNER, Role.MANAGER})
# Alliance staff read every order (support, reports) but change none.
ORDERS_VIEW_ALL = capability("orders.view_all", kinds={OrganisationKind.ALLIANCE})
# Requests for quotation.
RFQ_CREATE = capability("orders.rfq_create", kinds={OrganisationKind.BUYER}, roles=ALL_ROLES, verified=True)
QUOTE_SUBMIT = capability("orders.quote_submit", kinds=SELLER_KINDS, roles=MANAGING_ROLES, verified=True)
# The cooperative's owner or manager settles a balance paid beyond what was delivered: it records the bank
# transfer that sent it back, or keeps it as credit for the buyer's next order.
ORDERS_SETTLE_BALANCE = capability("orders.settle_balance", kinds=SELLER_KINDS, roles=MANAGING_ROLES)
