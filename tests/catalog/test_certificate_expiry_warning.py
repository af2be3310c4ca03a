"""The daily certificate-expiry warning: one outbox row per certificate and expiry date, 30 days ahead."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Certificate
from catalog.tasks import send_certificate_expiry_warnings
from market.notifications.models import Notification
from tests.catalog.factories import make_certificate

pytestmark = pytest.mark.django_db


def test_warns_once_30_days_ahead_and_again_after_renewal(cooperative, coop_owner, alliance, staff_user):
    today = timezone.localdate()
    soon = make_certificate(cooperative, valid_to=today + timedelta(days=20), number="VG-SOON")
    make_certificate(cooperative, valid_to=today + timedelta(days=200), number="VG-LATER")
    make_certificate(cooperative, valid_to=today + timedelta(days=10), number="VG-PENDING", verified=False)
    assert send_certificate_expiry_warnings.apply().get() == 1
    assert send_certificate_expiry_warnings.apply().get() == 0  # safe to run twice
    rows = Notification.objects.filter(kind="catalog.certificate_expiring")
    assert {row.context["number"] for row in rows} == {"VG-SOON"}
    assert {row.recipient_user_id for row in rows} == {coop_owner.pk}
    assert rows.filter(channel="email").exists()
    # Renewed for a new date that is again within 30 days: warned again for that date.
    Certificate.objects.filter(pk=soon.pk).update(valid_to=today + timedelta(days=25))
    assert send_certificate_expiry_warnings.apply().get() == 1
    assert {row.occurrence for row in Notification.objects.filter(kind="catalog.certificate_expiring")} == {
        (today + timedelta(days=20)).isoformat(),
        (today + timedelta(days=25)).isoformat(),
    }
