"""A coverage run split by area and run on a Dask distributed cluster.

The demand points are partitioned by an area label (one chunk per label; `grid_areas` makes labels from a
grid when there are none). Each chunk is one task that gets only the sub-network it needs: the nodes within
network distance R = the largest radius of any chunk demand node (a multi-source Dijkstra "ball" with
limit R), and the facilities inside that ball. The task runs `access.accessibility` and `access.coverage`
there; the client merges the chunks back into the original point order.

Exactness: a path of length <= r <= R that ends at a demand node d lies entirely within network distance r
of d (every node on it is reached from d by the rest of the path), so every shortest path from d to a
facility within the radius, and that facility, are in d's ball; the ball is an induced subgraph, so no
shorter path appears either. Hence every distance <= the radius equals the full-network distance (the ball
gets a 1e-9 relative slack so that rounding in the ball's own Dijkstra cannot cut such a path), and
distances beyond the radius are reported as `inf`. Coverage only looks at distances <= the radius, so the
split coverage equals the local one exactly.

Runs go to `distributed.Client(scheduler)` when a scheduler address is given (the workers need linli
installed), else to an in-process `LocalCluster` (threads); a single chunk runs plainly in-process. The
payloads are scattered to the workers before the tasks are mapped over them (each chunk's sub-network is
distinct, so nothing is broadcast).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import dijkstra

from linli.engine.access import (
    AccessError,
    Accessibility,
    Coverage,
    _nodes,
    _offsets,
    _radius,
    _weights,
    accessibility,
    coverage,
)
from linli.engine.network import Network

BALL_SLACK = 1e-9


class SplitError(ValueError):
    """Bad input to a split run, or the cluster cannot be reached (the message says which)."""


@dataclass(frozen=True)
class SplitCoverage:
    """Result of a split run (and of `local_coverage`, so callers can swap the two).

    `access` is the nearest facility of each type per demand point in the original order, with distances
    beyond the type's radius reported as `inf` (facility -1); `coverage` the coverage over all points (equal
    to the local run's); `areas` the chunk labels and `area_coverage` the coverage of each area's points;
    `sub_nodes[k]` the number of nodes in area k's sub-network (0 for the local run).
    """

    access: Accessibility
    coverage: Coverage
    areas: tuple[str, ...]
    area_coverage: Mapping[str, Coverage]
    sub_nodes: tuple[int, ...]


@dataclass(frozen=True)
class _Chunk:
    """Everything one task needs: the sub-network and the chunk's demand and facilities in its indices."""

    area: str
    network: Network
    demand_node: np.ndarray
    demand_snap: np.ndarray
    weights: np.ndarray
    facility_node: np.ndarray
    facility_index: np.ndarray  # into the caller's facility arrays
    facility_type: np.ndarray
    facility_snap: np.ndarray
    types: tuple[str, ...]
    radii: np.ndarray
    groups: tuple[str, ...]


@dataclass(frozen=True)
class _ChunkResult:
    distance: np.ndarray
    facility: np.ndarray
    coverage: Coverage


