"""Daily snapshots: every indicator for every area in one go, a past day recomputed on demand (replacing that
day only), one subtree retaken alone, the command; the dashboard reads the snapshot and says so."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from linli.core.errors import ApplicationError
from linli.facilities.models import Facility
from linli.indicators.models import Snapshot
from linli.indicators.registry import definitions
from linli.indicators.selectors import dashboard, value_of
from linli.indicators.services import snapshot_take
from tests.indicators.conftest import TODAY

D, SUB_A = "990102000000", "990102001000"


def test_snapshot_holds_every_indicator_of_every_area_equal_to_the_registry(world):
    written = snapshot_take(day=TODAY)
    assert written == Snapshot.objects.filter(date=TODAY).count()
    codes = {d.code for d in definitions()}
    assert set(Snapshot.objects.filter(date=TODAY, area_code=D).values_list("code", flat=True)) == codes
    # village-level rows exist for indicators that apply to villages, not for the district-only ones
    village = set(Snapshot.objects.filter(date=TODAY, area_code="990102101201").values_list("code", flat=True))
    assert "built.rural_centre" in village and "rural_centre.village_share" not in village
    for s in Snapshot.objects.filter(date=TODAY, area_code__in=[D, SUB_A, "990102101000"]):
        assert s.value == value_of(s.code, s.area_code, TODAY), (s.code, s.area_code)


def test_past_day_recomputed_on_demand_replaces_only_that_day(world):
    snapshot_take(day=TODAY)
    snapshot_take(day=dt.date(2026, 1, 5))
    assert Snapshot.objects.get(date=dt.date(2026, 1, 5), area_code=D, code="built.nc").value == 3  # closed later
    Facility.objects.filter(status="closed").update(closed_on=dt.date(2026, 1, 2))  # a correction of the record
    n = Snapshot.objects.count()
    snapshot_take(day=dt.date(2026, 1, 5))
    assert Snapshot.objects.count() == n  # replaced, not added
    assert Snapshot.objects.get(date=dt.date(2026, 1, 5), area_code=D, code="built.nc").value == 2
    assert Snapshot.objects.get(date=TODAY, area_code=D, code="built.nc").value == 3


def test_one_subtree_retaken_alone(world):
    snapshot_take(day=TODAY)
    before = dict(Snapshot.objects.filter(date=TODAY).values_list("id", "area_code"))
    snapshot_take(day=TODAY, area_code=SUB_A)
    after = dict(Snapshot.objects.filter(date=TODAY).values_list("id", "area_code"))
    assert {i for i, a in before.items() if not a.startswith("990102001")} <= set(after)  # others kept
    assert not {i for i, a in before.items() if a.startswith("990102001")} & set(after)  # subtree rewritten
    assert len(after) == len(before)


def test_refusals_name_the_field(world):
    with pytest.raises(ApplicationError) as exc:
        snapshot_take(day=dt.date.today() + dt.timedelta(days=3))
    assert exc.value.extra["field"] == "date"
    with pytest.raises(ApplicationError) as exc:
        snapshot_take(day=TODAY, area_code="12")
    assert exc.value.extra["field"] == "area"
    with pytest.raises(ApplicationError) as exc:
        snapshot_take(day=TODAY, area_code="990102009000")
    assert exc.value.status == 404
    assert not Snapshot.objects.exists()


def test_command(world):
    out = io.StringIO()
    with translation.override("en"):
        call_command("indicators_snapshot", "--date", "2026-06-30", "--since", "2026-04-01", stdout=out)
    assert set(Snapshot.objects.values_list("date", flat=True)) == {
        dt.date(2026, 4, 30), dt.date(2026, 5, 31), dt.date(2026, 6, 30)
    }  # fmt: skip
    assert "snapshot rows written" in out.getvalue()
    with pytest.raises(CommandError, match="--date"):
        call_command("indicators_snapshot", "--date", "30/06/2026")


def test_dashboard_reads_the_snapshot_else_computes(world, users):
    board = dashboard(viewer=users["district"], code=D, as_of=TODAY)
    assert board.source == "live"
    snapshot_take(day=dt.date(2026, 6, 1))
    Snapshot.objects.filter(date=dt.date(2026, 6, 1), area_code=D, code="built.nc").update(value=99)
    board = dashboard(viewer=users["district"], code=D, as_of=TODAY)
    assert board.source == "snapshot" and board.as_of == dt.date(2026, 6, 1)
    nc = next(r for r in board.rows if r["indicator"].code == "built.nc")
    assert nc["cell"].value == 99  # read from the snapshot, not recomputed
    assert [child.code for child, _cell in nc["children"]] == ["990102001000", "990102002000", "990102101000"]
