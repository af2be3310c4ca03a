"""What each role's dashboard shows, gathered from the apps' selectors (no business rule lives here):

- a cooperative: what needs doing now (orders to confirm and ship, late ones, requests for quotation to
  answer, contract deliveries due, certificates expiring, lots running low) and its sales by month;
- a buyer: open orders, payments due, deliveries expected, and where its money went (top cooperatives and
  products);
- alliance staff: members, verification, orders and GMV by month, payments to review, reconciliation,
  linkage contracts, and the latest fairs with their outcomes.

Every count links to the list it counts. Each dashboard runs a fixed number of queries (the tests pin it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog import selectors as catalog
from catalog.models import LotStatus
from catalog.selectors.lots import LOW_STOCK_SHARE
from fairs import selectors as fairs
from frontend.charts import Chart, bar_chart_svg, ranking_svg, summary
from linkage import selectors as linkage
from linkage.models import ContractStatus
from market.core.parsing import format_decimal
from market.organisations import selectors as organisations
from market.organisations.permissions import Actor
from market.payments import selectors as payments
from orders import selectors as orders
from orders.inputs import Inbox
from orders.models import OrderStatus, RfqStatus

MONTHS = 12
TOP = 5


@dataclass(frozen=True)
class Figure:
    """One count on a dashboard, the list it opens, and an amount or a remark under it when it has one."""

    label: str | Promise
    count: int
    url: str
    amount: int | None = None
    note: str = ""
    urgent: bool = False


def _url(name: str, query: str = "") -> str:
    return reverse(name) + (f"?{query}" if query else "")


def _orders(view: Inbox) -> str:
    """The order list's tab holding what a count counted (orders.selectors.inbox_q)."""
    return _url("frontend:orders", f"view={view.value}")


def _year_start() -> date:
    return orders.month_starts(months=MONTHS)[0]


def _month_label(month: date, *, first: bool) -> str:
    """ "03" under a bar, with the year on a second line under the first bar and each January."""
    return f"{month:%m}\n{month:%Y}" if first or month.month == 1 else f"{month:%m}"


def month_chart(*, actor: Actor, chart_id: str, title: str) -> Chart:
    months = orders.earned_by_month(actor=actor, months=MONTHS)
    rows = [(row.month.strftime("%m/%Y"), row.total) for row in months]
    return Chart(
        chart_id=chart_id,
        title=title,
        label_heading=_("Month"),
        value_heading=_("Amount before VAT"),
        rows=rows,
        svg=bar_chart_svg(
            [(_month_label(row.month, first=index == 0), row.total) for index, row in enumerate(months)],
            chart_id=chart_id,
            title=title,
            description=summary(rows),
            width=360,
            height=220,
        ),
    )


def ranking_chart(shares: Sequence[orders.Share], *, chart_id: str, title: str, label_heading: str) -> Chart:
    rows = [(share.label, share.total) for share in shares]
    return Chart(
        chart_id=chart_id,
        title=title,
        label_heading=label_heading,
        value_heading=_("Amount before VAT"),
        rows=rows,
        svg=ranking_svg(rows, chart_id=chart_id, title=title),
    )


def cooperative_dashboard(actor: Actor) -> dict[str, Any]:
    work = orders.seller_work(actor=actor)
    contracts = linkage.linkage_figures(actor=actor)
    expiring = catalog.certificates_expiring(actor=actor)
    running_low = catalog.lots_running_low(actor=actor)
    figures = [
        Figure(_("Orders to confirm"), work.to_confirm, _orders(Inbox.NEW)),
        Figure(_("Orders to ship"), work.to_ship, _orders(Inbox.TO_SHIP)),
        Figure(_("Late orders"), work.overdue, _orders(Inbox.OVERDUE), urgent=work.overdue > 0),
        Figure(
            _("Requests for quotation to answer"),
            work.rfqs_to_answer,
            _url("frontend:rfqs", f"status={RfqStatus.OPEN.value}"),
        ),
        Figure(_("Contract deliveries due in 14 days"), contracts.call_offs_due, _url("frontend:linkage-contracts")),
        Figure(_("Certificates expiring within 30 days"), expiring.count(), _url("frontend:my-certificates")),
        Figure(
            _("Lots running low"), running_low.count(), _url("frontend:my-lots", f"status={LotStatus.PUBLISHED.value}")
        ),
    ]
    return {
        "figures": figures,
        "expiring": list(expiring[:TOP]),
        "running_low": list(running_low[:TOP]),
        "low_stock_percent": int(LOW_STOCK_SHARE * 100),
        "sales": month_chart(actor=actor, chart_id="sales-chart", title=_("Sales by month, last 12 months")),
    }


