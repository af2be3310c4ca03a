"""Scoped API tokens: every API operation × its scope, read from the URL resolver so that a new endpoint cannot
be forgotten; expiry, revocation and legacy tokens; the OpenAPI document; the token page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from itertools import product
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from market.core.models import AuditEvent
from market.organisations import services
from market.organisations.actors import resolve_actor
from market.organisations.authentication import ApiTokenAuthentication, format_token, hash_secret
from market.organisations.drf import ActorAPIView, required_scope
from market.organisations.models import ApiScope, ApiToken, Organisation, Role, User
from market.organisations.permissions import Actor
from market.organisations.policies import ApiTokenAction, api_token_actions
from tests.factories import member
from tests.forms import once_key
from tests.matrix import accepted, shown_actions_in

pytestmark = pytest.mark.django_db

MISSING = 987654  # an id no fixture reaches: the handler answers 404 or 400 once the scope check let it through


@dataclass(frozen=True)
class Operation:
    route: str  # as in the URLconf, e.g. "api/v1/orders/<int:order_id>/"
    view: type[ActorAPIView]
    method: str

    @property
    def path(self) -> str:
        return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: str(MISSING) if m[1] == "int" else "csv", self.route)

    @property
    def openapi_path(self) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.route)

    def __str__(self) -> str:
        return f"{self.method} {self.openapi_path}"


def _patterns(patterns: list[Any], prefix: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            found.append((prefix + str(pattern.pattern), pattern))
    return found


def token_operations() -> list[Operation]:
    """Every operation of the API that an API token can reach (provider webhooks authenticate otherwise)."""
    operations = []
    for route, pattern in _patterns(get_resolver().url_patterns):
        view = getattr(pattern.callback, "cls", None)
        if not route.startswith("api/v1/") or view is None:
            continue
        if not any(isinstance(auth, ApiTokenAuthentication) for auth in view().get_authenticators()):
            continue
        methods = [m.upper() for m in view.http_method_names if m not in ("options", "head") and hasattr(view, m)]
        operations += [Operation(route, view, method) for method in methods]
    return operations


OPERATIONS = token_operations()


def issue(organisation: Organisation, user: User, scopes: set[ApiScope]) -> str:
    actor = Actor(user=user, organisation=organisation, role=Role.OWNER)
    _token, secret = services.api_token_create(actor=actor, name="ERP", scopes=frozenset(scopes), expires_on=None)
    return secret


def bearer(secret: str, language: str = "en") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE=language)
    return client


def call(client: APIClient, operation: Operation) -> Any:
    return getattr(client, operation.method.lower())(operation.path, {}, format="json")


def refused_for_scope(response: Any) -> bool:
    return response.status_code == 403 and response.json()["error"]["code"] == "missing_scope"


@pytest.fixture
def owner(buyer: Organisation) -> User:
    return member(buyer, Role.OWNER)


def test_the_walk_finds_the_api():
    """Guards the walk itself: if it found nothing, the matrix below would pass vacuously."""
    assert len(OPERATIONS) > 150
    assert "GET /api/v1/orders/" in {str(op) for op in OPERATIONS}
    assert "POST /api/v1/payments/webhooks/stripe/" not in {str(op) for op in OPERATIONS}


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_each_operation_needs_exactly_its_declared_scope(operation, buyer, owner):
    """Two requests a cell: every other scope is refused with this one named; this scope alone gets through
    (to the handler's own answer for a missing id). The check is monotonic, so these two settle the row."""
    scope = required_scope(operation.view(), operation.method)  # UndeclaredScope: the view forgot to declare
    if scope is None:
        allowed = call(bearer(issue(buyer, owner, {ApiScope.FAIRS})), operation)
    else:
        refused = call(bearer(issue(buyer, owner, set(ApiScope) - {scope})), operation)
        assert refused_for_scope(refused), refused.content
        assert f"“{scope.value}”" in refused.json()["error"]["message"]
        allowed = call(bearer(issue(buyer, owner, {scope})), operation)
    assert not refused_for_scope(allowed), allowed.content
    assert allowed.status_code < 500


class _Undeclared(ActorAPIView):
    """A view that forgot `required_scopes`."""

    def get(self, request: Any) -> Response:
        return Response({"ok": True})


def test_an_operation_that_declares_no_scope_is_closed_to_tokens(buyer, owner):
    view = _Undeclared.as_view()
    secret = issue(buyer, owner, set(ApiScope))
    refused = view(APIRequestFactory().get("/undeclared/", HTTP_AUTHORIZATION=f"Bearer {secret}"))
    assert refused.status_code == 403
    assert refused.data["error"]["code"] == "missing_scope"
    by_session = APIRequestFactory().get("/undeclared/")
    force_authenticate(by_session, user=owner)
    assert view(by_session).status_code == 200


def test_the_refusal_is_in_vietnamese(buyer, owner):
    response = bearer(issue(buyer, owner, {ApiScope.FAIRS}), language="vi").get("/api/v1/orders/")
    assert response.status_code == 403
    message = response.json()["error"]["message"]
    assert "“orders:read”" in message
    assert message.startswith("Khóa API này thiếu quyền")


def test_sessions_are_not_limited_by_scopes(api, owner):
    assert api(owner).get("/api/v1/orders/").status_code == 200


# --- legacy, expiry, revocation, last use ----------------------------------------------------------
def legacy_token(organisation: Organisation, user: User) -> str:
    """A token as they were before scopes: what the data migration marks legacy."""
    secret = issue(organisation, user, {ApiScope.FAIRS})
    ApiToken.objects.filter(user=user).update(is_legacy=True, scopes=[], expires_at=None)
    return secret


def first_operation_needing(scope: ApiScope) -> Operation | None:
    return next((op for op in OPERATIONS if required_scope(op.view(), op.method) == scope), None)


@pytest.mark.parametrize("scope", [s for s in ApiScope if first_operation_needing(s)])
def test_a_legacy_token_keeps_every_scope(scope, buyer, owner):
    operation = first_operation_needing(scope)
    assert operation is not None
    response = call(bearer(legacy_token(buyer, owner)), operation)
    assert not refused_for_scope(response), response.content


def test_the_migration_marks_existing_tokens_legacy(buyer, owner):
    """A token made before scopes keeps working, with every scope, until it is rotated.

    The migration's own operations (the Migration object the executor would apply), run against the token table
    alone: 0003 is undone (its fields and constraint dropped, as migrating back does), a row is inserted as 0002
    stored it, and 0003 is applied again from the historical state of the 0002 node, so its RunPython sees the
    historical model and its check constraint is validated against that row. Migrating the whole schema back to
    0002 and forward proves no more about this migration and took most of this file's time. PostgreSQL's DDL is
    transactional: the test's transaction rolls all of it back."""
    loader = MigrationLoader(connection)
    migration = loader.get_migration("organisations", "0003_api_token_scopes_expiry")
    before = loader.project_state(("organisations", "0002_user_email_lower_case"))
    assert "is_legacy" not in before.models["organisations", "apitoken"].fields
    with connection.schema_editor(atomic=False) as editor:
        migration.unapply(before, editor)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO organisations_apitoken (created_at, updated_at, user_id, organisation_id, name, prefix,"
            " key_hash, last_used_at, revoked_at) VALUES (now(), now(), %s, %s, 'ERP', 'abcdef0123', %s, null, null)",
            [owner.pk, buyer.pk, hash_secret("s3cret")],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks while the table is altered
    with connection.schema_editor(atomic=False) as editor:
        after = migration.apply(before, editor)
    assert "is_legacy" in after.models["organisations", "apitoken"].fields
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    token = ApiToken.objects.get(prefix="abcdef0123")
    assert token.is_legacy
    assert token.expires_at is None
    assert token.scopes == []
    client = bearer(format_token("abcdef0123", "s3cret"))
    for path in ("/api/v1/orders/", "/api/v1/rfqs/", "/api/v1/linkage/contracts/", "/api/v1/tokens/"):
        assert client.get(path).status_code == 200, path


def test_an_expired_token_is_refused_on_its_next_request(buyer, owner):
    client = bearer(issue(buyer, owner, {ApiScope.ORDERS_READ}))
    assert client.get("/api/v1/orders/").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/orders/")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_a_revoked_token_is_refused_on_its_next_request(buyer, owner, api):
    client = bearer(issue(buyer, owner, {ApiScope.ORDERS_READ}))
    assert client.get("/api/v1/orders/").status_code == 200
    token = ApiToken.objects.get()
    assert api(owner).post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 200
    assert client.get("/api/v1/orders/").status_code == 401


def test_renewing_brings_an_expired_token_back(buyer, owner, api):
    client = bearer(issue(buyer, owner, {ApiScope.ORDERS_READ}))
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(days=1))
    token = ApiToken.objects.get()
    until = timezone.localdate() + timedelta(days=30)
    response = api(owner).post(f"/api/v1/tokens/{token.pk}/renew/", {"expires_on": until.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    assert timezone.localtime(ApiToken.objects.get().expires_at).date() == until
    assert client.get("/api/v1/orders/").status_code == 200


@pytest.mark.parametrize(
    ("days", "message"),
    [(0, "Hãy chọn một ngày sau hôm nay."), (2 * 365 + 1, "Khóa API có hiệu lực tối đa hai năm")],
)
def test_expiry_is_bounded(days, message, api, owner):
    until = (timezone.localdate() + timedelta(days=days)).isoformat()
    body = {"name": "ERP", "scopes": ["orders:read"], "expires_on": until}
    response = api(owner).post("/api/v1/tokens/", body, format="json")
    assert response.status_code == 400
    assert message in response.json()["error"]["fields"]["expires_on"][0]


def test_a_new_token_lasts_a_year_by_default(api, owner):
    response = api(owner).post("/api/v1/tokens/", {"name": "ERP", "scopes": ["orders:read"]}, format="json")
    assert response.status_code == 201
    expires_at = timezone.localtime(ApiToken.objects.get().expires_at)
    assert expires_at.date() == timezone.localdate() + timedelta(days=365)
    assert response.json()["scopes"] == ["orders:read"]


def test_a_legacy_token_is_rotated_not_renewed(buyer, owner, api):
    old = bearer(legacy_token(buyer, owner))
    token = ApiToken.objects.get()
    assert api(owner).post(f"/api/v1/tokens/{token.pk}/renew/", {}, format="json").status_code == 409
    response = api(owner).post(f"/api/v1/tokens/{token.pk}/rotate/", {"scopes": ["orders:read"]}, format="json")
    assert response.status_code == 201, response.content
    new = bearer(response.json()["token"])
    assert old.get("/api/v1/orders/").status_code == 401
    assert new.get("/api/v1/orders/").status_code == 200
    assert refused_for_scope(new.get("/api/v1/rfqs/"))
    assert response.json()["name"] == token.name
    assert response.json()["is_legacy"] is False


def test_a_token_cannot_mint_a_wider_token(buyer, owner):
    client = bearer(issue(buyer, owner, {ApiScope.ORGANISATION}))
    wider = client.post("/api/v1/tokens/", {"name": "X", "scopes": ["organisation", "payments:write"]}, format="json")
    assert wider.status_code == 403
    assert "payments:write" in wider.json()["error"]["message"]
    same = client.post("/api/v1/tokens/", {"name": "X", "scopes": ["organisation"]}, format="json")
    assert same.status_code == 201


def test_last_use_is_recorded_at_most_once_a_minute(buyer, owner, django_assert_num_queries):
    client = bearer(issue(buyer, owner, {ApiScope.ORDERS_READ}))
    client.get("/api/v1/orders/", REMOTE_ADDR="203.0.113.7")
    first = ApiToken.objects.get()
    assert first.last_used_ip == "203.0.113.7"
    client.get("/api/v1/orders/", REMOTE_ADDR="203.0.113.8")
    assert ApiToken.objects.get().last_used_at == first.last_used_at  # within the minute: not written again
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    client.get("/api/v1/orders/", REMOTE_ADDR="203.0.113.8")
    assert ApiToken.objects.get().last_used_ip == "203.0.113.8"


def test_every_token_change_is_audited(buyer, owner, api):
    client = api(owner)
    created = client.post("/api/v1/tokens/", {"name": "ERP", "scopes": ["orders:read"]}, format="json").json()
    client.post(f"/api/v1/tokens/{created['id']}/renew/", {}, format="json")
    rotated = client.post(f"/api/v1/tokens/{created['id']}/rotate/", {"scopes": ["rfqs"]}, format="json").json()
    client.post(f"/api/v1/tokens/{rotated['id']}/revoke/", {}, format="json")
    events = list(AuditEvent.objects.filter(action__startswith="api_token.").order_by("pk"))
    assert [e.action for e in events] == [
        "api_token.created",
        "api_token.renewed",
        "api_token.rotated",
        "api_token.created",
        "api_token.revoked",
    ]
    assert events[0].data["scopes"] == ["orders:read"]
    assert events[0].actor_user == owner
    assert events[3].data["scopes"] == ["rfqs"]


# --- OpenAPI ---------------------------------------------------------------------------------------
def test_openapi_names_each_operations_scope():
    # libyaml's parser (PyYAML's wheels ship it) reads the document in a tenth of the pure-Python one's time.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load((Path(__file__).parents[2] / "docs" / "openapi.yaml").read_text(), Loader=loader)  # noqa: S506
    for operation in OPERATIONS:
        scope = required_scope(operation.view(), operation.method)
        documented = document["paths"][operation.openapi_path][operation.method.lower()]
        tokens = [req["apiToken"] for req in documented.get("security", []) if "apiToken" in req]
        if scope is None:  # any token, or none at all (a password reset documents no security)
            assert tokens in ([], [[]]), str(operation)
        else:
            assert tokens == [[scope.value]], str(operation)


def test_the_token_guide_lists_every_scope():
    guide = (Path(__file__).parents[2] / "docs" / "api-tokens.md").read_text()
    assert [scope for scope in ApiScope if f"| `{scope.value}` |" not in guide] == []


# --- the token page ----------------------------------------------------------------------------------
def test_page_creates_shows_the_secret_once_and_revokes(client, owner):
    client.force_login(owner)
    until = (timezone.localdate() + timedelta(days=90)).strftime("%d/%m/%Y")
    body = {"name": "Phần mềm kế toán", "scopes": ["orders:read", "payments:read"], "expires_on": until}
    body["once_key"] = page_key(client)
    created = client.post("/organisation/tokens/", body, HTTP_ACCEPT_LANGUAGE="vi")
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token">([^<]+)<', created.content.decode())[1]
    token = ApiToken.objects.get()
    assert sorted(token.scopes) == ["orders:read", "payments:read"]
    assert timezone.localtime(token.expires_at).date() == timezone.localdate() + timedelta(days=90)
    assert bearer(secret).get("/api/v1/orders/").status_code == 200

    listed = client.get("/organisation/tokens/").content.decode()
    assert secret not in listed
    assert secret.split("_", 2)[2] not in listed
    assert "Phần mềm kế toán" in listed
    assert "orders:read" in listed

    revoked = client.post(f"/organisation/tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302
    assert bearer(secret).get("/api/v1/orders/").status_code == 401
    assert 'data-action="revoke"' not in client.get("/organisation/tokens/").content.decode()


def test_page_refuses_a_token_without_scopes_in_vietnamese(client, owner):
    client.force_login(owner)
    response = client.post(
        "/organisation/tokens/", {"name": "ERP", "once_key": page_key(client)}, HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert response.status_code == 400
    assert "Hãy chọn ít nhất một quyền." in response.content.decode()
    assert not ApiToken.objects.exists()


def page_key(client) -> str:
    """The one-time key the new-token form is rendered with."""
    return once_key(client.get("/organisation/tokens/").content.decode())


def test_the_new_token_form_sent_twice_makes_one_token_and_says_where_its_secret_went(client, owner):
    client.force_login(owner)
    body = {"name": "ERP", "scopes": ["orders:read"], "once_key": page_key(client)}
    first = client.post("/organisation/tokens/", body)
    second = client.post("/organisation/tokens/", body, HTTP_ACCEPT_LANGUAGE="vi")
    assert first.status_code == second.status_code == 200
    assert ApiToken.objects.count() == 1
    assert 'id="new-token"' in first.content.decode()
    assert 'id="new-token"' not in second.content.decode()
    assert "hãy bấm “Thay khóa mới” để nhận mã bí mật mới" in second.content.decode()


def rotate_key(client, token: ApiToken) -> str:
    """The one-time key the rotation form is rendered with."""
    page = client.get(f"/organisation/tokens/{token.pk}/rotate/").content.decode()
    return once_key(page)


def test_a_rotation_sent_twice_says_the_first_click_rotated_it_and_offers_to_rotate_again(client, owner, buyer):
    """A double click on "Rotate": the browser shows the second answer, and the secret was on the first one."""
    client.force_login(owner)
    old_secret = issue(buyer, owner, {ApiScope.ORDERS_READ, ApiScope.RFQS})
    old = ApiToken.objects.get()
    until = (timezone.localdate() + timedelta(days=90)).strftime("%d/%m/%Y")
    body = {"scopes": ["orders:read"], "expires_on": until, "once_key": rotate_key(client, old)}

    first = client.post(f"/organisation/tokens/{old.pk}/rotate/", body, HTTP_ACCEPT_LANGUAGE="vi")
    second = client.post(f"/organisation/tokens/{old.pk}/rotate/", body, HTTP_ACCEPT_LANGUAGE="vi")

    assert first.status_code == second.status_code == 200
    assert 'id="new-token"' in first.content.decode()
    page = second.content.decode()
    assert 'id="new-token"' not in page
    assert "Khóa “ERP” vừa được thay mới bởi lần bấm “Thay khóa mới” đầu tiên của bạn." in page
    assert "Mã bí mật mới của khóa chỉ hiện một lần" in page
    new = ApiToken.objects.get(revoked_at__isnull=True)
    assert bearer(old_secret).get("/api/v1/orders/").status_code == 401
    again = re.search(r'id="rotated-twice".*?</div>', page, re.S)[0]
    assert f'action="/organisation/tokens/{new.pk}/rotate/"' in again
    assert 'data-action="rotate_again"' in again

    # The button rotates the token the first click made, with its scopes and expiry, and shows that secret.
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', again)
    form: dict[str, list[str]] = {}
    for name, value in fields:
        form.setdefault(name, []).append(value)
    rotated = client.post(f"/organisation/tokens/{new.pk}/rotate/", form, HTTP_ACCEPT_LANGUAGE="vi")
    assert rotated.status_code == 200
    secret = re.search(r'id="new-token">([^<]+)<', rotated.content.decode())[1]
    newest = ApiToken.objects.get(revoked_at__isnull=True)
    assert newest.pk not in (old.pk, new.pk)
    assert newest.name == "ERP"
    assert newest.scopes == ["orders:read"]
    assert timezone.localtime(newest.expires_at).date() == timezone.localdate() + timedelta(days=90)
    assert bearer(secret).get("/api/v1/orders/").status_code == 200


def test_rotating_a_revoked_token_says_why_without_a_form(client, owner, buyer):
    """A page opened before the token was revoked (by a colleague, in another tab)."""
    client.force_login(owner)
    issue(buyer, owner, {ApiScope.ORDERS_READ})
    token = ApiToken.objects.get()
    body = {"scopes": ["orders:read"], "once_key": rotate_key(client, token)}
    services.api_token_revoke(actor=resolve_actor(owner), token_id=token.pk)
    sent = client.post(f"/organisation/tokens/{token.pk}/rotate/", body, HTTP_ACCEPT_LANGUAGE="vi")
    opened = client.get(f"/organisation/tokens/{token.pk}/rotate/", HTTP_ACCEPT_LANGUAGE="vi")
    for response in (sent, opened):
        assert response.status_code == 409
        page = response.content.decode()
        assert "Khóa API này đã bị thu hồi." in page
        assert 'data-action="rotate"' not in page
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_revoking_a_revoked_token_answers_on_the_token_page(client, owner, buyer):
    """A double click on "Revoke", or a colleague who revoked it first."""
    client.force_login(owner)
    issue(buyer, owner, {ApiScope.ORDERS_READ})
    token = ApiToken.objects.get()
    assert client.post(f"/organisation/tokens/{token.pk}/revoke/", follow=True).status_code == 200
    refusals = {
        "revoke": "Khóa API này đã bị thu hồi.",
        "renew": "Chỉ gia hạn được khóa có phạm vi quyền và chưa bị thu hồi; với khóa cũ, hãy thay khóa mới.",
    }
    for button, refusal in refusals.items():
        again = client.post(f"/organisation/tokens/{token.pk}/{button}/", follow=True, HTTP_ACCEPT_LANGUAGE="vi")
        assert again.redirect_chain[-1] == ("/organisation/tokens/", 302)
        assert again.status_code == 200
        assert [str(m) for m in again.context["messages"]] == [refusal]
        assert f'id="token-{token.pk}"' in again.content.decode()


NOT_OURS = (
    "Khóa API này không thuộc tổ chức bạn đang làm việc cho (nếu bạn vừa đổi tổ chức ở một thẻ khác, hãy đổi lại "
    "để quản lý khóa này): danh sách dưới đây đã được cập nhật."
)


def test_buttons_of_another_organisation_s_token_answer_on_the_token_page(client, owner, buyer, cooperative):
    """A token page opened while acting for another organisation (the person switched in another tab), or an
    address typed by hand: told on the token page, the same whether the token exists or not, and nothing changes."""
    client.force_login(owner)
    issue(cooperative, member(cooperative, Role.OWNER), {ApiScope.ORDERS_READ})
    theirs = ApiToken.objects.get()
    until = (timezone.localdate() + timedelta(days=90)).strftime("%d/%m/%Y")
    for token_id in (theirs.pk, MISSING):
        presses = {
            "revoke/": {},
            "renew/": {},
            "rotate/": {"scopes": ["orders:read"], "expires_on": until, "once_key": page_key(client)},
        }
        for button, body in presses.items():
            again = client.post(
                f"/organisation/tokens/{token_id}/{button}", body, follow=True, HTTP_ACCEPT_LANGUAGE="vi"
            )
            assert again.redirect_chain[-1] == ("/organisation/tokens/", 302), button
            assert again.status_code == 200
            assert [str(m) for m in again.context["messages"]] == [NOT_OURS]
        opened = client.get(f"/organisation/tokens/{token_id}/rotate/", follow=True, HTTP_ACCEPT_LANGUAGE="vi")
        assert opened.redirect_chain[-1] == ("/organisation/tokens/", 302)
        assert [str(m) for m in opened.context["messages"]] == [NOT_OURS]
    assert list(ApiToken.objects.values_list("pk", "revoked_at", "expires_at")) == [
        (theirs.pk, None, theirs.expires_at)
    ]


TOKEN_STATES = ["scoped", "legacy", "expired", "revoked"]


@pytest.mark.parametrize(("viewer_role", "state"), list(product([Role.OWNER, Role.MANAGER, Role.STAFF], TOKEN_STATES)))
def test_token_page_matrix(viewer_role, state, cooperative):
    """Every control the token page shows is one the service accepts, and the other way round."""
    owner = member(cooperative, Role.OWNER)
    issue(cooperative, owner, {ApiScope.ORDERS_READ})
    changes = {
        "legacy": {"is_legacy": True, "expires_at": None},
        "expired": {"expires_at": timezone.now() - timedelta(days=1)},
        "revoked": {"revoked_at": timezone.now()},
    }
    ApiToken.objects.update(**changes.get(state, {}))
    token = ApiToken.objects.get()
    viewer = member(cooperative, viewer_role)
    actor = resolve_actor(viewer)
    client = Client()
    client.force_login(viewer)
    response = client.get("/organisation/tokens/")
    shown = shown_actions_in(response.content, f"token-{token.pk}") if response.status_code == 200 else set()
    assert shown == {action.value for action in api_token_actions(actor=actor, token=token)}
    presses = {
        ApiTokenAction.RENEW: lambda: services.api_token_renew(actor=actor, token_id=token.pk, expires_on=None),
        ApiTokenAction.ROTATE: lambda: services.api_token_rotate(
            actor=actor, token_id=token.pk, scopes=frozenset({ApiScope.ORDERS_READ}), expires_on=None
        ),
        ApiTokenAction.REVOKE: lambda: services.api_token_revoke(actor=actor, token_id=token.pk),
    }
    for action, press in presses.items():
        assert accepted(press) == (action.value in shown), (viewer_role, state, action)
