"""Siting: where should the next k facilities of a type go?

`siting_run_start` checks the question and starts a background job (`linli.planning.siting_job`) that
gathers the arrays, lets the engine measure walking distances and solve (MCLP, LSCP or p-median, exactly
with HiGHS), and stores the answer in `PlanningRun.result`. `siting_accept` turns chosen sites into planned
facilities of the registry, through `facility_create`, so they are checked and audited like any other.

Each chosen site carries two gains (computed by `linli.engine.siting_run.describe`). `gain` is its share of
the total improvement when the chosen sites are added one by one, the most useful first: the gains add up
to after - before. `unique_gain` is what the site alone brings given all the others (the loss if it were
dropped).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.areas import selectors as area_selectors
from linli.areas.codes import prefix_of
from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError, RowErrors
from linli.core.permissions import Perm, filter_scope, require
from linli.core.services import audit_record
from linli.engine import siting_run
from linli.facilities.enums import ConstructionStatus
from linli.facilities.inputs import FacilityIn
from linli.facilities.models import Facility, FacilityType
from linli.facilities.services import facility_create
from linli.jobs.services import job_create, job_enqueue
from linli.planning.models import IdleSpace, PlanningRun, Scenario
from linli.planning.selectors import network_for_area
from linli.planning.siting_job import JOB_KIND  # also registers the job handler

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser

OBJECTIVES = siting_run.OBJECTIVES
CANDIDATE_SOURCES = ("idle", "generated")
# Names on pages and job titles, never the solver's codes.
OBJECTIVE_NAMES = {
    "mclp": gettext_lazy("maximal covering"),
    "lscp": gettext_lazy("set covering"),
    "pmedian": gettext_lazy("shortest total walk"),
}
CANDIDATE_NAMES = {"idle": gettext_lazy("idle spaces"), "generated": gettext_lazy("generated on the network")}


def objective_name(code: str | None) -> str:
    return str(OBJECTIVE_NAMES.get(code or "", code or ""))


def candidates_name(code: str | None) -> str:
    return str(CANDIDATE_NAMES.get(code or "", code or ""))


MAX_TIME_LIMIT_S = 600
MAX_K = 200


# --------------------------------------------------------------------------------------------- reads


def siting_runs_visible(*, viewer: AnyUser) -> QuerySet[PlanningRun]:
    """Siting runs on areas in the viewer's scope, newest first."""
    require(viewer, Perm.AREA_VIEW)
    qs = PlanningRun.objects.filter(kind=PlanningRun.Kind.SITING).select_related("scenario__area", "job")
    return filter_scope(viewer, qs, "scenario__area_code").order_by("-created_at")


def siting_run_get(*, viewer: AnyUser, run_id: int) -> PlanningRun:
    run = siting_runs_visible(viewer=viewer).filter(pk=run_id).first()
    if run is None:
        raise ApplicationError("not_found", _("No such siting run."), {"run": run_id}, status=404)
    return run


def idle_spaces_visible(*, viewer: AnyUser, area_code: str | None = None) -> QuerySet[IdleSpace]:
    require(viewer, Perm.AREA_VIEW)
    qs = IdleSpace.objects.visible_to(viewer)
    if area_code:
        qs = qs.filter(area_code__startswith=prefix_of(area_code))
    return qs.order_by("area_code", "name")


def siting_types() -> QuerySet[FacilityType]:
    return FacilityType.objects.order_by("sort_order", "code")


def siting_areas(*, viewer: AnyUser) -> QuerySet[Area]:
    """Areas a siting run may be asked for: districts, towns and communities in scope."""
    return area_selectors.areas_visible(viewer=viewer).filter(
        level__in=[AreaLevel.COUNTY, AreaLevel.TOWN, AreaLevel.VILLAGE]
    )


def siting_run_layers(*, viewer: AnyUser, run_id: int) -> dict[str, Any]:
    """The run's map layers: demand points (lon, lat, weight, covered before, covered after), existing
    facilities, candidates and chosen sites."""
    run = siting_run_get(viewer=viewer, run_id=run_id)
    empty: dict[str, Any] = {"demand": [], "existing": [], "candidates": [], "sites": []}
    if not run.arrays_file or not (Path(settings.DATA_DIR) / run.arrays_file).exists():
        return empty
    with np.load(Path(settings.DATA_DIR) / run.arrays_file) as a:
        demand = np.column_stack(
            [np.round(a["demand_lon"], 6), np.round(a["demand_lat"], 6), np.round(a["demand_w"], 1)]
        ).tolist()
        flags = np.column_stack([a["covered_before"], a["covered_after"]]).astype(int).tolist()
        existing = np.round(np.column_stack([a["existing_lon"], a["existing_lat"]]), 6).tolist()
        candidates = np.round(np.column_stack([a["candidate_lon"], a["candidate_lat"]]), 6).tolist()
    sites = (run.result or {}).get("sites", [])
    return {
        "demand": [d + f for d, f in zip(demand, flags, strict=True)],
        "existing": existing,
        "existing_codes": (run.result or {}).get("existing_codes", []),
        "candidates": candidates,
        "sites": [[s["lon"], s["lat"], s["rank"]] for s in sites],
        "radius_m": (run.result or {}).get("radius_m"),
    }


