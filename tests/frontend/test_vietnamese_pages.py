"""Every page, in Vietnamese: each URL pattern of the site (the staff pages included) is rendered with the demo's
real-looking data, as the role that sees it, and fails on an untranslated string, a raw code or an English
sentence (see tests/frontend/vietnamese.py). A failure lists what it found on that page. No page is excused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.frontend.vietnamese import findings
from tests.module_data import seeded_once

DEMO_PASSWORD_USERS = {
    "buyer": "muahang@saigonxanh.example",
    "cooperative": "chunhiem@htx-tanhiep.example",
    "staff": "nhanvien@lienminh-angiang.example",
}


def _frontend_patterns() -> list[tuple[str, str, str]]:
    """(name, route, view module) of every page pattern of the site's front end."""
    found: list[tuple[str, str, str]] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "frontend" and pattern.name:
                found.append((pattern.name, prefix + str(pattern.pattern), pattern.callback.__module__))

    walk(get_resolver().url_patterns, "", "")
    return found


PATTERNS = _frontend_patterns()

# Who sees a page: by name first, then by where it lives.
ANONYMOUS = {"home", "login", "sign-up", "password-reset", "password-reset-confirm", "invitation", "communes"}
BUYER = {
    "cart",
    "checkout",
    "checkout-done",
    "rfqs",
    "rfq",
    "fair-meetings",
    "fair-matching",
    "order-reorder",
    "pay-qr",
    "fair-matching-register",
    "fair-meeting-request",
    "supply-outlook",
}
COOPERATIVE = {"sales", "fair-my-applications", "fair-application", "fair-apply", "fair-badges"}
EVERYONE = {"dashboard", "organisation", "organisation-members", "payments", "pay", "notifications",
            "notification-preferences", "account", "orders", "order-detail", "how-it-works"}  # fmt: skip


STAFF = {"linkage-evidence"}  # a force majeure's evidence: the demo's is another cooperative's, staff see all


def roles_for(name: str, route: str) -> list[str]:
    if name in ANONYMOUS:
        return ["anonymous"]
    if name in EVERYONE:
        return (
            ["buyer", "cooperative", "staff"]
            if name not in {"orders", "order-detail", "pay"}
            else [
                "buyer",
                "cooperative",
            ]
        )
    if name in BUYER:
        return ["buyer"]
    if name in COOPERATIVE or route.startswith("my/"):
        return ["cooperative"]
    if route.startswith("staff/") or name in STAFF:
        return ["staff"]
    return ["cooperative"]


PAYMENTS_DOCS = Path(__file__).resolve().parents[2] / "docs"
CASES = [(name, route, module, role) for name, route, module in PATTERNS for role in roles_for(name, route)]


# --- the demo, seeded once for the module and rolled back after it --------------------------------
@dataclass
class Demo:
    users: dict[str, Any]
    made: dict[str, Any]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Demo]:
    with seeded_once(django_db_blocker, tmp_path_factory.mktemp("private")):
        yield Demo(users=_users(), made=_extras())


def _users() -> dict[str, Any]:
    from market.organisations.models import User

    return {role: User.objects.get(email=email) for role, email in DEMO_PASSWORD_USERS.items()}


