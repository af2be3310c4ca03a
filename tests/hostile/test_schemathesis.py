"""The committed OpenAPI schema (docs/openapi.yaml) against the running API, by schemathesis: every operation, as
each role (anonymous, a cooperative's owner, a buyer's owner, alliance staff), on the seeded demo so that ids name
real products, lots, orders and fairs. Requests go through Django's WSGI application in this process (no server,
the test's own transaction). Each answer must not be a 5xx, must have a documented status code and media type,
and must match its documented schema; anonymous callers get 401 exactly where the schema asks for credentials.

Fixed budget and seed: EXAMPLES examples per operation and role from the seed SEED, with no example database,
so that every run sends the same requests and a failure reproduces."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.apps import apps
from django.core.exceptions import FieldError
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from market.integrations import services as webhooks
from market.organisations.models import Role, User
from market.organisations.permissions import Actor
from tests.module_data import seeded_once

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
EXAMPLES = 3
SEED = 20261204
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = {
    "anonymous": None,
    "cooperative": "chunhiem@htx-tanhiep.example",
    "buyer": "thumua@luongthuc-kiengiang.example",
    "staff": "nhanvien@lienminh-angiang.example",
}
# Operations left out, and why: the provider webhooks answer to a signature only (tests/payments cover them).
SKIPPED = {"POST /api/v1/payments/webhooks/bank/", "POST /api/v1/payments/webhooks/stripe/"}

# A path parameter -> the model whose ids it takes (and the field when it is not the primary key).
PATH_MODELS: dict[str, tuple[str, str]] = {
    "advance_id": ("linkage.InputAdvance", "pk"),
    "application_id": ("fairs.Application", "pk"),
    "area_id": ("catalog.RawMaterialArea", "pk"),
    "booth_id": ("fairs.Booth", "pk"),
    "call_off_id": ("linkage.CallOff", "pk"),
    "certificate_id": ("catalog.Certificate", "pk"),
    "checkout_id": ("orders.Checkout", "pk"),
    "contract_id": ("linkage.LinkageContract", "pk"),
    "delivery_id": ("integrations.WebhookDelivery", "pk"),
    "discrepancy_id": ("payments.Discrepancy", "pk"),
    "dispute_id": ("linkage.Dispute", "pk"),
    "endpoint_id": ("integrations.WebhookEndpoint", "pk"),
    "event_id": ("linkage.ForceMajeure", "pk"),
    "fair_id": ("fairs.Fair", "pk"),
    "household_id": ("catalog.MemberHousehold", "pk"),
    "image_id": ("catalog.ProductImage", "pk"),
    "intake_id": ("catalog.Intake", "pk"),
    "invitation_id": ("organisations.Invitation", "pk"),
    "invoice_id": ("orders.Invoice", "pk"),
    "line_id": ("orders.CartLine", "pk"),
    "lot_id": ("catalog.HarvestLot", "pk"),
    "meeting_id": ("fairs.Meeting", "pk"),
    "membership_id": ("organisations.Membership", "pk"),
    "notification_id": ("notifications.Notification", "pk"),
    "order_id": ("orders.Order", "pk"),
    "organisation_id": ("organisations.Organisation", "pk"),
    "payment_id": ("payments.Payment", "pk"),
    "plot_id": ("catalog.Plot", "pk"),
    "plot_season_id": ("catalog.PlotSeason", "pk"),
    "price_id": ("catalog.SeasonPrice", "pk"),
    "product_id": ("catalog.Product", "pk"),
    "public_id": ("catalog.HarvestLot", "public_id"),
    "quote_id": ("orders.Quote", "pk"),
    "reference": ("payments.Payable", "reference"),
    "rfq_id": ("orders.Rfq", "pk"),
    "season_id": ("catalog.Season", "pk"),
    "series_id": ("linkage.ReferenceSeries", "pk"),
    "settlement_id": ("payments.Settlement", "pk"),
    "statement_id": ("payments.StatementImport", "pk"),
    "token_id": ("organisations.ApiToken", "pk"),
    "transaction_id": ("payments.BankTransaction", "pk"),
}
# How a row belongs to an organisation, tried in turn: the role's own rows come first among the ids tried.
OWNER_LOOKUPS = (
    "organisation",
    "cooperative",
    "buyer",
    "user__memberships__organisation",
    "product__cooperative",
    "order__cooperative",
    "order__buyer",
    "contract__buyer",
    "contract__cooperative",
    "area__cooperative",
    "season__cooperative",
    "fair__applications__cooperative",
    "endpoint__organisation",
)


@dataclass(frozen=True)
class Failure:
    operation: str
    status: int
    message: str


def _ids(param: str, organisation_id: int | None) -> list[Any]:
    label, field = PATH_MODELS[param]
    model = apps.get_model(label)
    own: list[Any] = []
    if organisation_id is not None:
        for lookup in OWNER_LOOKUPS:
            try:
                own = list(model.objects.filter(**{lookup: organisation_id}).values_list(field, flat=True)[:3])
            except FieldError:
                continue
            if own:
                break
    others = list(model.objects.exclude(**{f"{field}__in": own}).order_by("pk").values_list(field, flat=True)[:2])
    return [str(value) for value in [*own, *others]]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The demo data, seeded once for the module inside a transaction that is rolled back at its end."""
    with seeded_once(django_db_blocker, tmp_path_factory.mktemp("private")):
        _webhook_endpoints()
        yield


