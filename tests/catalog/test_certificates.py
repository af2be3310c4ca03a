"""Certificates: staff review, badges computed from the dates at query time, the expiry-warning selector."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from catalog import selectors, services
from catalog.models import Certificate, CertificateStatus
from catalog.selectors import ProductQuery
from catalog.tasks import warn_expiring_certificates
from market.core.errors import Conflict, PermissionDenied, ValidationFailed
from market.notifications.models import Notification
from market.notifications.relay import relay_outbox
from market.organisations.models import Role
from tests.catalog.factories import (
    actor_for,
    certificate_changed,
    certificate_from,
    make_certificate,
    make_product,
    scan_pdf,
)
from tests.factories import member

pytestmark = pytest.mark.django_db


def badge_kinds(product, on=None):
    return [b.kind for b in selectors.badges_for([product], on=on).get(product.pk, [])]


def test_a_badge_disappears_the_day_after_expiry_without_any_job(rice, alliance):
    today = timezone.localdate()
    certificate = make_certificate(rice.cooperative, valid_to=today + timedelta(days=3))
    last_day = certificate.valid_to
    assert badge_kinds(rice, on=last_day) == ["vietgap"]
    assert badge_kinds(rice, on=last_day + timedelta(days=1)) == []
    # The same certificate row, untouched: only the date asked about changed.
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VERIFIED
    assert set(selectors.product_page(query=ProductQuery(certificate="vietgap"), on=last_day).products) == {rice}
    assert (
        selectors.product_page(query=ProductQuery(certificate="vietgap"), on=last_day + timedelta(days=1)).products
        == []
    )


def test_today_is_read_at_query_time(rice, alliance):
    """One certificate ended yesterday, one ends today: with the real clock only today's counts."""
    today = timezone.localdate()
    make_certificate(rice.cooperative, kind="vietgap", number="A", valid_to=today - timedelta(days=1))
    make_certificate(rice.cooperative, kind="haccp", number="B", valid_to=today)
    assert badge_kinds(rice) == ["haccp"]
    body = Client().get("/api/v1/products/").json()
    assert [b["kind"] for b in body["results"][0]["badges"]] == ["haccp"]


def test_pending_and_rejected_certificates_never_show(rice, alliance, staff_user):
    pending = make_certificate(rice.cooperative, verified=False, number="P")
    rejected = make_certificate(rice.cooperative, kind="organic", verified=False, number="R")
    services.certificate_reject(
        actor=actor_for(alliance, Role.STAFF, staff_user), certificate_id=rejected.pk, reason="Bản chụp không đọc được"
    )
    assert badge_kinds(rice) == []
    assert selectors.product_facets(query=ProductQuery()).certificate == []
    services.certificate_verify(actor=actor_for(alliance, Role.STAFF, staff_user), certificate_id=pending.pk)
    assert badge_kinds(rice) == ["vietgap"]


def test_product_scope_covers_only_the_products_named(cooperative, alliance):
    rice = make_product(cooperative, name="Gạo ST25")
    honey = make_product(
        cooperative, name="Mật ong", category="mat-ong", moq="10", order_multiple="1", tiers=[("10", 290000)]
    )
    make_certificate(cooperative, kind="ocop", ocop_stars=4, products=[honey], number="OCOP-1")
    assert badge_kinds(rice) == []
    assert [b.label for b in selectors.badges_for([honey])[honey.pk]] == ["OCOP 4★"]


def test_editing_a_verified_certificate_sends_it_back_for_review(rice, alliance):
    certificate = make_certificate(rice.cooperative)
    owner = actor_for(rice.cooperative)
    certificate_changed(owner, certificate, number="VG-2025-002")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.PENDING
    assert badge_kinds(rice) == []
    # Saving without a change keeps it verified.
    services.certificate_verify(actor=actor_for(alliance, Role.STAFF), certificate_id=certificate.pk)
    certificate.refresh_from_db()
    certificate_changed(owner, certificate, number="VG-2025-002")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VERIFIED


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "ocop", "ocop_stars": 6}, "ocop_stars"),
        ({"kind": "ocop", "ocop_stars": None}, "ocop_stars"),
        ({"kind": "ocop", "ocop_stars": 4, "valid_to_days": 36 * 31 + 10}, "valid_to"),
        ({"kind": "vietgap", "valid_to_days": None}, "valid_to"),
        ({"kind": "vietgap", "valid_to_days": -400}, "valid_to"),
        ({"kind": "vietgap", "number": ""}, "number"),
        ({"kind": "vietgap", "scope": "products"}, "products"),
    ],
)
def test_certificate_rules(cooperative, coop_owner, data, field):
    today = timezone.localdate()
    valid_to_days = data.pop("valid_to_days", 365)
    payload = {
        "kind": "vietgap",
        "number": "X-1",
        "issuer": "Sở NN&MT",
        "valid_from": str(today - timedelta(days=10)),
        "valid_to": str(today + timedelta(days=valid_to_days)) if valid_to_days is not None else None,
        "scope": "cooperative",
        **data,
    }
    with pytest.raises(ValidationFailed) as error:
        certificate_from(actor_for(cooperative), payload, scan=scan_pdf())
    assert field in error.value.fields
    assert not Certificate.objects.exists()


