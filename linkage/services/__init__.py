"""Every write of linkage contracts: keyword-only, one transaction each (row locks wait at most a few
seconds), authorised by the policies in linkage/policy.py, recorded in the contract's history.

Contracts: `contract_draft`, `version_update`, `version_sign`, `version_reopen`, `version_discard`,
`contract_amend`, `contract_terminate`, `contract_close`. Call-offs: `call_off_add`, `call_off_add_once`,
`call_off_place`, `call_off_cancel`, `call_offs_release_cancelled`. Intake: `delivery_record`,
`delivery_record_once`. Advances, force majeure and disputes: `advance_record`, `advance_acknowledge`,
`force_majeure_declare`, `force_majeure_acknowledge`, `force_majeure_end`, `dispute_open`, `dispute_reply`,
`dispute_resolve`. Reference prices: `series_create`, `price_publish`. Beat: `call_off_due_notices`,
`deliveries_flag`, `contracts_past_term_moved`. Orders' status follower: `call_off_of_order_moved`.
"""

from linkage.services.calloffs import (
    call_off_add,
    call_off_add_once,
    call_off_cancel,
    call_off_of_order_moved,
    call_off_place,
    call_offs_release_cancelled,
)
from linkage.services.contracts import (
    contract_amend,
    contract_close,
    contract_draft,
    contract_terminate,
    version_discard,
    version_reopen,
    version_sign,
    version_update,
)
from linkage.services.intake import delivery_record, delivery_record_once
from linkage.services.monitoring import call_off_due_notices, contracts_past_term_moved, deliveries_flag
from linkage.services.obligations import (
    advance_acknowledge,
    advance_record,
    dispute_open,
    dispute_reply,
    dispute_resolve,
    force_majeure_acknowledge,
    force_majeure_declare,
    force_majeure_end,
)
from linkage.services.prices import price_publish, series_create

__all__ = [
    "advance_acknowledge",
    "advance_record",
    "call_off_add",
    "call_off_add_once",
    "call_off_cancel",
    "call_off_due_notices",
    "call_off_of_order_moved",
    "call_off_place",
    "call_offs_release_cancelled",
    "contract_amend",
    "contract_close",
    "contract_draft",
    "contract_terminate",
    "contracts_past_term_moved",
    "deliveries_flag",
    "delivery_record",
    "delivery_record_once",
    "dispute_open",
    "dispute_reply",
    "dispute_resolve",
    "force_majeure_acknowledge",
    "force_majeure_declare",
    "force_majeure_end",
    "price_publish",
    "series_create",
    "version_discard",
    "version_reopen",
    "version_sign",
    "version_update",
]
