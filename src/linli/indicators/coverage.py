"""Coverage by age group from the planning app's coverage runs: the per-point arrays a run saved (residents
by age group, covered or not per facility type) summed by area. Nothing is recomputed here."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from linli.areas.enums import AgeGroup
from linli.core.errors import ApplicationError
from linli.facilities.enums import FacilityFamily
from linli.facilities.selectors import facility_types
from linli.indicators.registry import Context
from linli.planning.models import PlanningRun
from linli.planning.selectors import run_arrays, run_ready

CENTRES = (FacilityFamily.NEIGHBOURHOOD_CENTRE, FacilityFamily.RURAL_CENTRE)


def latest_runs(ctx: Context) -> list[PlanningRun]:
    """The newest finished coverage run of each scenario area finished by the day, newest first, leaving
    out a run whose area lies inside the area of a newer one already taken."""
    runs = (
        PlanningRun.objects.filter(kind=PlanningRun.Kind.COVERAGE, result__isnull=False, created_at__lt=ctx.day_end)
        .exclude(arrays_file="")
        .select_related("scenario")
        .order_by("-created_at")
    )
    taken: list[str] = []
    out = []
    for run in runs:
        code = run.scenario.area_code
        prefix = code.rstrip("0") or code
        if ctx.prefix and not (prefix.startswith(ctx.prefix) or ctx.prefix.startswith(prefix)):
            continue
        if any(prefix.startswith(t) for t in taken) or not run_ready(run):
            continue
        taken.append(prefix)
        out.append(run)
    return out


def coverage_rows(ctx: Context) -> Iterator[tuple[str, list[float], list[float]]]:
    """(area code of a residential point, residents covered per age group, residents per age group)."""
    if "coverage" not in ctx.cache:
        families = {t.code: t.family for t in facility_types()}
        rows: list[tuple[str, list[float], list[float]]] = []
        for run in latest_runs(ctx):
            try:
                a = run_arrays(run)
            except ApplicationError:
                continue
            types = [str(t) for t in a["types"].tolist()]
            centre_cols = [i for i, t in enumerate(types) if families.get(t) in CENTRES] or list(range(len(types)))
            covered = np.zeros(len(a["area_code"]), dtype=bool)
            if types:
                covered = np.asarray(np.asarray(a["covered"])[:, centre_cols].any(axis=1), dtype=bool)
            pop = a["population"].astype(np.float64)
            codes = a["area_code"]
            keep = np.array([str(c).startswith(ctx.prefix) for c in codes.tolist()]) if ctx.prefix else None
            if keep is not None:
                codes, pop, covered = codes[keep], pop[keep], covered[keep]
            uniq, index = np.unique(codes, return_inverse=True)
            n_groups = len(AgeGroup)
            tot = np.zeros((len(uniq), n_groups))
            cov = np.zeros((len(uniq), n_groups))
            np.add.at(tot, index, pop[:, :n_groups])
            np.add.at(cov, index, pop[:, :n_groups] * covered[:, None])
            rows += [(str(c), cov[k].tolist(), tot[k].tolist()) for k, c in enumerate(uniq.tolist())]
        ctx.cache["coverage"] = rows
    return iter(ctx.cache["coverage"])