# --------------------------------------------------------------------------------------------- start


def _int(value: Any, field: str, errors: RowErrors, low: int, high: int) -> int | None:
    if value is None or value == "":
        errors.add(0, field, _("required"))
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.add(0, field, _("must be a whole number"), value)
        return None
    if not number.is_integer():
        errors.add(0, field, _("must be a whole number"), value)
        return None
    if not low <= number <= high:
        errors.add(0, field, _("must be between %(low)d and %(high)d") % {"low": low, "high": high}, value)
        return None
    return int(number)


@transaction.atomic
def siting_run_start(
    *,
    actor: AnyUser,
    area_code: str,
    facility_type_code: str,
    objective: str,
    k: int | None = None,
    radius_m: float | None = None,
    candidates: str = "idle",
    time_limit_s: float = 60,
    scenario: Scenario | None = None,
) -> PlanningRun:
    """Check a siting question and start its job; returns the run (its `job` shows the progress).

    `k` new sites for "mclp" and "pmedian"; `radius_m` the walking distance that counts as covered for
    "mclp" and "lscp" (for "pmedian" it only reports coverage; default: the type's service radius)."""
    area = area_selectors.area_get(viewer=actor, code=area_code)  # 404 outside the scope
    require(actor, Perm.JOB_START, area.code)
    errors = RowErrors()
    if objective not in OBJECTIVES:
        errors.add(0, "objective", _("must be one of %(choices)s") % {"choices": ", ".join(OBJECTIVES)}, objective)
    if candidates not in CANDIDATE_SOURCES:
        errors.add(
            0, "candidates", _("must be one of %(choices)s") % {"choices": ", ".join(CANDIDATE_SOURCES)}, candidates
        )
    facility_type = FacilityType.objects.filter(code=facility_type_code).first()
    if facility_type is None:
        errors.add(0, "facility_type", _("unknown facility type"), facility_type_code)
    number = None
    if objective in ("mclp", "pmedian"):
        number = _int(k, "k", errors, 1, MAX_K)
    radius: float | None = None
    if radius_m in (None, "") and facility_type is not None and facility_type.service_radius_m:
        radius = float(facility_type.service_radius_m)
    elif radius_m not in (None, ""):
        try:
            radius = float(radius_m)
        except (TypeError, ValueError):
            errors.add(0, "radius_m", _("must be a number of metres"), radius_m)
        else:
            if not (radius > 0 and np.isfinite(radius)):
                errors.add(0, "radius_m", _("must be more than 0 metres"), radius_m)
                radius = None
    if radius is None and objective in ("mclp", "lscp") and not any(e["field"] == "radius_m" for e in errors.errors):
        errors.add(0, "radius_m", _("required"))
    try:
        limit = float(time_limit_s)
    except (TypeError, ValueError):
        limit = -1.0
    if not 1 <= limit <= MAX_TIME_LIMIT_S:
        errors.add(
            0, "time_limit_s", _("must be between %(low)d and %(high)d seconds") % {"low": 1, "high": MAX_TIME_LIMIT_S}
        )
    if scenario is not None and not area.code.startswith(prefix_of(scenario.area_code)):
        errors.add(0, "scenario", _("the scenario is about another area"), scenario.pk)
    network = scenario.network if scenario is not None else network_for_area(code=area.code)
    if network is None:
        errors.add(0, "area_code", _("no walking network covers this area"), area.code)
    if candidates == "idle" and not errors:
        available = IdleSpace.objects.filter(
            area_code__startswith=prefix_of(area.code), status=IdleSpace.Status.AVAILABLE
        ).count()
        if available == 0:
            errors.add(0, "candidates", _("no available idle spaces in this area: use generated candidates"))
        elif number is not None and number > available:
            errors.add(
                0,
                "k",
                _("%(k)d new sites asked for, but only %(n)d idle spaces are available")
                % {"k": number, "n": available},
                number,
            )
    errors.raise_if_any("invalid", _("The siting run was not started."))
    assert facility_type is not None and network is not None
    if scenario is None:
        name = _("Siting: %(area)s") % {"area": area.name}
        scenario = Scenario.objects.filter(area=area, network=network, name=name).first()
        if scenario is None:
            scenario = Scenario.objects.create(name=name, area=area, network=network, created_by_id=actor.pk)
    params = {
        "area_code": area.code,
        "facility_type": facility_type.code,
        "objective": objective,
        "k": number,
        "radius_m": radius,
        "candidates": candidates,
        "time_limit_s": limit,
    }
    run = PlanningRun.objects.create(scenario=scenario, kind=PlanningRun.Kind.SITING, params=params)
    title = _("Siting %(type)s in %(area)s (%(objective)s)") % {
        "type": facility_type.name,
        "area": area.name,
        "objective": objective_name(objective),
    }
    job = job_create(kind=JOB_KIND, title=title, params={"run": run.pk}, user=actor)  # type: ignore[arg-type]
    run.job = job
    run.save(update_fields=["job"])
    job_enqueue(job=job)
    return run


