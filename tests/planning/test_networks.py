"""Loading a real OpenStreetMap extract as an area's walking network, and drawing it."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from linli.planning.models import Network
from linli.planning.selectors import network_arrays

SHARED = Path(settings.BASE_DIR).parent / "shared" / "reference" / "networks"


@pytest.mark.skipif(not (SHARED / "Helsinki.osm.pbf").exists(), reason="../shared is not beside the repository")
def test_load_helsinki_for_an_area(area_tree):
    out = io.StringIO()
    call_command("network_load", str(SHARED / "Helsinki.osm.pbf"), "--area", "990102000000", stdout=out)
    network = Network.objects.get(area_code="990102000000")
    assert "nodes" in out.getvalue() and network.nodes > 5000
    arrays = network_arrays(network)
    assert len(arrays["lon"]) == network.nodes and len(arrays["u"]) == network.edges
    assert np.all(arrays["length"] > 0) and 24.9 < float(np.median(arrays["lon"])) < 25.0
    # Loading again replaces, never duplicates.
    call_command("network_load", str(SHARED / "Helsinki.osm.pbf"), "--area", "990102000000", stdout=io.StringIO())
    assert Network.objects.filter(area_code="990102000000").count() == 1


def test_bad_files_and_areas_are_refused(area_tree, tmp_path):
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"not a pbf")
    with pytest.raises(CommandError):
        call_command("network_load", str(junk), "--area", "990102000000")
    with pytest.raises(CommandError, match=r"No such area|没有该"):
        call_command("network_load", str(junk), "--area", "990102999000")
    assert not Network.objects.exists()