def _extras() -> dict[str, Any]:
    """What the demo has none of: a statement waiting for its preview, runs, an invitation link."""
    from market.exports.services import export_job_run, export_request
    from market.integrations.services import endpoint_create, endpoint_ping
    from market.organisations.actors import resolve_actor
    from market.organisations.models import ApiScope, Role, User
    from market.organisations.services import api_token_create, invitation_create, password_reset_url
    from market.payments.models import Payable
    from market.payments.services import reconciliation_run, settlement_run_create, statement_upload, transfer_report

    staff = resolve_actor(User.objects.get(email=DEMO_PASSWORD_USERS["staff"]))
    coop = resolve_actor(User.objects.get(email=DEMO_PASSWORD_USERS["cooperative"]))
    sample = (PAYMENTS_DOCS / "sample-bank-statement.csv").read_bytes()
    statement = statement_upload(
        actor=staff, file_name="sao-ke.csv", content=sample, bank_format="auto", account_number="1020304050"
    )
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    settlement = settlement_run_create(actor=staff, period_start=yesterday.replace(day=1), period_end=yesterday)
    _invitation, token = invitation_create(
        actor=coop, organisation_id=coop.organisation_id or 0, email="moi@htx-tanhiep.example", role=Role.STAFF
    )
    api_token, _secret = api_token_create(
        actor=coop, name="Phần mềm kế toán", scopes=frozenset({ApiScope.ORDERS_READ}), expires_on=None
    )
    endpoint, _webhook_secret = endpoint_create(
        actor=coop, url="http://127.0.0.1:9/market-link", description="MISA", events={"order.placed"}
    )
    ping = endpoint_ping(actor=coop, endpoint_id=endpoint.pk)
    export_job = export_request(
        actor=coop, kind="orders", date_from=yesterday.replace(day=1), date_to=timezone.localdate(),
        file_format="csv", stream_small=False,
    )  # fmt: skip
    export_job_run(job_id=export_job.pk)
    reset = password_reset_url(User.objects.get(email=DEMO_PASSWORD_USERS["buyer"])).rstrip("/").split("/")
    reported = transfer_report(
        actor=coop, payable_id=Payable.objects.filter(payee_id=coop.organisation_id, status="unpaid").first().pk,
        amount=1_000, received_on=timezone.localdate(), bank_reference="FT-DEMO-RECEIPT",
        receipt=SimpleUploadedFile("bien-lai.pdf", b"%PDF-1.4\n%demo\n", content_type="application/pdf"),
    )  # fmt: skip
    return {
        "statement": statement,
        "reconciliation": reconciliation_run(sweep=False),
        "settlement": settlement,
        "invitation_token": token,
        "api_token": api_token,
        "webhook_endpoint": endpoint,
        "webhook_delivery": ping,
        "export_job": export_job,
        "reset": (reset[-2], reset[-1]),
        "reported": reported,
    }


# --- URL arguments -----------------------------------------------------------------------------------
def _org(demo: Demo, role: str) -> Any:
    from market.organisations.actors import resolve_actor

    return resolve_actor(demo.users[role]).organisation


def _first(queryset: Any) -> Any:
    row = queryset.order_by("pk").first()
    assert row is not None, f"the demo has no {queryset.model.__name__}"
    return row


def _payable_for(org: Any) -> Any:
    """One of the organisation's payables, one still waiting for a transfer first (its page shows the most)."""
    from market.payments.models import Payable

    mine = Payable.objects.filter(payer=org) | Payable.objects.filter(payee=org)
    payable = mine.exclude(account_number="").order_by("amount_paid", "-status", "pk").first()
    assert payable is not None, f"the demo has no payable of {org}"
    return payable


def _contract_allowing(demo: Demo, role: str, name: str) -> int:
    """A contract of the role's organisation whose page answers. The demo's contract waits for the
    cooperative's signature on an amendment; the edit and amend pages need it returned to drafting (and, to
    amend, that draft discarded) — done here inside the test's own transaction, so nothing else sees it."""
    from linkage import services
    from linkage.models import LinkageContract
    from linkage.policy import ContractAction, contract_actions
    from market.organisations.actors import resolve_actor

    actor = resolve_actor(demo.users[role])
    contract = next(c for c in LinkageContract.objects.order_by("pk") if contract_actions(actor=actor, contract=c))
    if name in {"linkage-contract-edit", "linkage-contract-amend"}:
        services.version_reopen(actor=actor, contract_id=contract.pk)
    if name == "linkage-contract-amend":
        services.version_discard(actor=actor, contract_id=contract.pk)
    needed = {"linkage-contract-edit": ContractAction.EDIT, "linkage-contract-amend": ContractAction.AMEND}.get(name)
    assert needed is None or needed in contract_actions(
        actor=actor, contract=LinkageContract.objects.get(pk=contract.pk)
    )
    return contract.pk


