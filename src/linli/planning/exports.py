"""Results of a coverage run as files: an Excel workbook (types, per-area table, per-point sheet) and a
GeoJSON FeatureCollection of the residential points with every type's distance and covered flag."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from linli.core.tabular import Writer
from linli.planning.models import PlanningRun
from linli.planning.selectors import finished_result, run_arrays


def run_workbook(run: PlanningRun) -> bytes:
    """Types, per-area table and per-point sheet of a finished run. Written through `core.tabular`: text
    cells (names of areas and types) are escaped, never formulas."""
    result = finished_result(run)
    a = run_arrays(run)
    types = result["types"]
    writer = Writer()
    writer.sheet(
        _("Types"),
        [
            _("Facility type"),
            _("Code"),
            _("Living circle"),
            _("Walking distance (m)"),
            _("Minutes"),
            _("Age groups"),
            _("Facilities"),
            _("Covered residents"),
            _("Residents of these age groups"),
            _("Coverage %"),
        ],
        (
            [
                t["name"],
                t["type"],
                t["circle"],
                t["distance_m"],
                t["minutes"],
                ", ".join(t["age_groups"]),
                t["facilities"],
                t["covered"],
                t["total"],
                t["percent"],
            ]
            for t in types
        ),
        widths=[24, 20, 12, 12, 10, 30, 10, 14, 14, 10],
    )

    header: list[Any] = [_("Area code"), _("Area"), _("Level"), _("Residents")]
    for t in types:
        header += [f"{t['name']} {_('covered')}", f"{t['name']} {_('of')}", f"{t['name']} %"]

    def area_rows() -> Any:
        for row in result["areas"]:
            line: list[Any] = [row["code"], row["name"], row["level"], row["residents"]]
            for t in types:
                cell = row["types"].get(t["type"]) or {}
                line += [cell.get("covered"), cell.get("total"), cell.get("percent")]
            yield line

    writer.sheet(_("Areas"), header, area_rows(), widths=[14, 18, 10, 10] + [12] * 3 * len(types))

    head: list[Any] = [_("Point"), _("Area code"), _("Longitude"), _("Latitude"), _("Residents")]
    for t in types:
        head += [f"{t['name']} (m)", f"{t['name']} {_('covered')}", f"{t['name']} {_('nearest facility')}"]
    total = a["population"].sum(axis=1)

    def point_rows() -> Any:
        for i in range(len(a["point_id"])):
            line = [
                int(a["point_id"][i]),
                str(a["area_code"][i]),
                float(a["lon"][i]),
                float(a["lat"][i]),
                int(total[i]),
            ]
            for t in range(len(types)):
                d = float(a["distance"][i, t])
                f = int(a["facility"][i, t])
                line += [
                    round(d) if np.isfinite(d) else None,
                    bool(a["covered"][i, t]),
                    str(a["facility_code"][f]) if f >= 0 else None,
                ]
            yield line

    writer.sheet(_("Points"), head, point_rows())
    return writer.content()


def run_geojson(run: PlanningRun) -> bytes:
    result = finished_result(run)
    a = run_arrays(run)
    codes = [t["type"] for t in result["types"]]
    total = a["population"].sum(axis=1)
    features = []
    for i in range(len(a["point_id"])):
        props: dict[str, Any] = {
            "id": int(a["point_id"][i]),
            "area_code": str(a["area_code"][i]),
            "residents": int(total[i]),
        }
        for t, code in enumerate(codes):
            d = float(a["distance"][i, t])
            f = int(a["facility"][i, t])
            props[f"{code}_m"] = round(d) if np.isfinite(d) else None
            props[f"{code}_covered"] = bool(a["covered"][i, t])
            props[f"{code}_facility"] = str(a["facility_code"][f]) if f >= 0 else None
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(a["lon"][i]), 6), round(float(a["lat"][i]), 6)],
                },
                "properties": props,
            }
        )
    collection = {
        "type": "FeatureCollection",
        "properties": {"run": run.pk, "scenario": run.scenario.name, "types": result["types"]},
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False).encode()