def grid_areas(x: ArrayLike, y: ArrayLike, cells: int) -> np.ndarray:
    """Area labels "r{row}c{col}" from a grid of about `cells` equal cells over the points' bounding box
    (projected metres); used when the demand has no area of its own."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if cells < 1:
        raise SplitError(f"cells must be >= 1, got {cells}")
    side = int(np.ceil(np.sqrt(cells)))
    if len(x) == 0:
        return np.empty(0, dtype=str)

    def band(v: np.ndarray) -> np.ndarray:
        span = v.max() - v.min()
        if span == 0:
            return np.zeros(len(v), dtype=np.int64)
        return np.minimum(((v - v.min()) / span * side).astype(np.int64), side - 1)

    return np.char.add(np.char.add("r", band(y).astype(str)), np.char.add("c", band(x).astype(str)))


def _radii(types: tuple[str, ...], radius: float | Mapping[str, float]) -> np.ndarray:
    if isinstance(radius, Mapping):
        missing = [t for t in types if t not in radius]
        if missing:
            raise AccessError(f"radius has no value for facility type(s) {missing}")
        return np.array([_radius(f"radius[{t!r}]", radius[t]) for t in types])
    return np.full(len(types), _radius("radius", radius))


def _capped(acc: Accessibility, types: tuple[str, ...], radii: np.ndarray) -> Accessibility:
    """`acc` with its columns in the order of `types` (missing types: `inf`, -1) and distances beyond the
    radius set to `inf` (facility -1)."""
    n = acc.distance.shape[0]
    distance = np.full((n, len(types)), np.inf)
    facility = np.full((n, len(types)), -1, dtype=np.int64)
    for t, name in enumerate(types):
        if name in acc.types:
            c = acc.types.index(name)
            inside = acc.distance[:, c] <= radii[t]
            distance[inside, t] = acc.distance[inside, c]
            facility[inside, t] = acc.facility[inside, c]
    return Accessibility(types=types, distance=distance, facility=facility, snap=acc.snap)


def _run_chunk(chunk: _Chunk) -> _ChunkResult:
    """One task: accessibility and coverage of a chunk on its sub-network (runs on a worker)."""
    acc = accessibility(
        chunk.network,
        chunk.facility_node,
        chunk.facility_type,
        facility_snap=chunk.facility_snap,
        demand_node=chunk.demand_node,
        demand_snap=chunk.demand_snap,
        limit=float(chunk.radii.max()),
    )
    capped = _capped(acc, chunk.types, chunk.radii)
    facility = np.where(capped.facility >= 0, chunk.facility_index[np.maximum(capped.facility, 0)], -1)
    radius = dict(zip(chunk.types, chunk.radii.tolist(), strict=True))
    cov = coverage(capped, radius, chunk.weights, groups=chunk.groups)
    return _ChunkResult(distance=capped.distance, facility=facility, coverage=cov)


@dataclass(frozen=True)
class _Inputs:
    demand_node: np.ndarray
    demand_snap: np.ndarray
    facility_node: np.ndarray
    facility_type: np.ndarray
    facility_snap: np.ndarray
    weights: np.ndarray
    groups: tuple[str, ...]
    types: tuple[str, ...]
    radii: np.ndarray


def _inputs(
    network: Network,
    facility_node: ArrayLike,
    facility_type: ArrayLike,
    radius: float | Mapping[str, float],
    demand_node: ArrayLike,
    demand_snap: ArrayLike | None,
    facility_snap: ArrayLike | None,
    weights: ArrayLike | None,
    groups: Sequence[str] | None,
) -> _Inputs:
    fac = _nodes(network, "facility_node", facility_node)
    ftype = np.asarray(facility_type).astype(str)
    if ftype.shape != fac.shape:
        raise AccessError(f"facility_type must have shape {fac.shape}, got {ftype.shape}")
    dem = _nodes(network, "demand_node", demand_node)
    w, names = _weights(weights, len(dem), groups)
    types = tuple(sorted(set(ftype.tolist())))
    return _Inputs(
        demand_node=dem,
        demand_snap=_offsets("demand_snap", demand_snap, len(dem)),
        facility_node=fac,
        facility_type=ftype,
        facility_snap=_offsets("facility_snap", facility_snap, len(fac)),
        weights=w,
        groups=names,
        types=types,
        radii=_radii(types, radius),
    )


def local_coverage(
    network: Network,
    facility_node: ArrayLike,
    facility_type: ArrayLike,
    radius: float | Mapping[str, float],
    *,
    demand_node: ArrayLike,
    demand_snap: ArrayLike | None = None,
    facility_snap: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    groups: Sequence[str] | None = None,
) -> SplitCoverage:
    """The same result as `split_coverage` computed in one process on the whole network (one area "all")."""
    inp = _inputs(
        network, facility_node, facility_type, radius, demand_node, demand_snap, facility_snap, weights, groups
    )
    acc = accessibility(
        network,
        inp.facility_node,
        inp.facility_type,
        facility_snap=inp.facility_snap,
        demand_node=inp.demand_node,
        demand_snap=inp.demand_snap,
        limit=float(inp.radii.max()) if len(inp.radii) else np.inf,
    )
    capped = _capped(acc, inp.types, inp.radii)
    cov = coverage(capped, dict(zip(inp.types, inp.radii.tolist(), strict=True)), inp.weights, groups=inp.groups)
    return SplitCoverage(access=capped, coverage=cov, areas=("all",), area_coverage={"all": cov}, sub_nodes=(0,))


def _members(inverse: np.ndarray, n_labels: int) -> list[np.ndarray]:
    """Positions of each label's points, in their original order."""
    order = np.argsort(inverse, kind="stable")
    return np.split(order, np.cumsum(np.bincount(inverse, minlength=n_labels))[:-1])


