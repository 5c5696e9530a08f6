"""The engine's command line, called in-process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from linli.engine.cli import main
from linli.engine.network import Network

from .conftest import HELSINKI, PMED


def _last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_pmedian(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pmedian", "--orlib", str(PMED / "pmed1.txt")]) == 0
    result = _last_json(capsys.readouterr().out)
    assert result["objective"] == 5819 and result["optimal"] is True and result["gap"] == 0.0
    assert len(result["facilities"]) == 5


def test_coverage(tmp_path: Path, helsinki: Network, capsys: pytest.CaptureFixture[str]) -> None:
    demand = tmp_path / "demand.csv"
    demand.write_text(
        "id,lon,lat,weight\n"
        + "".join(f"d{i},{helsinki.lon[i]},{helsinki.lat[i]},{i + 1}\n" for i in range(0, 500, 50))
    )
    fac = tmp_path / "facilities.csv"
    fac.write_text(
        "id,lon,lat,type\n"
        f"a,{helsinki.lon[100]},{helsinki.lat[100]},clinic\n"
        f"b,{helsinki.lon[3000]},{helsinki.lat[3000]},school\n"
    )
    out = tmp_path / "out.csv"
    args = ["coverage", "--network", str(HELSINKI), "--demand", str(demand), "--facilities", str(fac)]
    assert main([*args, "--radius", "1000", "--out", str(out)]) == 0
    result = _last_json(capsys.readouterr().out)
    assert set(result["types"]) == {"clinic", "school"}
    clinic = result["types"]["clinic"]
    assert clinic["total_weight"] == sum(range(1, 500, 50)) and 0 <= clinic["covered_weight"] <= 2260
    lines = out.read_text().splitlines()
    assert lines[0] == "id,snap_m,dist_clinic,dist_school" and len(lines) == 11
    assert main([*args, "--radius", "0"]) == 2
    assert "radius must be > 0" in capsys.readouterr().err


def test_mclp(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    pts = tmp_path / "pts.txt"
    pts.write_text(
        "".join(f"{x:.1f} {y:.1f} {w}\n" for x, y, w in zip(*rng.uniform(0, 5000, (2, 40)), range(40), strict=True))
    )
    assert main(["mclp", "--points", str(pts), "--radius", "800", "--p", "5", "--metric", "euclidean"]) == 0
    result = _last_json(capsys.readouterr().out)
    assert result["optimal"] is True and len(result["sites"]) == 5
    assert 0 < result["covered_weight"] <= result["total_weight"] == sum(range(40))
    assert main(["mclp", "--points", str(pts), "--radius", "800", "--p", "50"]) == 2
    assert "p=50" in capsys.readouterr().err


def test_coverage_split_by_area_on_a_local_cluster(
    tmp_path: Path, helsinki: Network, capsys: pytest.CaptureFixture[str]
) -> None:
    demand = tmp_path / "demand.csv"
    demand.write_text(
        "id,lon,lat,weight,area\n"
        + "".join(f"d{i},{helsinki.lon[i]},{helsinki.lat[i]},{i + 1},a{i % 3}\n" for i in range(0, 5000, 50))
    )
    fac = tmp_path / "facilities.csv"
    fac.write_text(
        "id,lon,lat,type\n"
        + "".join(
            f"f{i},{helsinki.lon[i]},{helsinki.lat[i]},{('clinic', 'school')[i % 2]}\n" for i in range(7, 6000, 500)
        )
    )
    args = ["coverage", "--network", str(HELSINKI), "--demand", str(demand), "--facilities", str(fac)]
    args += ["--radius", "700"]
    assert main(args) == 0
    expected = capsys.readouterr().out.strip().splitlines()[-1]
    assert 0 < _last_json(expected)["types"]["school"]["ratio"] < 1
    out = tmp_path / "out.csv"
    assert main([*args, "--split-by", "area", "--out", str(out)]) == 0  # no --scheduler: a local Dask cluster
    printed = capsys.readouterr().out
    assert "split into 3 area(s) on a local Dask cluster" in printed
    assert printed.strip().splitlines()[-1] == expected
    assert "inf" in out.read_text()  # distances beyond the radius
    assert main([*args, "--split-by", "district"]) == 2
    assert "missing column(s) ['district']" in capsys.readouterr().err
    assert main([*args, "--scheduler", "tcp://127.0.0.1:1", "--timeout", "0.5"]) == 2
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:1'" in capsys.readouterr().err


def test_coverage_help_documents_the_scheduler(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["coverage", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--scheduler ADDRESS" in text and "tcp://host:8786" in text and "default: run locally" in text
    assert "--split-by COLUMN" in text and "--grid-cells" in text