def buyer_dashboard(actor: Actor) -> dict[str, Any]:
    work = orders.buyer_work(actor=actor)
    due_count, due_amount = payments.payments_due_for(actor=actor)
    contracts = linkage.linkage_figures(actor=actor)
    since = _year_start()
    figures = [
        Figure(_("Open orders"), work.open_orders, _orders(Inbox.OPEN)),
        Figure(_("Payments due"), due_count, _url("frontend:payments"), amount=due_amount, urgent=due_count > 0),
        Figure(_("Being prepared by the cooperatives"), work.being_prepared, _orders(Inbox.TO_SHIP)),
        Figure(
            _("Deliveries on the way"), work.on_the_way, _url("frontend:orders", f"status={OrderStatus.SHIPPED.value}")
        ),
        Figure(_("Contract deliveries due in 14 days"), contracts.call_offs_due, _url("frontend:linkage-contracts")),
    ]
    by_cooperative = orders.spend_by_cooperative(actor=actor, since=since, limit=TOP)
    by_product = orders.spend_by_product(actor=actor, since=since, limit=TOP)
    return {
        "figures": figures,
        "spend_by_cooperative": ranking_chart(
            by_cooperative,
            chart_id="spend-cooperatives",
            title=_("Spend by cooperative, last 12 months"),
            label_heading=_("Cooperative"),
        ),
        "spend_by_product": ranking_chart(
            by_product,
            chart_id="spend-products",
            title=_("Spend by product, last 12 months"),
            label_heading=_("Product"),
        ),
    }


MEMBER_LABELS: dict[str, str | Promise] = {
    "cooperative": gettext_lazy("Cooperatives"),
    "cooperative_group": gettext_lazy("Cooperative groups"),
    "union": gettext_lazy("Cooperative unions"),
    "buyer": gettext_lazy("Buyers"),
}


def staff_dashboard(actor: Actor) -> dict[str, Any]:
    since = _year_start()
    placed = orders.order_counts(actor=actor, since=since)
    contracts = linkage.linkage_figures(actor=actor)
    members_url = _url("frontend:staff-verification")
    members = [
        Figure(
            MEMBER_LABELS[row.kind],
            row.total,
            members_url,
            note=_("%(count)s verified") % {"count": format_decimal(row.verified)},
        )
        for row in organisations.member_counts(actor=actor)
    ]
    pending = organisations.verification_queue(actor=actor).count()
    figures = [
        *members,
        Figure(_("Waiting for verification"), pending, members_url, urgent=pending > 0),
        Figure(_("Orders in the last 12 months"), placed["placed"], _url("frontend:orders")),
        Figure(_("Open orders"), placed["open"], _orders(Inbox.OPEN)),
        Figure(
            _("Transfers awaiting review"), payments.review_queue(actor=actor).count(), _url("frontend:staff-queue")
        ),
        Figure(
            _("Reconciliation discrepancies open"),
            payments.discrepancy_list_for(actor=actor).count(),
            _url("frontend:staff-reconciliation"),
        ),
        Figure(
            _("Linkage contracts in force"),
            contracts.in_force,
            _url("frontend:linkage-contracts", f"status={ContractStatus.ACTIVE.value}"),
        ),
    ]
    return {
        "figures": figures,
        "gmv": month_chart(actor=actor, chart_id="gmv-chart", title=_("Value of orders by month, last 12 months")),
        "fairs": fairs.fair_outcomes(actor=actor, limit=TOP),
    }


def dashboard_for(actor: Actor) -> dict[str, Any]:
    if actor.is_alliance_staff:
        return staff_dashboard(actor)
    return buyer_dashboard(actor) if actor.is_buyer else cooperative_dashboard(actor)
