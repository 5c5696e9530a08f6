"""GeoJSON of areas for the map."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linli.areas import selectors

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def area_features(*, viewer: AnyUser, code: str) -> dict[str, Any]:
    """The area itself (role "self") and its children (role "child"), each with name, code, kind and
    residents, as a FeatureCollection."""
    area = selectors.area_get(viewer=viewer, code=code)
    features = []
    if area.boundary:
        features.append(_feature(area.boundary, area.code, area.name, area.level, area.kind, "self", None))
    for row in selectors.children_population(viewer=viewer, code=code):
        child = row["area"]
        if child.boundary:
            features.append(
                _feature(child.boundary, child.code, child.name, child.level, child.kind, "child", row["total"])
            )
    return {"type": "FeatureCollection", "features": features}


def _feature(
    geometry: dict[str, Any], code: str, name: str, level: str, kind: str, role: str, residents: int | None
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"code": code, "name": name, "level": level, "kind": kind, "role": role, "residents": residents},
    }


def bbox_of(geometry: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of a Polygon or MultiPolygon."""
    if not geometry:
        return None
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    lons = [p[0] for polygon in polygons for ring in polygon for p in ring]
    lats = [p[1] for polygon in polygons for ring in polygon for p in ring]
    return min(lons), min(lats), max(lons), max(lats)