def _webhook_endpoints() -> None:
    """The demo registers no webhooks: one endpoint (never contacted, the relay does not run) with one queued
    ping per signed-in role's organisation, so that the webhook operations are tried on real ids too."""
    for email in filter(None, ROLES.values()):
        membership = User.objects.get(email=email).memberships.select_related("user", "organisation").first()
        if membership is None:
            continue
        # Set up as the organisation's owner: staff of the alliance may not manage webhooks themselves.
        actor = Actor(user=membership.user, organisation=membership.organisation, role=Role.OWNER)
        endpoint, _secret = webhooks.endpoint_create(
            actor=actor, url="http://127.0.0.1:9/hooks", description="schemathesis", events=["order.placed"]
        )
        webhooks.endpoint_ping(actor=actor, endpoint_id=endpoint.pk)


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """Django's WSGI application on the test's connection: like django.test.Client, it must not close the
    connection (and the test's transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _credentials(email: str | None) -> tuple[dict[str, str], dict[str, str], int | None]:
    """Cookies, headers and the acting organisation of a signed-in session (with its CSRF token)."""
    if email is None:
        return {}, {}, None
    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)  # an unmasked 32-character secret, as the cookie holds it
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}
    membership = user.memberships.order_by("created_at", "id").first()
    return cookies, {"X-CSRFToken": csrf}, membership.organisation_id if membership else None


def _is_public(operation: Any) -> bool:
    security = operation.definition.raw.get("security")
    return security is None or {} in security


def _examples(
    operation: Any,
    label: str,
    real: dict[str, list[str]],
    role: str,
    wsgi_app: Any,
    cookies: dict[str, str],
    headers: dict[str, str],
    failures: list[Failure],
) -> None:
    """EXAMPLES requests to one operation; what fails is added to `failures`."""

    @st.composite
    def cases(draw: Any) -> Any:
        case = draw(operation.as_strategy())
        for name, values in real.items():
            if values:
                case.path_parameters[name] = draw(st.sampled_from(values))
        return case

    @settings(max_examples=EXAMPLES, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @seed(SEED)
    @given(case=cases())
    def run(case: Any) -> None:
        try:
            # In a savepoint: a request that breaks the transaction (a database error, a 500) spoils only itself
            # and is reported, rather than aborting every request after it.
            with transaction.atomic():
                response = case.call(app=wsgi_app, headers=headers, cookies=cookies)
            case.validate_response(response, checks=CHECKS)
        except (Exception, FailureGroup) as error:  # every failing check, of every operation, is reported at the end
            failures.append(Failure(label, 0, str(error)[:1500]))
            return
        if role == "anonymous" and (response.status_code == 401) == _is_public(operation):
            failures.append(Failure(label, response.status_code, "the schema's security says otherwise for anonymous"))

    run()


@pytest.mark.slow
@pytest.mark.long  # minutes: scheduled first, beside the soak (tests/conftest.py)
@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
def test_every_operation_answers_as_documented(role: str, demo: None, wsgi_app: Any) -> None:
    schema = schemathesis.openapi.from_path(SCHEMA)
    cookies, headers, organisation_id = _credentials(ROLES[role])
    headers["Accept-Language"] = "vi"
    headers["Accept-Encoding"] = "identity"  # bodies as they are, for the schema checks to read
    failures: list[Failure] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label in SKIPPED:
            continue
        operations += 1
        real = {
            p.name: _ids(p.name, organisation_id)
            for p in operation.path_parameters
            if p.name in PATH_MODELS and (role != "anonymous" or _is_public(operation))
        }

        _examples(operation, label, real, role, wsgi_app, cookies, headers, failures)
    report = "\n\n".join(f"{f.operation} -> {f.status}\n{f.message}" for f in failures)
    assert not failures, f"{len(failures)} failures over {operations} operations as {role}:\n\n{report}"
