"""The committed OpenAPI schema (docs/openapi.yaml) matches the code. Regenerate with `make schema`."""

import inspect
from io import StringIO
from pathlib import Path

import yaml
from django.core.management import call_command
from drf_spectacular.generators import EndpointEnumerator

from market.organisations.drf import ActorAPIView

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
# What integrators reach for first: each says in its own words what it does.
KEY_OPERATIONS = [
    ("/api/v1/checkouts/", "post"),
    ("/api/v1/checkouts/{checkout_id}/", "get"),
    ("/api/v1/orders/{order_id}/", "get"),
    ("/api/v1/payments/payments/{payment_id}/", "get"),
    ("/api/v1/payments/payments/{payment_id}/refunds/", "post"),
    ("/api/v1/payments/webhooks/bank/", "post"),
    ("/api/v1/payments/webhooks/stripe/", "post"),
    ("/api/v1/tokens/{token_id}/revoke/", "post"),
    ("/api/v1/tokens/{token_id}/rotate/", "post"),
    ("/api/v1/exports/", "get"),
    ("/api/v1/exports/", "post"),
    ("/api/v1/exports/{job_id}/download/", "get"),
    ("/api/v1/linkage/contracts/{contract_id}/", "get"),
    ("/api/v1/linkage/contracts/{contract_id}/sign/", "post"),
]


def test_committed_schema_is_current():
    out = StringIO()
    call_command("spectacular", "--lang", "en", "--validate", "--fail-on-warn", stdout=out)
    assert SCHEMA.read_text() == out.getvalue(), "docs/openapi.yaml is stale: run 'make schema' and commit it"


def test_schema_has_the_api_shell():
    text = SCHEMA.read_text()
    for path in ["/api/v1/me/", "/api/v1/organisations/{organisation_id}/verify/", "/api/v1/tokens/"]:
        assert f"  {path}:" in text


def base_class_docstrings() -> set[str]:
    """The docstrings of every class an API view inherits from (ActorAPIView, ListEndpoint, APIView…)."""
    docs = set()
    for _path, _regex, _method, callback in EndpointEnumerator().get_api_endpoints():
        for base in callback.cls.__mro__[1:]:
            if base.__dict__.get("__doc__"):
                docs.add(inspect.cleandoc(base.__doc__))
    return docs


def test_no_operation_is_described_by_a_base_class_docstring():
    schema = yaml.safe_load(SCHEMA.read_text())
    inherited = base_class_docstrings()
    assert inspect.cleandoc(ActorAPIView.__doc__ or "") in inherited  # read from the real views' bases
    borrowed = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and operation.get("description", "").strip() in inherited
    ]
    assert not borrowed, f"{len(borrowed)} operations carry a base class's docstring: {borrowed[:10]}"


def test_the_main_operations_say_what_they_do():
    schema = yaml.safe_load(SCHEMA.read_text())
    for path, method in KEY_OPERATIONS:
        description = schema["paths"][path][method].get("description", "")
        assert description.strip(), f"{method.upper()} {path} has no description"


def answers_a_list(operation: dict) -> bool:
    """A bare array, or a page of rows (the envelope's `results`)."""
    for content in operation.get("responses", {}).get("200", {}).get("content", {}).values():
        schema = content.get("schema", {})
        if schema.get("type") == "array" or "Paginated" in schema.get("$ref", ""):
            return True
    return False


def test_every_operation_says_what_it_does():
    """Reads say what they answer (lists: for whom, filtered and ordered how), writes what they change and who may."""
    schema = yaml.safe_load(SCHEMA.read_text())
    operations = {
        f"{method.upper()} {path}": operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    lists = [name for name, operation in operations.items() if name.startswith("GET ") and answers_a_list(operation)]
    assert len(lists) > 40  # read from the real schema
    undescribed = [name for name, operation in operations.items() if not operation.get("description", "").strip()]
    assert not undescribed, (
        f"{len(undescribed)} operations have no description (their handler's docstring): {undescribed}"
    )
