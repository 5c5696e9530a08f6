"""Shared fixtures for the engine tests: the reference folder and the Helsinki network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from linli.engine.network import Network, from_osm_pbf

SHARED = Path(os.environ.get("LINLI_SHARED", Path(__file__).resolve().parents[2] / ".." / "shared")).resolve()
REFERENCE = SHARED / "reference"
HELSINKI = REFERENCE / "networks" / "Helsinki.osm.pbf"
PMED = REFERENCE / "pmed"


@pytest.fixture(scope="session")
def helsinki() -> Network:
    if not HELSINKI.exists():
        pytest.skip(f"reference network missing: {HELSINKI}")
    return from_osm_pbf(HELSINKI)
