from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from linli.planning.selectors import network_geojson

router = Router(tags=["planning"])


@router.get("/network", summary="GeoJSON: the walking network within an area, simplified for drawing")
def area_network(request: HttpRequest, area: str) -> dict[str, Any]:
    return network_geojson(viewer=request.user, code=area)