# --------------------------------------------------------------------------------------------- accept


def _code_for(area_code: str, taken: set[str]) -> str:
    prefix = "P" + area_code
    used = set(Facility.objects.filter(code__startswith=prefix).values_list("code", flat=True)) | taken
    seq = 1
    while f"{prefix}{seq:03d}" in used:
        seq += 1
    return f"{prefix}{seq:03d}"


@transaction.atomic
def siting_accept(
    *, actor: AnyUser, run: PlanningRun, site_indices: list[int], names: list[str] | None = None
) -> list[Facility]:
    """Accept chosen sites of a finished run into the registry as planned facilities (all or nothing);
    their idle spaces become reserved. A site is accepted once."""
    run = PlanningRun.objects.select_for_update().select_related("scenario").get(pk=run.pk)
    require(actor, Perm.FACILITY_CHANGE, run.scenario.area_code)
    result = run.result or {}
    if run.kind != PlanningRun.Kind.SITING or result.get("status") != "ok":
        raise ApplicationError("not_ready", _("This siting run has no result to accept."), {"field": "run"})
    sites = result["sites"]
    accepted: dict[str, str] = dict(result.get("accepted") or {})
    errors = RowErrors()
    if not site_indices:
        errors.add(0, "sites", _("choose at least one site"))
    indices: list[int] = []
    for raw in site_indices:
        try:
            i = int(raw)
        except (TypeError, ValueError):
            errors.add(0, "sites", _("not a site of this run"), raw)
            continue
        if not 0 <= i < len(sites):
            errors.add(0, "sites", _("not a site of this run"), raw)
        elif str(i) in accepted:
            errors.add(
                0, "sites", _("site %(n)d was already accepted as %(code)s") % {"n": i + 1, "code": accepted[str(i)]}, i
            )
        elif i in indices:
            errors.add(0, "sites", _("given twice"), i)
        else:
            indices.append(i)
    if names is not None and len(names) != len(site_indices):
        errors.add(0, "names", _("give one name per site, or none"))
    spaces: dict[int, IdleSpace] = {}
    ids = [sites[i]["idle_space_id"] for i in indices if sites[i].get("idle_space_id")]
    for row in IdleSpace.objects.select_for_update().filter(pk__in=ids):
        spaces[row.pk] = row
    for i in indices:
        space_id = sites[i].get("idle_space_id")
        if space_id and (space_id not in spaces or spaces[space_id].status != IdleSpace.Status.AVAILABLE):
            errors.add(0, "sites", _("the idle space of site %(n)d is no longer available") % {"n": i + 1}, space_id)
    errors.raise_if_any("invalid", _("No site was accepted."))

    facility_type = FacilityType.objects.get(code=result["facility_type"])
    area_names = dict(
        Area.objects.filter(code__in={sites[i]["area_code"] for i in indices}).values_list("code", "name")
    )
    today = timezone.localdate()
    taken: set[str] = set()
    created: list[Facility] = []
    for n, i in enumerate(indices):
        site = sites[i]
        code = _code_for(site["area_code"], taken)
        taken.add(code)
        name = (names[n].strip() if names and names[n] else "") or (
            f"规划{facility_type.name}({area_names.get(site['area_code'], site['area_code'])})"
        )
        space = spaces.get(site.get("idle_space_id") or 0)
        data = {
            "code": code,
            "name": name,
            "type": facility_type.code,
            "area_code": site["area_code"],
            "lon": site["lon"],
            "lat": site["lat"],
            "status": ConstructionStatus.PLANNED,
            "planned_on": today,
            "floor_area_m2": space.floor_area_m2 if space else None,
            "address": space.name if space else "",
            "description": _("Planned by siting run %(run)d (%(objective)s), site %(n)d.")
            % {"run": run.pk, "objective": result["objective"], "n": i + 1},
        }
        facility = facility_create(actor=actor, facility=FacilityIn.model_validate(data))
        created.append(facility)
        accepted[str(i)] = facility.code
        if space is not None:
            space.status = IdleSpace.Status.RESERVED
            space.note = (_("reserved for %(code)s") % {"code": facility.code})[:200]
            space.save(update_fields=["status", "note", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                on=space,
                fields=["status"],
                detail={"status": [IdleSpace.Status.AVAILABLE, IdleSpace.Status.RESERVED], "facility": facility.code},
            )
    result["accepted"] = accepted
    run.result = result
    run.save(update_fields=["result"])
    return created


def siting_accepted_facilities(*, run: PlanningRun) -> QuerySet[Facility]:
    codes = list(((run.result or {}).get("accepted") or {}).values())
    return Facility.objects.filter(Q(code__in=codes)).order_by("code")
