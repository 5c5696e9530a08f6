"""The rules of the purchase of services, through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.bookings.models import Activity, Registration, Session
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog
from linli.procurement import services
from linli.procurement.models import Bid, KpiObservation, Payment, StageChange, Tender
from tests.procurement.conftest import awarded_contract, close, open_tender, to_tender

pytestmark = pytest.mark.django_db


def test_a_step_cannot_be_skipped_and_every_step_is_audited(buy):
    d, project = buy["district"], buy["project"]
    with pytest.raises(ApplicationError) as exc:
        services.project_advance(actor=d, project=project, to_stage="tender")
    assert exc.value.extra["field"] == "stage"
    assert "targets set" in exc.value.message  # names the skipped step
    project.refresh_from_db()
    assert project.stage == "needs"
    services.project_advance(actor=d, project=project, to_stage="targets")
    with pytest.raises(ApplicationError, match="target"):
        services.project_advance(actor=d, project=project, to_stage="tender")  # no target yet
    change = StageChange.objects.filter(project=project, to_stage="targets").get()
    assert change.actor == d and change.at is not None
    assert AuditLog.objects.filter(
        object_type="procurement.project", object_id=str(project.pk), detail__to="targets"
    ).exists()


def test_a_target_needs_a_computation(buy):
    d, project = buy["district"], buy["project"]
    with pytest.raises(ApplicationError) as exc:
        services.target_set(actor=d, project=project, metric="happiness", baseline=0, target=1)
    assert exc.value.extra["field"] == "metric"
    assert not project.targets.exists()


def test_weights_must_sum_to_100(buy):
    to_tender(buy)
    with pytest.raises(ApplicationError) as exc:
        open_tender(buy, weight_technical=50, weight_price=30, weight_credit=30)
    assert exc.value.extra["field"] == "weights"
    assert not Tender.objects.exists()


def test_bid_rules_late_ineligible_suspended_twice(buy):
    to_tender(buy)
    tender = open_tender(buy, eligible_kinds=["social_org"])
    lot = tender.lots.get()
    a, b, c = buy["accounts"]
    services.bid_submit(actor=a, lot_id=lot.pk, price="280000", proposal="p")
    with pytest.raises(ApplicationError) as exc:
        services.bid_submit(actor=a, lot_id=lot.pk, price="270000", proposal="p2")
    assert exc.value.code == "conflict"
    with pytest.raises(ApplicationError) as exc:  # a company where social organisations are asked for
        services.bid_submit(actor=b, lot_id=lot.pk, price="200000", proposal="p")
    assert exc.value.code == "ineligible"
    services.operator_sanction(
        actor=buy["district"], operator=buy["ops"][2], kind="suspension", starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=90), reason="虚报服务人次",
    )  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        services.bid_submit(actor=c, lot_id=lot.pk, price="200000", proposal="p")
    assert exc.value.code == "ineligible" and "虚报服务人次" in exc.value.message
    close(tender)
    with pytest.raises(ApplicationError) as exc:
        services.bid_submit(actor=c, lot_id=lot.pk, price="200000", proposal="p")
    assert exc.value.code == "late"
    assert Bid.objects.count() == 1


def test_conflicted_expert_is_never_drawn_and_cannot_score(buy):
    to_tender(buy)
    tender = open_tender(buy)
    lot = tender.lots.get()
    services.bid_submit(actor=buy["accounts"][1], lot_id=lot.pk, price="250000", proposal="p")
    with pytest.raises(ApplicationError):
        services.committee_draw(actor=buy["district"], tender=tender)  # before the deadline
    close(tender)
    Tender.objects.filter(pk=tender.pk).update(committee_size=4)
    tender.refresh_from_db()
    members = services.committee_draw(actor=buy["district"], tender=tender)
    linked = buy["experts"][0]
    assert linked.pk not in {m.expert_id for m in members}
    # a seat given to the linked expert by hand still cannot score
    from linli.procurement.models import CommitteeMember

    seat = CommitteeMember.objects.create(tender=tender, expert=linked, drawn_at=timezone.now())
    with pytest.raises(ApplicationError) as exc:
        services.score_submit(actor=buy["district"], member=seat, bid=lot.bids.get(), technical=80)
    assert exc.value.extra["field"] == "member"
    with pytest.raises(ApplicationError) as exc:
        services.score_submit(actor=buy["district"], member=members[0], bid=lot.bids.get(), technical=101)
    assert exc.value.extra["field"] == "technical"


def test_award_standstill_contract(buy):
    contract = awarded_contract(buy)
    lot = contract.lot
    # C bid lower (250000) with a lower technical score; A: 90 technical, price 250/280
    a = lot.bids.get(operator=buy["ops"][0])
    c = lot.bids.get(operator=buy["ops"][2])
    price_a = (Decimal("250000") / Decimal("280000") * 100).quantize(Decimal("0.01"))
    assert a.award_score == (90 * Decimal("0.5") + price_a * Decimal("0.3") + 80 * Decimal("0.2")).quantize(
        Decimal("0.01")
    )
    assert a.award_score == Decimal("87.79")  # 45 + 26.787 + 16, rounded
    assert c.award_score == Decimal("70") * Decimal("0.5") + 100 * Decimal("0.3") + 80 * Decimal("0.2")
    assert lot.winner == a and contract.operator == buy["ops"][0] and contract.amount == Decimal("280000")
    assert list(contract.facilities.all()) == [buy["facility"]]


def test_contract_waits_for_the_standstill(buy):
    to_tender(buy)
    tender = open_tender(buy)
    lot = tender.lots.get()
    services.bid_submit(actor=buy["accounts"][0], lot_id=lot.pk, price="280000", proposal="p")
    close(tender)
    for m in services.committee_draw(actor=buy["district"], tender=tender):
        services.score_submit(actor=buy["district"], member=m, bid=lot.bids.get(), technical=80)
    services.tender_award(actor=buy["district"], tender=tender)
    lot.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        services.contract_create(
            actor=buy["district"], lot=lot, number="X", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 6, 30)
        )
    assert exc.value.code == "standstill"


def test_tender_without_bids_fails(buy):
    to_tender(buy)
    tender = open_tender(buy)
    close(tender)
    services.committee_draw(actor=buy["district"], tender=tender)
    services.tender_award(actor=buy["district"], tender=tender)
    tender.refresh_from_db()
    assert tender.status == "failed"
    open_tender(buy)  # a new tender may follow a failed one


def _sessions(facility, month_start, n, attended, expected, residents):
    activity = Activity.objects.create(facility=facility, title="健康讲座", domain="elderly")
    for i in range(n):
        starts = timezone.make_aware(dt.datetime.combine(month_start + dt.timedelta(days=i + 1), dt.time(9)))
        s = Session.objects.create(
            activity=activity, starts_at=starts, ends_at=starts + dt.timedelta(hours=1), capacity=50,
            opens_at=starts - dt.timedelta(days=5), closes_at=starts,
        )  # fmt: skip
        if i == 0:
            for k in range(expected):
                Registration.objects.create(
                    session=s, resident=residents[k], status="attended" if k < attended else "no_show",
                    checked_in_at=starts if k < attended else None,
                )  # fmt: skip


def test_kpi_compute_and_payment_by_performance(buy):
    contract = awarded_contract(buy)
    residents = [buy["users"]["resident"], buy["users"]["resident_b"]]
    _sessions(buy["facility"], dt.date(2026, 3, 1), 2, attended=1, expected=2, residents=residents)
    assert services.kpi_compute(month=dt.date(2026, 3, 1)) == 2
    obs = {o.target.metric: o for o in KpiObservation.objects.filter(contract=contract)}
    assert obs["sessions"].value == 2 and obs["sessions"].attainment == Decimal("0.5")
    assert obs["attendance"].value == 50 and obs["attendance"].evidence["attended"] == 1
    assert obs["attendance"].attainment == Decimal("0.625")
    # recomputation replaces, never duplicates
    services.kpi_compute(month=dt.date(2026, 3, 1))
    assert KpiObservation.objects.filter(contract=contract).count() == 2
    with pytest.raises(ApplicationError) as exc:  # no observations in April
        services.payment_calculate(
            actor=buy["district"], contract=contract, milestone="4月", period_start=dt.date(2026, 4, 1),
            period_end=dt.date(2026, 4, 30), base="10000",
        )  # fmt: skip
    assert exc.value.extra["field"] == "period_start"
    pay = services.payment_calculate(
        actor=buy["district"], contract=contract, milestone="一季度", period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31), base="70000",
    )  # fmt: skip
    assert pay.kpi_attainment == Decimal("0.5625") and pay.amount == Decimal("39375.00")
    assert pay.withheld == Decimal("30625.00") and pay.withheld_reasons
    with pytest.raises(ApplicationError) as exc:  # over the contract amount
        services.payment_calculate(
            actor=buy["district"], contract=contract, milestone="超额", period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 3, 31), base="210001",
        )  # fmt: skip
    assert exc.value.extra["field"] == "base"
    services.payment_pay(actor=buy["district"], payment=pay)
    pay.refresh_from_db()
    pay.amount = Decimal("70000")
    with pytest.raises(Exception, match="never changes"):
        pay.save()
    with pytest.raises(ApplicationError):
        services.payment_pay(actor=buy["district"], payment=pay)
    # the data is corrected (one more session), the correction is a new record
    _sessions(buy["facility"], dt.date(2026, 3, 10), 2, attended=0, expected=0, residents=residents)
    services.kpi_compute(month=dt.date(2026, 3, 1))
    fix = services.payment_correct(actor=buy["district"], payment=pay)
    assert fix.corrects == pay and fix.amount > 0
    assert Payment.objects.get(pk=pay.pk).amount == Decimal("39375.00")


def test_evaluation_signed_never_changes_and_enters_the_formula(buy):
    contract = awarded_contract(buy)
    evaluator = buy["users"]["evaluator"]
    ev = services.evaluation_assign(
        actor=buy["district"], contract=contract, kind="midterm", evaluator=evaluator, due_on=dt.date(2026, 7, 1)
    )
    with pytest.raises(ApplicationError) as exc:
        services.evaluation_sign(
            actor=evaluator, evaluation=ev, scores={"delivery": 41, "quality": 20, "satisfaction": 10, "management": 5},
            comment="ok",
        )  # fmt: skip
    assert exc.value.extra["field"] == "delivery"
    with pytest.raises(ApplicationError) as exc:  # someone else
        services.evaluation_sign(actor=buy["district"], evaluation=ev, scores={}, comment="x")
    assert exc.value.status == 404
    ev = services.evaluation_sign(
        actor=evaluator, evaluation=ev, scores={"delivery": 36, "quality": 27, "satisfaction": 17, "management": 10},
        comment="良好",
    )  # fmt: skip
    assert ev.score == 90
    with pytest.raises(ApplicationError):
        services.evaluation_sign(
            actor=evaluator, evaluation=ev, comment="改",
            scores={"delivery": 40, "quality": 30, "satisfaction": 20, "management": 10},
        )  # fmt: skip
    ev.comment = "changed"
    with pytest.raises(Exception, match="never changes"):
        ev.save()
    services.kpi_compute(month=dt.date(2026, 2, 1))  # nothing held: attainment 0
    pay = services.payment_calculate(
        actor=buy["district"], contract=contract, milestone="二月", period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28), base="10000",
    )  # fmt: skip
    assert pay.factor == Decimal("0.27")  # 70% x 0 + 30% x 90/100
    assert pay.amount == Decimal("2700.00")


def test_credit_record_gates_eligibility(buy):
    contract = awarded_contract(buy)
    op = contract.operator
    services.kpi_compute(month=dt.date(2026, 2, 1))  # nothing delivered
    for _ in range(3):
        services.rectification_issue(
            actor=buy["district"], contract=contract, issue="场次不足", due_on=timezone.localdate()
        )
    profile = services.credit_compute(operator=op, today=timezone.localdate() + dt.timedelta(days=5))
    reasons = {r["reason"] for r in profile.credit_reasons}
    assert {"kpi", "rectification_overdue", "rectifications"} <= reasons
    assert profile.credit_level in ("C", "D")
    tender = Tender(min_credit="B", eligible_kinds=[], min_grade="")
    assert "credit level" in services.eligibility_problem(tender, op, timezone.localdate())


def test_resident_rates_only_if_used_and_once(buy):
    contract = awarded_contract(buy)
    d, project = buy["district"], buy["project"]
    services.project_advance(actor=d, project=project, to_stage="delivery")
    resident, other = buy["users"]["resident"], buy["users"]["resident_b"]
    with pytest.raises(ApplicationError) as exc:
        services.opinion_add(actor=resident, project=project, kind="rating", rating=5)
    assert exc.value.status == 403
    _sessions(contract.facilities.get(), dt.date(2026, 3, 1), 1, attended=1, expected=1, residents=[resident])
    services.opinion_add(actor=resident, project=project, kind="rating", rating=4)
    with pytest.raises(ApplicationError) as exc:
        services.opinion_add(actor=resident, project=project, kind="rating", rating=5)
    assert exc.value.code == "conflict"
    with pytest.raises(ApplicationError) as exc:  # another sub-district's resident
        services.opinion_add(actor=other, project=project, kind="problem", text="x")
    assert exc.value.status == 404


def test_vote_once_while_proposed(buy):
    resident = buy["users"]["resident"]
    services.opinion_add(actor=resident, project=buy["project"], kind="support")
    with pytest.raises(ApplicationError):
        services.opinion_add(actor=resident, project=buy["project"], kind="oppose")


def test_changing_a_target_shows_what_changes_first(buy):
    d, project = buy["district"], buy["project"]
    services.project_advance(actor=d, project=project, to_stage="targets")
    services.target_set(actor=d, project=project, metric="sessions", baseline=0, target=4)
    with pytest.raises(ApplicationError) as exc:
        services.target_set(actor=d, project=project, metric="sessions", baseline=1, target=6)
    assert exc.value.code == "confirm"
    assert exc.value.extra["before"] == {"baseline": "0.00", "target": "4.00"}
    assert exc.value.extra["after"] == {"baseline": "1", "target": "6"}
    assert project.targets.get().target == 4
    services.target_set(actor=d, project=project, metric="sessions", baseline=1, target=6, confirm=True)
    assert project.targets.get().target == 6


def test_red_flags_over_capacity_burst_and_kpi_jump(buy):
    from linli.procurement.selectors import red_flags

    contract = awarded_contract(buy)
    residents = [buy["users"]["resident"], buy["users"]["resident_b"]]
    assert red_flags(contract) == []
    activity = Activity.objects.create(facility=buy["facility"], title="讲座", domain="elderly")
    starts = timezone.make_aware(dt.datetime(2026, 3, 2, 9))
    s = Session.objects.create(
        activity=activity, starts_at=starts, ends_at=starts + dt.timedelta(hours=1), capacity=1,
        opens_at=starts - dt.timedelta(days=5), closes_at=starts,
    )  # fmt: skip
    for r in residents:
        Registration.objects.create(session=s, resident=r, status="attended", checked_in_at=starts)
    # March: sessions 4 of 4; January and February nothing: the KPIs jump just before the Q1 payment
    for day in (3, 4, 5):
        t = starts + dt.timedelta(days=day)
        Session.objects.create(
            activity=activity, starts_at=t, ends_at=t + dt.timedelta(hours=1), capacity=5,
            opens_at=t - dt.timedelta(days=5), closes_at=t,
        )  # fmt: skip
    for month in (1, 2, 3):
        services.kpi_compute(month=dt.date(2026, month, 1))
    services.payment_calculate(
        actor=buy["district"], contract=contract, milestone="一季度", period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31), base="1000",
    )  # fmt: skip
    kinds = {f.kind for f in red_flags(contract)}
    assert kinds == {"over_capacity", "kpi_jump"}


def test_red_flag_session_outside_opening_hours(buy):
    from linli.facilities.models import OpeningRule
    from linli.procurement.selectors import red_flags

    contract = awarded_contract(buy)
    for weekday in range(7):
        OpeningRule.objects.create(facility=buy["facility"], weekday=weekday, opens=dt.time(8), closes=dt.time(18))
    activity = Activity.objects.create(facility=buy["facility"], title="夜场", domain="elderly")
    for hour in (9, 21):  # one inside, one at night
        t = timezone.make_aware(dt.datetime(2026, 3, 10, hour))
        Session.objects.create(
            activity=activity, starts_at=t, ends_at=t + dt.timedelta(hours=1), capacity=5,
            opens_at=t - dt.timedelta(days=5), closes_at=t,
        )  # fmt: skip
    flags = [f for f in red_flags(contract) if f.kind == "outside_hours"]
    assert len(flags) == 1 and timezone.localtime(flags[0].detail["starts_at"]).hour == 21


def test_kpis_count_only_the_contracted_service_items(buy):
    contract = awarded_contract(buy)
    contract.service_items.set([buy["meals"]])
    meals = Activity.objects.create(facility=buy["facility"], title="助餐", domain="elderly", item=buy["meals"])
    other = Activity.objects.create(facility=buy["facility"], title="书法", domain="culture", item=buy["reading"])
    for activity in (meals, other):
        t = timezone.make_aware(dt.datetime(2026, 4, 7, 10))
        Session.objects.create(
            activity=activity, starts_at=t, ends_at=t + dt.timedelta(hours=1), capacity=5,
            opens_at=t - dt.timedelta(days=5), closes_at=t,
        )  # fmt: skip
    services.kpi_compute(month=dt.date(2026, 4, 1))
    sessions = KpiObservation.objects.get(contract=contract, target__metric="sessions", month=dt.date(2026, 4, 1))
    assert sessions.value == 1
    contract.service_items.clear()  # no items: every activity of the facilities counts
    services.kpi_compute(month=dt.date(2026, 4, 1))
    sessions.refresh_from_db()
    assert sessions.value == 2
