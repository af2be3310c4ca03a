from market.organisations.permissions import ALL_KINDS, MANAGING_ROLES, capability

# Owners and managers of any organisation register endpoints for their organisation's systems.
WEBHOOKS_MANAGE = capability("integrations.webhooks_manage", kinds=ALL_KINDS, roles=MANAGING_ROLES)
