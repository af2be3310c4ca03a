"""Every registered export kind, on the demo data (where each kind has rows): CSV and XLSX, Vietnamese and English
headings, the same rows in both formats, the date range filtering (a range with nothing in it is empty) and the
status filter splitting the rows by status (each status's export holds exactly the rows of that status, so the
exports of all statuses add up to the export without one)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone, translation

from market.exports.registry import ExportKind, all_exports
from market.exports.writers import DELIMITER_CHARACTERS, default_delimiter
from market.organisations.actors import resolve_actor
from market.organisations.models import Organisation, OrganisationKind, Role
from market.payments import services as payments
from tests.catalog.factories import actor_for
from tests.factories import member
from tests.module_data import seeded_once
from tests.payments.test_settlements import card_payment

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _export(client: Client, kind: str, *, file_format: str, language: str, **fields: str) -> list[list[Any]]:
    today = timezone.localdate()
    asked = {
        "kind": kind, "date_from": (today - timedelta(days=700)).isoformat(),
        "date_to": (today + timedelta(days=395)).isoformat(), "file_format": file_format, "language": language,
        **fields,
    }  # fmt: skip
    answer = client.post("/api/v1/exports/?stream=1", asked, content_type="application/json")
    assert answer.status_code == 200, (kind, answer.status_code, answer.content[:300])
    data = b"".join(answer.streaming_content)
    if file_format == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    delimiter = DELIMITER_CHARACTERS[default_delimiter(language)]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def _headings(kind: ExportKind, language: str) -> list[str]:
    with translation.override(language):
        return [str(column.label) for column in kind.columns]


def _check(client: Client, kind: ExportKind) -> None:
    files = {
        (file_format, language): _export(client, kind.name, file_format=file_format, language=language)
        for file_format in ("csv", "xlsx")
        for language in ("vi", "en")
    }
    for (file_format, language), rows in files.items():
        assert rows[0] == _headings(kind, language), (kind.name, file_format, language)
    counts = {len(rows) - 1 for rows in files.values()}
    assert len(counts) == 1, (kind.name, counts)  # the same rows in every format and language
    total = counts.pop()
    assert total > 0, f"{kind.name}: the demo has no rows of it, so this test would prove nothing"

    past = _export(client, kind.name, file_format="csv", language="en", date_from="2001-01-01", date_to="2001-12-31")
    assert past[1:] == [], kind.name

    if kind.statuses is not None:
        by_status = {
            status: len(_export(client, kind.name, file_format="csv", language="en", status=status)) - 1
            for status, _label in kind.status_choices()
        }
        # With two statuses or more, an ignored filter would give every status all the rows (a sum of n × total).
        assert len(by_status) >= 2, kind.name
        assert sum(by_status.values()) == total, (kind.name, by_status, total)


def _settlements(alliance: Organisation, make_invoice: Any) -> None:
    """The demo takes no card payments, so it owes no settlement: one run paid, one pending."""
    manager = resolve_actor(member(alliance, Role.MANAGER))
    day = timezone.localdate()
    card_payment(make_invoice(1_500_000), 1_500_000, days_ago=4)
    paid = payments.settlement_run_create(
        actor=manager, period_start=day - timedelta(days=9), period_end=day - timedelta(days=3)
    )
    payments.settlement_mark_paid(
        actor=manager, settlement_id=paid.settlements.get().pk, bank_reference="FT26339000001"
    )
    card_payment(make_invoice(700_000), 700_000, days_ago=2)
    payments.settlement_run_create(
        actor=manager, period_start=day - timedelta(days=2), period_end=day - timedelta(days=1)
    )


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with seeded_once(django_db_blocker, tmp_path_factory.mktemp("private")):
        yield


def test_every_kind_exports_in_both_formats_and_languages_and_filters_by_date_and_status(demo, make_invoice):
    alliance = Organisation.objects.filter(kind=OrganisationKind.ALLIANCE).first()
    assert alliance is not None
    _settlements(alliance, make_invoice)
    client = Client()
    client.force_login(actor_for(alliance, Role.STAFF).user)
    failures = []
    for kind in sorted(all_exports(), key=lambda registered: registered.name):
        try:
            _check(client, kind)
        except AssertionError as failure:
            failures.append(f"{kind.name}: {failure}")
    assert failures == [], "\n".join(failures)
