"""Statements compiled once per process (market.core.kept_statements) and what reads through them: a signed-in
request's session (market.core.sessions) and its visitor (market.organisations.selectors.user_with_memberships)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client
from django.utils import timezone

from frontend.visitor import VISITOR_BACKEND
from market.core.kept_statements import KeptStatement
from market.core.sessions import SessionStore
from market.notifications.selectors import unread_count_expression
from market.organisations.models import Membership, Organisation, Role, User
from market.organisations.selectors import _memberships_of, user_with_memberships
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db


def _organisations_from(*, name: str) -> QuerySet[Any]:
    return Organisation.objects.filter(name__gte=name).order_by("name").values_list("pk", "name", "created_at")


def test_a_kept_statement_answers_as_the_orm_for_each_calls_values():
    first, second = OrganisationFactory(name="Hợp tác xã A"), OrganisationFactory(name="Hợp tác xã B")
    OrganisationFactory(name="Công ty C")
    kept = KeptStatement(_organisations_from, name="\ue000stand-in\ue000")

    for name, expected in (("Hợp tác xã", [first, second]), ("Hợp tác xã B", [second]), ("Hợp tác xã C", [])):
        rows = kept.rows(name=name)
        assert rows == list(_organisations_from(name=name)), name
        assert [pk for pk, _name, _created in rows] == [o.pk for o in expected], name


def test_a_stand_in_missing_from_the_compiled_parameters_is_refused():
    """Unused, or changed by its lookup ("x%" for startswith): the call's value could not take its place."""
    stand_in = "\ue000stand-in\ue000"
    unused = KeptStatement(lambda *, name: Organisation.objects.values_list("pk"), name=stand_in)
    changed = KeptStatement(
        lambda *, name: Organisation.objects.filter(name__startswith=name).values_list("pk"), name=stand_in
    )

    for kept in (unused, changed):
        with pytest.raises(ValueError, match="stand-ins not found"):
            kept.rows(name="x")


@pytest.fixture
def compiled_models(monkeypatch) -> list[type]:
    """The models of the statements Django's compiler compiles from now on."""
    seen: list[type] = []
    as_sql = SQLCompiler.as_sql

    def recording(self: SQLCompiler, *args: object, **kwargs: object) -> object:
        seen.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", recording)
    return seen


def test_a_signed_in_page_compiles_neither_its_session_nor_its_visitor_after_the_first(buyer, compiled_models):
    client = Client()
    client.force_login(member(buyer), backend=VISITOR_BACKEND)
    assert client.get("/catalogue/").status_code == 200
    compiled_models.clear()

    assert client.get("/catalogue/").status_code == 200

    assert Session not in compiled_models
    assert User not in compiled_models
    assert Membership not in compiled_models


def _visitor(user: User) -> tuple[object, ...]:
    read = user_with_memberships(user_id=user.pk, unread=unread_count_expression)
    assert read is not None
    assert read.memberships_read is not None
    return (
        {f.attname: getattr(read, f.attname) for f in User._meta.concrete_fields},
        [
            (
                {f.attname: getattr(m, f.attname) for f in Membership._meta.concrete_fields},
                {f.attname: getattr(m.organisation, f.attname) for f in Organisation._meta.concrete_fields},
                m.user is read,
            )
            for m in read.memberships_read
        ],
        read.unread_read,
    )


def test_the_visitor_is_read_as_the_orm_reads_each_model_with_memberships_by_organisation_name(buyer, cooperative):
    user = member(cooperative, Role.STAFF)
    Membership.objects.create(user=user, organisation=buyer, role=Role.OWNER)
    alone = member(buyer)
    Membership.objects.filter(user=alone).delete()

    fields, memberships, unread = _visitor(user)

    assert fields == {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}
    expected = list(_memberships_of(user_id=user.pk))
    assert [m["id"] for m, _o, _same in memberships] == [m.pk for m in expected]
    for (m, o, same), orm in zip(memberships, expected, strict=True):
        assert m == {f.attname: getattr(orm, f.attname) for f in Membership._meta.concrete_fields}
        assert o == {f.attname: getattr(orm.organisation, f.attname) for f in Organisation._meta.concrete_fields}
        assert same  # each membership's user is the user read
    assert unread == 0
    assert _visitor(alone)[1:] == ([], 0)  # a user of no organisation: their own row


def _store(user: User, *, expires: datetime | None = None) -> SessionStore:
    store = SessionStore()
    store.update({"_auth_user_id": str(user.pk), "_auth_user_backend": VISITOR_BACKEND})
    store.create()
    if expires is not None:
        Session.objects.filter(session_key=store.session_key).update(expire_date=expires)
    return store


def test_a_session_is_read_until_it_expires_or_is_deleted(buyer):
    user = member(buyer)
    live, expired = _store(user), _store(user, expires=timezone.now() - timedelta(seconds=1))
    deleted = _store(user)
    deleted.delete()

    assert SessionStore(live.session_key).load()["_auth_user_id"] == str(user.pk)
    for gone in (expired, deleted):
        store = SessionStore(gone.session_key)
        assert store.load() == {}
        assert store.session_key is None  # as Django's: a new key is made on save
