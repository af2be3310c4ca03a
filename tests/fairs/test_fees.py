"""Booth fees: price − subsidy = due, exact in VND, within the programme's budget and the yearly cap."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from fairs import services
from fairs.models import Application, FeeStatus, SubsidyLedger, SubsidyProgramme
from market.core.errors import ValidationFailed
from market.organisations.models import VerificationStatus
from market.payments.models import Payable, PayableStatus
from tests.fairs.factories import apply, booth, cooperatives, make_fair, make_programme, staff_actor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("price", "rate", "subsidy", "due"),
    [
        (4_000_000, 70, 2_800_000, 1_200_000),
        (3_333_333, 70, 2_333_333, 1_000_000),  # the funder's share is rounded down to the đồng
        (5_000_000, 0, 0, 5_000_000),
        (2_500_000, 100, 2_500_000, 0),
        (1_999_999, "33.33", 666_599, 1_333_400),
    ],
)
def test_fee_is_price_minus_subsidy_in_whole_dong(alliance, cooperative, price, rate, subsidy, due):
    programme = make_programme(rate_standard=rate, yearly_cap=10_000_000)
    fair = make_fair(alliance, booths=1, programme=programme, price=price)
    application = apply(cooperative, fair)

    services.booth_assign(actor=staff_actor(alliance), application=application, booth=booth(fair, "A-01"))

    application.refresh_from_db()
    assert (application.price, application.subsidy, application.amount_due) == (price, subsidy, due)
    assert isinstance(application.amount_due, int)
    assert application.fee_status == (FeeStatus.COVERED if due == 0 else FeeStatus.UNPAID)
    programme.refresh_from_db()
    assert programme.spent == subsidy


def test_yearly_cap_limits_the_second_fair(alliance, cooperative):
    programme = make_programme(yearly_cap=3_000_000)
    staff = staff_actor(alliance)
    first = make_fair(alliance, booths=1, programme=programme, name="Hội chợ 1")
    second = make_fair(alliance, booths=1, programme=programme, name="Hội chợ 2")

    services.booth_assign(actor=staff, application=apply(cooperative, first), booth=booth(first, "A-01"))
    later = services.booth_assign(actor=staff, application=apply(cooperative, second), booth=booth(second, "A-01"))

    assert (later.subsidy, later.amount_due) == (200_000, 3_800_000)
    assert SubsidyLedger.objects.get(programme=programme, cooperative=cooperative).used == 3_000_000


def test_budget_runs_out_in_order_and_is_never_overspent(alliance):
    programme = make_programme(budget=5_000_000)
    fair = make_fair(alliance, booths=3, programme=programme)
    staff = staff_actor(alliance)
    results = []
    for i, coop in enumerate(cooperatives(3)):
        results.append(
            services.booth_assign(actor=staff, application=apply(coop, fair), booth=booth(fair, f"A-0{i + 1}"))
        )

    assert [a.subsidy for a in results] == [2_800_000, 2_200_000, 0]
    assert [a.amount_due for a in results] == [1_200_000, 1_800_000, 4_000_000]
    programme.refresh_from_db()
    assert programme.spent == programme.budget == 5_000_000


def test_ineligible_cooperatives_pay_the_full_price(alliance):
    programme = make_programme(eligible_provinces=[79])
    fair = make_fair(alliance, booths=2, programme=programme)
    staff = staff_actor(alliance)
    elsewhere, unverified = cooperatives(1)[0], cooperatives(1, verification_status=VerificationStatus.PENDING)[0]
    programme.eligible_provinces = []
    programme.save()
    unverified_app = services.booth_assign(actor=staff, application=apply(unverified, fair), booth=booth(fair, "A-01"))
    programme.eligible_provinces = [79]
    programme.save()
    other_province_app = services.booth_assign(
        actor=staff, application=apply(elsewhere, fair), booth=booth(fair, "A-02")
    )

    assert unverified_app.subsidy == other_province_app.subsidy == 0
    assert unverified_app.amount_due == 4_000_000


def test_withdrawal_gives_the_subsidy_back_and_cancels_the_payable(alliance, cooperative):
    programme = make_programme()
    fair = make_fair(alliance, booths=1, programme=programme)
    application = services.booth_assign(
        actor=staff_actor(alliance), application=apply(cooperative, fair), booth=booth(fair, "A-01")
    )
    payable = Payable.objects.get(kind="fairs.booth_fee", object_id=str(application.pk))
    assert payable.amount == 1_200_000
    assert payable.payee_id == alliance.pk
    assert payable.payer_id == cooperative.pk

    from tests.catalog.factories import actor_for

    services.application_withdraw(actor=actor_for(cooperative), application=application)

    programme.refresh_from_db()
    assert programme.spent == 0
    assert SubsidyLedger.objects.get(programme=programme, cooperative=cooperative).used == 0
    payable.refresh_from_db()
    assert payable.status == PayableStatus.CANCELLED


def test_paid_fee_turns_the_booth_assigned(alliance, cooperative):
    from fairs import selectors

    fair = make_fair(alliance, booths=1, programme=make_programme())
    application = services.booth_assign(
        actor=staff_actor(alliance), application=apply(cooperative, fair), booth=booth(fair, "A-01")
    )
    assert [r.status for r in selectors.plan(fair=fair)] == ["held"]

    services.fee_mark_paid(application_id=application.pk, fully_paid=True)

    assert Application.objects.get(pk=application.pk).fee_status == FeeStatus.PAID
    row = selectors.plan(fair=fair)[0]
    assert (row.status, row.exhibitor) == ("assigned", cooperative.name)


def test_database_refuses_an_overspent_budget():
    programme = make_programme(budget=1_000)
    with pytest.raises(IntegrityError), transaction.atomic():
        SubsidyProgramme.objects.filter(pk=programme.pk).update(spent=1_001)


def test_bank_transfer_of_the_share_marks_the_fee_paid_through_payments(alliance, cooperative):
    """The cooperative transfers its share with the payment reference: payments recognises it from the bank
    notification and calls the booth-fee kind back, which turns the booth from held to assigned."""
    from django.utils import timezone

    from fairs import selectors
    from market.payments.services import bank_transaction_record

    alliance.bank_bin, alliance.bank_account_number = "970405", "7700201012345"
    alliance.save()
    fair = make_fair(alliance, booths=1, programme=make_programme())
    application = services.booth_assign(
        actor=staff_actor(alliance), application=apply(cooperative, fair), booth=booth(fair, "A-01")
    )
    payable = Payable.objects.get(kind="fairs.booth_fee", object_id=str(application.pk))
    assert payable.account_number == "7700201012345"

    bank_transaction_record(
        account_number="7700201012345",
        bank_reference="FT2611230001",
        booked_at=timezone.now(),
        amount=1_200_000,
        description=f"{payable.reference} phi gian hang",
        source="webhook",
    )

    application.refresh_from_db()
    assert application.fee_status == FeeStatus.PAID
    assert selectors.plan(fair=fair)[0].status == "assigned"


def test_plan_csv_import_is_all_or_nothing(alliance):
    fair = make_fair(alliance)
    staff = staff_actor(alliance)
    good = "hall,zone,code,type,x,y,width,depth,price,power,water,cold_storage\n" + "\n".join(
        f"Nhà B,Thủy sản,B-{i:02d},standard,{i * 4},2,3,3,4000000,1,1,{'1' if i % 2 else '0'}" for i in range(1, 6)
    )
    assert services.plan_import_csv(actor=staff, fair=fair, content=good.encode()) == {"created": 5, "updated": 0}
    assert fair.booths.filter(cold_storage=True).count() == 3
    bad = good.replace("B-03,standard,12", "B-03,standard,999").replace("B-05", "B-06")
    with pytest.raises(ValidationFailed) as error:
        services.plan_import_csv(actor=staff, fair=fair, content=bad.encode())
    assert list(error.value.fields) == ["row 4"]
    assert not fair.booths.filter(code="B-06").exists()  # nothing of the bad file was kept
    again = services.plan_import_csv(actor=staff, fair=fair, content=good.encode())
    assert again == {"created": 0, "updated": 5}
