from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.areas import selectors
from linli.areas.enums import AgeGroup
from linli.areas.io import template_workbook
from linli.areas.services import area_import_start
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require
from linli.core.tabular import XLSX, check_size


@login_required
def area_index(request: HttpRequest) -> HttpResponse:
    roots = list(selectors.area_roots(viewer=request.user))
    if len(roots) == 1:
        return redirect("area-detail", code=roots[0].code)
    return render(request, "areas/area_index.html", {"roots": roots})


@login_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.area_get(viewer=request.user, code=code)
    children = selectors.children_population(viewer=request.user, code=code)
    population = selectors.population_by_age(viewer=request.user, code=code)
    age_groups = [g.value for g in AgeGroup]
    chart = {
        "ageGroups": age_groups,
        "population": [population["population"][g] for g in age_groups],
        "children": [
            {"name": row["area"].name, "code": row["area"].code, "values": [row["population"][g] for g in age_groups]}
            for row in children
        ],
    }
    return render(
        request,
        "areas/area_detail.html",
        {
            "area": area,
            "ancestors": selectors.area_ancestors(viewer=request.user, area=area),
            "children": children,
            "population": population,
            "age_groups": age_groups,
            "chart": chart,
            "map_urls": {
                "boundaries": reverse("api:area_boundaries", args=[area.code]),
                "network": reverse("api:area_network") + f"?area={area.code}",
                "detail": reverse("area-detail", args=["CODE"]),
            },
        },
    )


@login_required
def area_import(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_CHANGE)
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ApplicationError("missing_file", _("Choose a file to upload."), {"field": "file"})
            check_size(upload.size or 0)
            job = area_import_start(actor=request.user, name=upload.name or "upload", content=upload.read())
        except ApplicationError as exc:
            error = exc
        else:
            return redirect("job-detail", job_id=job.pk)
    return render(request, "areas/area_import.html", {"error": error}, status=400 if error else 200)


@login_required
def area_template(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_CHANGE)
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="linli-areas-template.xlsx"'
    return response
