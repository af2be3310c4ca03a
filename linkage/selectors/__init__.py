"""Every read of linkage contracts, scoped to the caller."""

from linkage.selectors.contracts import (
    CallOffRow,
    LinkageFigures,
    Progress,
    areas_of,
    call_off_get_for,
    contract_get_for,
    contract_progress,
    contracts_for,
    counterparties_for,
    deliveries_for,
    expected_price,
    latest_prices,
    linkage_figures,
    products_of,
    series_for,
    version_history,
)
from linkage.selectors.report import LinkageReport, ReportRow, linkage_report
from linkage.selectors.statement import Statement, StatementLine, contract_statement, deposit_payable

__all__ = [
    "CallOffRow",
    "LinkageFigures",
    "LinkageReport",
    "Progress",
    "ReportRow",
    "Statement",
    "StatementLine",
    "areas_of",
    "call_off_get_for",
    "contract_get_for",
    "contract_progress",
    "contract_statement",
    "contracts_for",
    "counterparties_for",
    "deliveries_for",
    "deposit_payable",
    "expected_price",
    "latest_prices",
    "linkage_figures",
    "linkage_report",
    "products_of",
    "series_for",
    "version_history",
]
