"""Re-plan (再规划): where demand outruns supply, open the next plan prefilled with it - the loop closes.

Two signals from the indicators: rural villages without a rural centre (a siting run for a rural centre is
started for the area, with as many new sites as villages lacking one, on the idle spaces), and the domains
whose share of residents' demand exceeds their share of the capacity offered (listed beside it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.areas.selectors import area_get
from linli.catalog.enums import Domain
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require
from linli.facilities.enums import FacilityFamily
from linli.facilities.models import FacilityType
from linli.indicators.formulas import demand_supply_by_domain, domain_gaps, villages_without_rural_centre
from linli.indicators.registry import AreaInfo, Context
from linli.indicators.selectors import area_index, parse_area
from linli.planning.models import IdleSpace, PlanningRun
from linli.planning.siting import MAX_K, siting_run_start

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


@dataclass
class Proposal:
    area_code: str
    villages: list[AreaInfo]  # rural villages without a rural centre
    facility_type: str  # the rural centre type a siting run would place
    k: int
    candidates: str  # "idle" (the area's available idle spaces) or "generated" when it has none
    gaps: list[tuple[str, float, float]]  # (domain label, demand %, supply %)


def _context(code: str, as_of: dt.date) -> Context:
    from linli.areas.codes import prefix_of

    prefix = prefix_of(code)
    return Context(as_of=as_of, areas=area_index(prefix), prefix=prefix)


def replan_proposal(*, viewer: AnyUser, code: str, as_of: dt.date | None = None) -> Proposal:
    require(viewer, Perm.INDICATOR_VIEW)
    area = area_get(viewer=viewer, code=parse_area(code))
    ctx = _context(area.code, as_of or timezone.localdate())
    villages = villages_without_rural_centre(ctx)
    demand, supply = demand_supply_by_domain(ctx)
    labels = {d.value: d.label for d in Domain}
    gaps = [
        (str(labels.get(k, k)), d, s) for k, d, s in domain_gaps(demand.get(area.code, {}), supply.get(area.code, {}))
    ]
    centre = FacilityType.objects.filter(family=FacilityFamily.RURAL_CENTRE).order_by("sort_order", "code").first()
    idle = IdleSpace.objects.filter(area_code__startswith=ctx.prefix, status=IdleSpace.Status.AVAILABLE).count()
    k = min(len(villages), MAX_K, idle) if idle else min(len(villages), MAX_K)
    return Proposal(area.code, villages, centre.code if centre else "", k, "idle" if idle else "generated", gaps)


def replan_start(*, actor: AnyUser, code: str) -> PlanningRun:
    """Start a siting run for a rural centre in the area, prefilled from the indicators: as many new sites
    as villages lacking one (maximal covering; on the area's idle spaces, at most as many as there are, or
    on generated candidates when it has none). Planning's own service checks and runs it."""
    proposal = replan_proposal(viewer=actor, code=code)
    if not proposal.villages or not proposal.facility_type:
        raise ApplicationError(
            "nothing_to_plan", _("Every rural village of the area has a rural centre: nothing to re-plan."),
            {"field": "area"},
        )  # fmt: skip
    return siting_run_start(
        actor=actor,
        area_code=proposal.area_code,
        facility_type_code=proposal.facility_type,
        objective="mclp",
        k=proposal.k,
        candidates=proposal.candidates,
    )