def argument(demo: Demo, name: str, param: str, role: str) -> Any:
    from catalog.models import Certificate, HarvestLot, Product
    from catalog.supply.models import Intake, MemberHousehold, Plot, PlotSeason, RawMaterialArea, Season, SeasonPrice
    from fairs.models import Application, Badge, Booth, Fair, Meeting, SubsidyProgramme
    from linkage.models import CallOff, ForceMajeure
    from market.notifications.models import Notification
    from market.organisations.models import Invitation, Membership, Organisation, VerificationStatus
    from market.payments.models import BankTransaction, Discrepancy, Payment, Settlement, TransactionStatus
    from orders.models import Checkout, Invoice, Order, Rfq

    org = _org(demo, role) if role != "anonymous" else None
    resolvers: dict[str, Callable[[], Any]] = {
        "checkout_id": lambda: _first(Checkout.objects.filter(buyer=org)).pk,
        "order_id": lambda: _first(Order.objects.filter(buyer=org) | Order.objects.filter(cooperative=org)).pk,
        "rfq_id": lambda: _first(Rfq.objects.filter(buyer=org)).pk,
        "invoice_id": lambda: (
            _first(Invoice.objects.filter(order__cooperative=org) | Invoice.objects.filter(order__buyer=org)).pk
        ),
        "action": lambda: "confirm",
        "token": lambda: demo.made["invitation_token"],
        "uid": lambda: demo.made["reset"][0],
        "organisation_id": lambda: (
            _first(Organisation.objects.exclude(verification_status=VerificationStatus.VERIFIED)).pk
            if name.startswith("staff-")
            else _first(Organisation.objects.filter(name__startswith="HTX", verification_status="verified")).pk
        ),
        "reference": lambda: _payable_for(org).reference,
        "payment_id": lambda: _first(Payment.objects.all()).pk,
        "transaction_id": lambda: (
            demo.made["reported"].pk
            if name == "transfer-receipt"
            else _first(BankTransaction.objects.filter(status=TransactionStatus.NEEDS_REVIEW)).pk
        ),
        "statement_id": lambda: demo.made["statement"].pk,
        "run_id": lambda: demo.made["settlement" if "settlement" in name else "reconciliation"].pk,
        "notification_id": lambda: (
            _first(
                Notification.objects.all()
                if role == "staff"
                else Notification.objects.filter(recipient_user=demo.users[role], channel="in_app", status="sent")
            ).pk
        ),
        "kind_name": lambda: "organisations.verified",
        "product_id": lambda: (
            _first(
                Product.objects.filter(cooperative=org)
                if name.startswith("my-")
                else Product.objects.filter(status="published")
            ).pk
        ),
        "lot_id": lambda: _first(HarvestLot.objects.filter(product__cooperative=org)).pk,
        "public_id": lambda: _first(HarvestLot.objects.exclude(public_id="")).public_id,
        "gtin": lambda: _first(HarvestLot.objects.exclude(product__gtin="")).product.gtin,
        "lot_code": lambda: _first(HarvestLot.objects.exclude(product__gtin="")).code,
        "certificate_id": lambda: (
            _first(
                Certificate.objects.filter(cooperative=org)
                if org and not org.is_alliance
                else Certificate.objects.all()
            ).pk
        ),
        "application_id": lambda: _first(Application.objects.filter(cooperative=org)).pk,
        "slug": lambda: _first(Fair.objects.all()).slug,
        "programme_id": lambda: _first(SubsidyProgramme.objects.all()).pk,
        # Controls that only answer a form post (a GET is a 405): any row will do.
        "membership_id": lambda: _first(Membership.objects.all()).pk,
        "invitation_id": lambda: _first(Invitation.objects.all()).pk,
        "token_id": lambda: demo.made["api_token"].pk,
        "endpoint_id": lambda: demo.made["webhook_endpoint"].pk,
        "delivery_id": lambda: demo.made["webhook_delivery"].pk,
        "job_id": lambda: demo.made["export_job"].pk,
        "discrepancy_id": lambda: Discrepancy.objects.order_by("pk").values_list("pk", flat=True).first() or 1,
        "settlement_id": lambda: Settlement.objects.order_by("pk").values_list("pk", flat=True).first() or 1,
        "image_id": lambda: 1,
        "code": lambda: _first(Badge.objects.filter(organisation=org, fair=_first(Fair.objects.all()))).code,
        "booth_id": lambda: _first(Booth.objects.all()).pk,
        "meeting_id": lambda: _first(Meeting.objects.all()).pk,
        "exhibitor_id": lambda: (
            _first(Organisation.objects.filter(name__startswith="HTX", verification_status="verified")).pk
        ),
        "verb": lambda: {"fair-application-act": "withdraw", "fair-booth-act": "edit"}.get(name, "accept"),
        "area_id": lambda: _first(RawMaterialArea.objects.filter(cooperative=org)).pk,
        "plot_id": lambda: _first(Plot.objects.filter(area__cooperative=org)).pk,
        "plot_season_id": lambda: _first(PlotSeason.objects.filter(plot__area__cooperative=org)).pk,
        "season_id": lambda: _first(Season.objects.filter(cooperative=org)).pk,
        "price_id": lambda: _first(SeasonPrice.objects.filter(season__cooperative=org)).pk,
        "household_id": lambda: _first(MemberHousehold.objects.filter(cooperative=org)).pk,
        "intake_id": lambda: _first(Intake.objects.filter(cooperative=org)).pk,
        "contract_id": lambda: _contract_allowing(demo, role, name),
        "number": lambda: 1,
        "command": lambda: "sign",
        "call_off_id": lambda: _first(CallOff.objects.filter(contract__cooperative=org)).pk,
        "kind": lambda: "call-off",
        "item_id": lambda: _first(CallOff.objects.filter(contract__cooperative=org)).pk,
        "event_id": lambda: _first(ForceMajeure.objects.exclude(evidence="")).pk,
        "role": lambda: role,  # each role's own "how it works" page
    }
    if name == "password-reset-confirm" and param == "token":
        return demo.made["reset"][1]
    if param not in resolvers:
        pytest.fail(f"tests/frontend/test_vietnamese_pages.py has no example for <{param}> of {name}: add one")
    return resolvers[param]()


