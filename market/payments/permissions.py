"""What people may do with payments."""

from market.organisations.models import OrganisationKind
from market.organisations.permissions import ALL_KINDS, MANAGING_ROLES, capability

# Any member of the paying organisation may pay what it owes (a buyer's accountant, a cooperative's staff).
PAYMENTS_PAY = capability("payments.pay", kinds=ALL_KINDS)
# A payee's owner or manager records a transfer its own bank account received (VietQR to a cooperative).
PAYMENTS_RECORD_TRANSFER = capability("payments.record_transfer", kinds=ALL_KINDS, roles=MANAGING_ROLES)
# Alliance staff watch payments, import statements, work the review queue and run reconciliation.
PAYMENTS_MANAGE = capability("payments.manage", kinds={OrganisationKind.ALLIANCE})
# Money leaving the platform (refunds, settlement payouts) needs an alliance owner or manager.
PAYMENTS_REFUND = capability("payments.refund", kinds={OrganisationKind.ALLIANCE}, roles=MANAGING_ROLES)
SETTLEMENTS_MANAGE = capability("payments.settlements", kinds={OrganisationKind.ALLIANCE}, roles=MANAGING_ROLES)
