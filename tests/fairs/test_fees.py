"""Booth fees: price − subsidy = due, exact in VND, within the programme's budget and the yearly cap."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from fairs import services
from fairs.inputs import read_plan_csv
from fairs.models import Application, FeeStatus, PlanStatus, SubsidyLedger, SubsidyProgramme
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

    services.booth_assign(actor=staff_actor(alliance), application_id=application.pk, booth_id=booth(fair, "A-01").pk)

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

    services.booth_assign(actor=staff, application_id=apply(cooperative, first).pk, booth_id=booth(first, "A-01").pk)
    later = services.booth_assign(
        actor=staff, application_id=apply(cooperative, second).pk, booth_id=booth(second, "A-01").pk
    )

    assert (later.subsidy, later.amount_due) == (200_000, 3_800_000)
    assert SubsidyLedger.objects.get(programme=programme, cooperative=cooperative).used == 3_000_000


def test_budget_runs_out_in_order_and_is_never_overspent(alliance):
    programme = make_programme(budget=5_000_000)
    fair = make_fair(alliance, booths=3, programme=programme)
    staff = staff_actor(alliance)
    results = []
    for i, coop in enumerate(cooperatives(3)):
        results.append(
            services.booth_assign(
                actor=staff, application_id=apply(coop, fair).pk, booth_id=booth(fair, f"A-0{i + 1}").pk
            )
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
    unverified_app = services.booth_assign(
        actor=staff, application_id=apply(unverified, fair).pk, booth_id=booth(fair, "A-01").pk
    )
    programme.eligible_provinces = [79]
    programme.save()
    other_province_app = services.booth_assign(
        actor=staff, application_id=apply(elsewhere, fair).pk, booth_id=booth(fair, "A-02").pk
    )

    assert unverified_app.subsidy == other_province_app.subsidy == 0
    assert unverified_app.amount_due == 4_000_000


def test_withdrawal_gives_the_subsidy_back_and_cancels_the_payable(alliance, cooperative):
    programme = make_programme()
    fair = make_fair(alliance, booths=1, programme=programme)
    application = services.booth_assign(
        actor=staff_actor(alliance), application_id=apply(cooperative, fair).pk, booth_id=booth(fair, "A-01").pk
    )
    payable = Payable.objects.get(kind="fairs.booth_fee", object_id=str(application.pk))
    assert payable.amount == 1_200_000
    assert payable.payee_id == alliance.pk
    assert payable.payer_id == cooperative.pk

    from tests.catalog.factories import actor_for

    services.application_withdraw(actor=actor_for(cooperative), application_id=application.pk)

    programme.refresh_from_db()
    assert programme.spent == 0
    assert SubsidyLedger.objects.get(programme=programme, cooperative=cooperative).used == 0
    payable.refresh_from_db()
    assert payable.status == PayableStatus.CANCELLED


def test_paid_fee_turns_the_booth_assigned(alliance, cooperative):
    from fairs import selectors

    fair = make_fair(alliance, booths=1, programme=make_programme())
    application = services.booth_assign(
        actor=staff_actor(alliance), application_id=apply(cooperative, fair).pk, booth_id=booth(fair, "A-01").pk
    )
    assert [r.status for r in selectors.plan(fair=fair)] == [PlanStatus.HELD]

    services.fee_mark_paid(application_id=application.pk, fully_paid=True)

    assert Application.objects.get(pk=application.pk).fee_status == FeeStatus.PAID
    row = selectors.plan(fair=fair)[0]
    assert (row.status, row.exhibitor) == (PlanStatus.ASSIGNED, cooperative.name)


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
        actor=staff_actor(alliance), application_id=apply(cooperative, fair).pk, booth_id=booth(fair, "A-01").pk
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
    assert selectors.plan(fair=fair)[0].status == PlanStatus.ASSIGNED


def test_plan_csv_import_is_all_or_nothing(alliance):
    fair = make_fair(alliance)
    staff = staff_actor(alliance)
    good = "hall,zone,code,type,x,y,width,depth,price,power,water,cold_storage\n" + "\n".join(
        f"Nhà B,Thủy sản,B-{i:02d},standard,{i * 4},2,3,3,4000000,1,1,{'1' if i % 2 else '0'}" for i in range(1, 6)
    )

    def run(text: str) -> dict[str, int]:
        with translation.override("en"):
            return services.plan_import(actor=staff, fair_id=fair.pk, rows=read_plan_csv(text.encode()))

    assert run(good) == {"created": 5, "updated": 0}
    assert fair.booths.filter(cold_storage=True).count() == 3
    bad = good.replace("B-03,standard,12", "B-03,standard,999").replace("B-05,standard,20", "B-06,standard,24")
    with pytest.raises(ValidationFailed) as error:
        run(bad)
    assert list(error.value.fields) == ["line 4"]
    assert not fair.booths.filter(code="B-06").exists()  # nothing of the bad file was kept
    assert run(good) == {"created": 0, "updated": 5}


def test_plan_csv_is_read_the_way_its_author_writes_numbers(alliance):
    """A spreadsheet saved in Vietnamese: "3,5" m is three and a half, "4.000.000" is four million; a value
    that is not a number names its line and column, and nothing is imported."""
    fair = make_fair(alliance)
    staff = staff_actor(alliance)
    text = 'hall,code,x,y,width,price,cold_storage\nNhà A,c-01,"1,5",2,"3,5",4.000.000,có\n'
    with translation.override("vi"):
        rows = read_plan_csv(text.encode())
        services.plan_import(actor=staff, fair_id=fair.pk, rows=rows)
    made = booth(fair, "C-01")
    assert (made.x, made.width, made.price, made.cold_storage) == (Decimal("1.5"), Decimal("3.5"), 4_000_000, True)
    with translation.override("vi"), pytest.raises(ValidationFailed) as error:
        read_plan_csv("hall,code,x,y\nNhà A,C-02,ba,2\n".encode())
    assert list(error.value.fields) == ["dòng 2"]
    assert error.value.fields["dòng 2"][0].startswith("x: ")