def url_of(demo: Demo, name: str, route: str, role: str) -> str:
    import re

    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    return reverse(f"frontend:{name}", kwargs={param: argument(demo, name, param, role) for param in params})


@pytest.mark.parametrize(
    ("name", "route", "module", "role"),
    [pytest.param(*case, id=f"{case[0]}:{case[3]}") for case in CASES],
)
def test_every_page_is_vietnamese(demo: Demo, name: str, route: str, module: str, role: str, db: None) -> None:
    client = Client()
    if role != "anonymous":
        client.force_login(demo.users[role])
    url = url_of(demo, name, route, role)
    response = client.get(url)
    if response.status_code == 405:
        pytest.skip("not a page: it only answers a form post")
    if response.status_code in (301, 302):
        pytest.skip(f"a redirect to {response['Location']}")
    content_type = response.get("Content-Type", "")
    if not content_type.startswith("text/html"):
        pytest.skip(f"not a page: {content_type}")
    assert response.status_code == 200, f"{url} answered {response.status_code} to {role}"
    found = findings(response.content.decode())
    assert not found, f"{url} as {role} shows:\n  " + "\n  ".join(str(item) for item in found)


def test_the_sample_statement_pays_the_demo_order_waiting_for_it(demo: Demo, db: None) -> None:
    """README: upload docs/sample-bank-statement.csv as staff and the buyer's VietQR payment is recognised."""
    from market.payments.demo import SAMPLE_REFERENCE
    from market.payments.models import Payable, PayableStatus
    from market.payments.services import statement_apply
    from market.payments.services.bank import statement_preview

    statement = demo.made["statement"]
    assert [(line.outcome, line.reason) for line in statement_preview(statement)[0]] == [
        ("apply", "exact"),
        ("review", "unmatched"),
        ("outgoing", None),
    ]
    with transaction.atomic():
        from market.organisations.actors import resolve_actor

        statement_apply(actor=resolve_actor(demo.users["staff"]), statement_id=statement.pk)
        assert Payable.objects.get(reference=SAMPLE_REFERENCE).status == PayableStatus.PAID
        transaction.set_rollback(True)
