"""Walking networks for planning: load one from an OpenStreetMap extract (.osm.pbf) for an area."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from linli.areas.models import Area
from linli.core.enums import AuditAction
from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, require
from linli.core.services import audit_record
from linli.engine import network as engine_network
from linli.planning.models import Network

if TYPE_CHECKING:
    from linli.core.permissions import AnyUser


def network_arrays_save(network: engine_network.Network, relative: str) -> None:
    """Write the engine's network as the .npz the planning app reads: nodes, undirected edges and, for
    drawing, each edge as a two-node way."""
    u, v, length = network.edges()
    path = Path(settings.DATA_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        lon=network.lon,
        lat=network.lat,
        u=u.astype(np.int32),
        v=v.astype(np.int32),
        length=length,
        way_ptr=np.arange(0, 2 * len(u) + 1, 2, dtype=np.int64),
        way_nodes=np.column_stack([u, v]).ravel().astype(np.int32),
    )


@transaction.atomic
def network_load_pbf(*, actor: AnyUser | None, area_code: str, path: str | Path, name: str) -> Network:
    """Build the walking network of an OSM extract (walkable ways, largest connected component) and record
    it for `area_code`, replacing a network of the same name there."""
    if actor is not None:
        require(actor, Perm.AREA_CHANGE, area_code)
    if not Area.objects.filter(code=area_code).exists():
        raise ApplicationError("not_found", _("No such area."), {"field": "area_code", "code": area_code}, status=404)
    source = Path(path)
    if not source.is_file():
        raise ApplicationError("bad_file", _("No such file."), {"field": "file", "path": str(source)})
    try:
        network = engine_network.from_osm_pbf(source)
    except engine_network.NetworkError as exc:
        raise ApplicationError("bad_file", str(exc), {"field": "file"}) from exc
    relative = f"networks/{area_code}-{source.stem.replace('.osm', '')}.npz"
    network_arrays_save(network, relative)
    record, _created = Network.objects.update_or_create(
        area_code=area_code,
        name=name,
        defaults={"source": source.name, "nodes": network.n_nodes, "edges": network.n_edges, "file": relative},
    )
    detail: dict[str, Any] = {"file": source.name, "nodes": network.n_nodes, "edges": network.n_edges}
    audit_record(actor=actor, action=AuditAction.IMPORT, on=record, detail=detail)
    return record
