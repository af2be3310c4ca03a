"""The committed OpenAPI schema (docs/openapi.yaml) matches the code. Regenerate with `make schema`."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"


def test_committed_schema_is_current():
    out = StringIO()
    call_command("spectacular", "--lang", "en", "--validate", "--fail-on-warn", stdout=out)
    assert SCHEMA.read_text() == out.getvalue(), "docs/openapi.yaml is stale: run 'make schema' and commit it"


def test_schema_has_the_api_shell():
    text = SCHEMA.read_text()
    for path in ["/api/v1/me/", "/api/v1/organisations/{organisation_id}/verify/", "/api/v1/tokens/"]:
        assert f"  {path}:" in text
