"""Convex polygons in the plane (local metres): counter-clockwise vertex arrays of shape (k, 2), not closed.
Clipping by a half-plane, area and centroid, signed distance to the boundary, sampling, and Voronoi
partitions; used by the synthetic district generator (`linli.engine.synth`)."""

from __future__ import annotations

import math

import numpy as np


def clip(poly: np.ndarray, normal: np.ndarray, offset: float) -> np.ndarray:
    """The part of convex `poly` where normal·p + offset >= 0 (one Sutherland-Hodgman step)."""
    side = poly @ normal + offset
    inside = side >= 0
    if inside.all():
        return poly
    following = np.roll(poly, -1, axis=0)
    side_following = np.roll(side, -1)
    crosses = inside != np.roll(inside, -1)
    with np.errstate(divide="ignore", invalid="ignore"):  # t is only used where the edge crosses
        t = side / (side - side_following)
        crossing_points = poly + (following - poly) * t[:, None]
    keep = np.stack([inside, crosses], axis=1).ravel()
    return np.stack([poly, crossing_points], axis=1).reshape(-1, 2)[keep]


def left_of(poly: np.ndarray, origin: np.ndarray, angle: float) -> np.ndarray:
    """The part of `poly` left of the line through `origin` heading `angle` (radians from east)."""
    normal = np.array([-math.sin(angle), math.cos(angle)])
    return clip(poly, normal, -float(normal @ origin))


def drop_repeated_vertices(poly: np.ndarray) -> np.ndarray:
    """Remove vertices closer than 1 mm to the previous one (clipping through a vertex duplicates it)."""
    gap = np.hypot(*(poly - np.roll(poly, 1, axis=0)).T)
    return poly[gap > 1e-3]


def area(poly: np.ndarray) -> float:
    """Shoelace area, positive for a counter-clockwise ring."""
    x, y = poly.T
    return 0.5 * float(x @ np.roll(y, -1) - np.roll(x, -1) @ y)


def centroid(poly: np.ndarray) -> np.ndarray:
    """Area centroid of a polygon (inside it when the polygon is convex)."""
    x, y = poly.T
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    return np.array([(x + x1) @ cross, (y + y1) @ cross]) / (3.0 * cross.sum())


def inner_distance(poly: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Signed distance of each point to the boundary of convex `poly`: positive inside."""
    start = poly
    edge = np.roll(poly, -1, axis=0) - start
    rel = points[:, None, :] - start[None, :, :]
    cross = edge[:, 0] * rel[..., 1] - edge[:, 1] * rel[..., 0]
    return (cross / np.hypot(edge[:, 0], edge[:, 1])).min(axis=1)


def sample_inside(rng: np.random.Generator, poly: np.ndarray, n: int) -> np.ndarray:
    """`n` uniform random points inside convex `poly` (rejection sampling from its bounding box)."""
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    found = np.empty((0, 2))
    while len(found) < n:
        candidates = rng.uniform(lo, hi, size=(4 * n + 16, 2))
        found = np.vstack([found, candidates[inner_distance(poly, candidates) > 0]])
    return found[:n]


def voronoi_cells(parent: np.ndarray, seeds: np.ndarray) -> list[np.ndarray]:
    """Voronoi cells of `seeds` clipped to convex `parent`: convex polygons that tile it exactly."""
    cells = []
    for seed in seeds:
        cell = parent
        distances = np.hypot(*(seeds - seed).T)
        for j in np.argsort(distances)[1:]:
            if distances[j] > 2.0 * np.hypot(*(cell - seed).T).max():
                break  # this and every later bisector lies beyond the cell
            normal = seed - seeds[j]
            cell = clip(cell, normal, -float(normal @ (seed + seeds[j])) / 2.0)
        cells.append(drop_repeated_vertices(cell))
    return cells


def partition(rng: np.random.Generator, parent: np.ndarray, k: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Split convex `parent` into `k` convex cells of similar size (three Lloyd rounds from random seeds).

    Returns the seeds and their cells, ordered north to south; each seed lies inside its own cell.
    """
    seeds = sample_inside(rng, parent, k)
    for _ in range(3):
        seeds = np.array([centroid(cell) for cell in voronoi_cells(parent, seeds)])
    order = np.argsort(-seeds[:, 1], kind="stable")
    seeds = seeds[order]
    return seeds, voronoi_cells(parent, seeds)


def points_inside(poly: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The rows of `points` strictly inside convex `poly` (bounding-box filter first, for speed)."""
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    boxed = points[((points >= lo) & (points <= hi)).all(axis=1)]
    return boxed[inner_distance(poly, boxed) > 0]
