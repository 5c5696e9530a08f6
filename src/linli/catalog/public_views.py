"""The residents' page: services near me, on a phone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.areas.enums import AreaLevel
from linli.areas.models import Area
from linli.catalog.enums import Domain, TargetGroup
from linli.catalog.selectors import nearby_rows
from linli.core.errors import ApplicationError
from linli.facilities.selectors import search_point

RADII = (500, 1000, 2000, 5000)
RESULTS = 20  # nearest first; a phone screen needs no more
OFFERINGS_SHOWN = 4  # per place, the rest on its own page


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def distance_label(metres: int) -> str:
    return f"{metres} m" if metres < 1000 else f"{metres / 1000:.1f} km"


def services_near(request: HttpRequest) -> HttpResponse:
    """Pick a community (or share your location), a domain, a distance; see what is near."""
    lon, lat = _float(request.GET.get("lon")), _float(request.GET.get("lat"))
    area = request.GET.get("area") or getattr(request.user, "home_area_code", "") or ""
    domain = request.GET.get("domain") or ""
    radius = int(_float(request.GET.get("radius")) or 2000)
    radius = radius if radius in RADII else 2000
    rows: list[dict] = []
    error = None
    point = None
    if (lon is not None and lat is not None) or area:
        try:
            point = search_point(lon, lat, None if lon is not None else area)
            rows = nearby_rows(point[0], point[1], domain or None, radius, RESULTS + 1)
        except ApplicationError as exc:
            error = exc.message
    more = len(rows) > RESULTS  # one more than shown was asked for: the list stops at RESULTS
    rows = rows[:RESULTS]
    # the form was sent (it always sends `radius`) without a community and without a location
    missing_place = "radius" in request.GET and not area and lon is None
    villages = Area.objects.filter(level=AreaLevel.VILLAGE).select_related("parent").order_by("code")
    groups: dict[str, list[Area]] = {}
    for village in villages:
        groups.setdefault(village.parent.name if village.parent else "", []).append(village)
    target_labels = dict(TargetGroup.choices)
    for row in rows:
        row["target_labels"] = [target_labels.get(g, g) for g in row["target_groups"]]
        row["distance_label"] = distance_label(row["distance_m"])
        row["more_offerings"] = max(0, len(row["offerings"]) - OFFERINGS_SHOWN)
        row["offerings"] = row["offerings"][:OFFERINGS_SHOWN]
    return render(
        request,
        "services/near.html",
        {
            "rows": rows,
            "more": more,
            "missing_place": missing_place,
            "error": error,
            "groups": groups,
            "area": area,
            "lon": lon,
            "lat": lat,
            "point": point,
            "domain": domain,
            "domains": Domain.choices,
            "radius": radius,
            "radii": [(r, distance_label(r)) for r in RADII],
            "searched": bool(rows) or error is not None or area or lon is not None,
            "map_points": [
                {"name": r["name"], "lon": r["lon"], "lat": r["lat"], "code": r["code"], "open": r["open_now"]}
                for r in rows
            ],
        },
    )
