"""Reads of walking networks: the arrays for the engine, and simplified GeoJSON for the map."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings

from linli.areas import selectors as area_selectors
from linli.areas.geo import bbox_of
from linli.planning.models import Network

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def network_for_area(*, code: str) -> Network | None:
    """The network that covers area `code`: the one recorded for it or for its nearest ancestor."""
    candidates = [code[:n] + "0" * (12 - n) for n in (12, 9, 6, 4, 2)]
    for candidate in candidates:
        network = Network.objects.filter(area_code=candidate).order_by("-created_at").first()
        if network is not None:
            return network
    return None


@lru_cache(maxsize=4)
def _arrays(path: str, mtime: float) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    degree = np.bincount(np.concatenate([arrays["u"], arrays["v"]]), minlength=len(arrays["lon"]))
    arrays["degree"] = degree
    return arrays


def network_arrays(network: Network) -> dict[str, np.ndarray]:
    path = Path(settings.DATA_DIR) / network.file
    return _arrays(str(path), path.stat().st_mtime)


def network_geojson(*, viewer: AnyUser, code: str) -> dict[str, Any]:
    """The streets and roads that reach into the area's bounding box, as one MultiLineString. Nodes in
    the middle of a street (degree 2) are left out: enough to draw, a fraction of the size."""
    area = area_selectors.area_get(viewer=viewer, code=code)
    network = network_for_area(code=area.code)
    bbox = bbox_of(area.boundary)
    if network is None or bbox is None:
        return {"type": "FeatureCollection", "features": []}
    a = network_arrays(network)
    lon, lat, ptr, nodes, degree = a["lon"], a["lat"], a["way_ptr"], a["way_nodes"], a["degree"]
    inside = (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])
    lines = []
    for i in range(len(ptr) - 1):
        way = nodes[ptr[i] : ptr[i + 1]]
        if not inside[way].any():
            continue
        keep = np.ones(len(way), dtype=bool)
        keep[1:-1] = degree[way[1:-1]] != 2
        way = way[keep]
        lines.append(np.round(np.column_stack([lon[way], lat[way]]), 6).tolist())
    feature = {
        "type": "Feature",
        "geometry": {"type": "MultiLineString", "coordinates": lines},
        "properties": {"network": network.name, "nodes": network.nodes, "edges": network.edges},
    }
    return {"type": "FeatureCollection", "features": [feature]}