def test_a_geographical_indication_may_have_no_end(cooperative, coop_owner):
    certificate = certificate_from(
        actor_for(cooperative),
        {
            "kind": "gi",
            "number": "CDDL-00001",
            "issuer": "Cục Sở hữu trí tuệ",
            "valid_from": str(timezone.localdate()),
            "valid_to": None,
            "scope": "cooperative",
        },
        scan=scan_pdf(),
    )
    assert certificate.valid_to is None


def test_only_staff_verify_and_a_reason_is_needed_to_reject(rice, alliance):
    certificate = make_certificate(rice.cooperative, verified=False)
    with pytest.raises(PermissionDenied):
        services.certificate_verify(actor=actor_for(rice.cooperative), certificate_id=certificate.pk)
    staff = actor_for(alliance, Role.STAFF)
    with pytest.raises(ValidationFailed):
        services.certificate_reject(actor=staff, certificate_id=certificate.pk, reason="no")
    services.certificate_verify(actor=staff, certificate_id=certificate.pk)
    with pytest.raises(Conflict):
        services.certificate_verify(actor=staff, certificate_id=certificate.pk)


class TestExpiryWarning:
    def test_due_within_30_days_once_per_expiry_date(self, cooperative, alliance):
        today = timezone.localdate()
        in_30 = make_certificate(cooperative, number="IN30", valid_to=today + timedelta(days=30))
        in_10 = make_certificate(cooperative, number="IN10", valid_to=today + timedelta(days=10))
        make_certificate(cooperative, number="IN31", valid_to=today + timedelta(days=31))
        make_certificate(cooperative, number="GONE", valid_to=today - timedelta(days=1))
        make_certificate(cooperative, number="PENDING", valid_to=today + timedelta(days=5), verified=False)
        assert list(selectors.certificates_due_expiry_warning(on=today)) == [in_10, in_30]
        # Exactly 30 days before: the one expiring in 30 days is the only one due with a zero-day window.
        assert list(selectors.certificates_due_expiry_warning(on=today + timedelta(days=30), within_days=0)) == [in_30]

        assert services.certificate_expiry_warn(certificate_id=in_10.pk, expiry_date=in_10.valid_to)
        # A second run (or a second worker) does not warn again.
        assert not services.certificate_expiry_warn(certificate_id=in_10.pk, expiry_date=in_10.valid_to)
        assert list(selectors.certificates_due_expiry_warning(on=today)) == [in_30]

    def test_renewal_re_arms_the_warning(self, cooperative, alliance):
        today = timezone.localdate()
        certificate = make_certificate(cooperative, valid_to=today + timedelta(days=20))
        services.certificate_expiry_warn(certificate_id=certificate.pk, expiry_date=certificate.valid_to)
        assert not selectors.certificates_due_expiry_warning(on=today).exists()
        certificate_changed(actor_for(cooperative), certificate, valid_to=today + timedelta(days=25))
        services.certificate_verify(actor=actor_for(alliance, Role.STAFF), certificate_id=certificate.pk)
        assert list(selectors.certificates_due_expiry_warning(on=today)) == [certificate]
        # A mark for an old expiry date changes nothing.
        assert not services.certificate_expiry_warn(
            certificate_id=certificate.pk, expiry_date=today + timedelta(days=20)
        )

    def test_the_daily_job_warns_the_members_once_by_email_and_in_the_app(self, cooperative, alliance, mailoutbox):
        owner = member(cooperative, Role.OWNER)
        today = timezone.localdate()
        due = make_certificate(cooperative, number="VG-AG-0142", valid_to=today + timedelta(days=30))
        make_certificate(cooperative, number="VG-AG-0999", valid_to=today + timedelta(days=90))

        assert warn_expiring_certificates() == 1
        assert warn_expiring_certificates() == 0  # the next run (or a second worker) warns nobody again
        rows = Notification.objects.filter(kind="catalog.certificate_expiring")
        assert {(row.recipient_user_id, row.channel) for row in rows} == {(owner.pk, "email"), (owner.pk, "in_app")}
        assert {row.object_id for row in rows} == {str(due.pk)}

        relay_outbox(worker="test")
        [message] = mailoutbox
        assert message.to == [owner.email]
        assert message.subject == "Giấy chứng nhận VG-AG-0142 hết hiệu lực sau 30 ngày"
        assert due.valid_to.strftime("%d/%m/%Y") in message.body
        assert f"/my/certificates/{due.pk}/" in message.body

    def test_a_renewed_certificate_is_warned_again_for_its_new_date(self, cooperative, alliance):
        member(cooperative, Role.OWNER)
        today = timezone.localdate()
        certificate = make_certificate(cooperative, valid_to=today + timedelta(days=10))
        assert warn_expiring_certificates() == 1
        certificate_changed(actor_for(cooperative), certificate, valid_to=today + timedelta(days=20))
        services.certificate_verify(actor=actor_for(alliance, Role.STAFF), certificate_id=certificate.pk)
        assert warn_expiring_certificates() == 1
        occurrences = Notification.objects.filter(kind="catalog.certificate_expiring").values_list(
            "occurrence", flat=True
        )
        assert set(occurrences) == {(today + timedelta(days=10)).isoformat(), (today + timedelta(days=20)).isoformat()}