def _chunks(network: Network, inp: _Inputs, labels: np.ndarray, inverse: np.ndarray) -> list[_Chunk]:
    """One payload per area: the ball of radius R around the area's demand nodes and what lies in it."""
    limit = float(inp.radii.max()) * (1 + BALL_SLACK)
    local = np.full(network.n_nodes, -1, dtype=np.int64)
    mark = np.zeros(network.n_nodes, dtype=bool)
    chunks = []
    for label, idx in zip(labels.tolist(), _members(inverse, len(labels)), strict=True):
        mark[inp.demand_node[idx]] = True
        sources = np.flatnonzero(mark)
        mark[sources] = False
        dist = dijkstra(network.graph, directed=True, indices=sources, min_only=True, limit=limit)
        ball = np.flatnonzero(np.isfinite(dist))
        local[ball] = np.arange(len(ball))
        fac = np.flatnonzero(dist[inp.facility_node] + inp.facility_snap <= limit)
        chunks.append(
            _Chunk(
                area=str(label),
                network=network.subgraph(ball),
                demand_node=local[inp.demand_node[idx]],
                demand_snap=inp.demand_snap[idx],
                weights=inp.weights[idx],
                facility_node=local[inp.facility_node[fac]],
                facility_index=fac,
                facility_type=inp.facility_type[fac],
                facility_snap=inp.facility_snap[fac],
                types=inp.types,
                radii=inp.radii,
                groups=inp.groups,
            )
        )
        local[ball] = -1
    return chunks


def connect(scheduler: str, *, timeout: float = 10.0) -> Any:
    """A `distributed.Client` on the scheduler at `scheduler` (e.g. "tcp://host:8786"); SplitError naming the
    address when it does not answer within `timeout` seconds."""
    from distributed import Client
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    # A malformed address is refused before a Client exists (a Client failing on one can hang the next).
    try:
        scheme, location = parse_address(scheduler)
        get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location)
    except ValueError as exc:
        raise SplitError(f"bad Dask scheduler address {scheduler!r}: {exc}") from None
    try:
        return Client(scheduler, timeout=timeout)
    except Exception as exc:  # refused, timed out, bad address, or not a Dask scheduler answering
        raise SplitError(f"cannot reach the Dask scheduler at {scheduler!r} within {timeout:g} s: {exc}") from None


def _execute(chunks: list[_Chunk], client: Any) -> list[_ChunkResult]:
    futures = client.scatter(chunks, hash=False)
    return list(client.gather(client.map(_run_chunk, futures, pure=False)))


def split_coverage(
    network: Network,
    facility_node: ArrayLike,
    facility_type: ArrayLike,
    radius: float | Mapping[str, float],
    *,
    demand_node: ArrayLike,
    area: ArrayLike,
    demand_snap: ArrayLike | None = None,
    facility_snap: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    groups: Sequence[str] | None = None,
    scheduler: str | None = None,
    client: Any = None,
    timeout: float = 10.0,
) -> SplitCoverage:
    """Coverage within `radius` (metres, one value or per type) of every demand point, split by `area`.

    Arguments as `access.accessibility` + `access.coverage`, plus the area label of each demand point. The
    tasks run on `client` when given, else on `distributed.Client(scheduler)` (SplitError when it cannot be
    reached within `timeout` seconds), else on an in-process LocalCluster; one area runs in-process.
    """
    inp = _inputs(
        network, facility_node, facility_type, radius, demand_node, demand_snap, facility_snap, weights, groups
    )
    labels_in = np.asarray(area).astype(str)
    if labels_in.shape != inp.demand_node.shape:
        raise SplitError(f"area must have shape {inp.demand_node.shape}, got {labels_in.shape}")
    n = len(inp.demand_node)
    if n == 0:
        raise SplitError("there are no demand points")
    if not inp.types:
        raise SplitError("there are no facilities")
    labels, inverse = np.unique(labels_in, return_inverse=True)
    chunks = _chunks(network, inp, labels, inverse)
    if client is not None:
        results = _execute(chunks, client)
    elif scheduler is not None:
        with connect(scheduler, timeout=timeout) as remote:
            results = _execute(chunks, remote)
    elif len(chunks) == 1:
        results = [_run_chunk(chunks[0])]
    else:
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=1,
                threads_per_worker=os.cpu_count() or 1,
                processes=False,
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as local,
        ):
            results = _execute(chunks, local)

    distance = np.empty((n, len(inp.types)))
    facility = np.empty((n, len(inp.types)), dtype=np.int64)
    for idx, res in zip(_members(inverse, len(labels)), results, strict=True):
        distance[idx] = res.distance
        facility[idx] = res.facility
    acc = Accessibility(types=inp.types, distance=distance, facility=facility, snap=inp.demand_snap)
    cov = coverage(acc, dict(zip(inp.types, inp.radii.tolist(), strict=True)), inp.weights, groups=inp.groups)
    return SplitCoverage(
        access=acc,
        coverage=cov,
        areas=tuple(c.area for c in chunks),
        area_coverage={c.area: r.coverage for c, r in zip(chunks, results, strict=True)},
        sub_nodes=tuple(c.network.n_nodes for c in chunks),
    )
