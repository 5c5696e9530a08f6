"""Loads the synthetic demo district (linli.engine.synth) into the database: areas, residential points,
walking network, the registry of facilities and services, demo users. Each part is loaded once: running it
again finds what is there and loads nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from linli.areas.enums import AreaLevel
from linli.areas.io import AreaRow
from linli.areas.models import Area, ResidentialPoint
from linli.areas.services import area_rows_write
from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.demo.construction_history import construction_history_load
from linli.demo.desk_history import demo_desk_load
from linli.demo.history import demo_history_load
from linli.demo.idle_spaces import demo_idle_spaces_load
from linli.demo.ind_history import demo_indicators_load
from linli.demo.organizations_history import organizations_history_load
from linli.demo.points_history import demo_points_history_load
from linli.demo.procurement_history import demo_procurement_load
from linli.demo.registry import demo_registry_load
from linli.demo.users import DEMO_PASSWORD, DEMO_USERS, DISTRICT
from linli.engine.synth import AGE_GROUPS, SynthDistrict, generate_district
from linli.planning.models import Network

Progress = Callable[[int, int, str], None]
STEPS = 13


def _noop(done: int, total: int, message: str = "") -> None:
    return None


# Every area code of the demo district starts with this (the fictional province 99).
DEMO_CODE_PREFIX = "99"


def demo_refusal() -> str | None:
    """Why the demo district may not be loaded into this database, or None when it may.

    The demo creates accounts with a published password (a superuser among them) and a fictional district:
    it is never loaded on a production instance, nor into a database that holds any area outside the demo's
    own codes (real data)."""
    if settings.PRODUCTION:
        return _("This is a production instance: the demo district is never loaded here.")
    real = Area.objects.exclude(code__startswith=DEMO_CODE_PREFIX).order_by("code").first()
    if real is not None:
        return _("This database holds real areas (%(name)s, %(code)s): the demo district is loaded only into an "
                 "empty database.") % {"name": real.name, "code": real.code}  # fmt: skip
    return None


def demo_load(*, seed: int = 2026, progress: Progress | None = None, apps: bool = True) -> dict[str, Any]:
    """Load the demo district. `apps=False` stops after the base (areas, network, registry, users, a year of
    resident services): what the planning and registry tests need, without the organisations, points,
    purchases, construction projects and indicators built on top."""
    refusal = demo_refusal()
    if refusal:
        raise ApplicationError("demo_refused", refusal, status=409)
    report = progress or _noop
    report(0, STEPS, _("generating the district"))
    district = generate_district(seed)
    result: dict[str, Any] = {"seed": seed}
    report(1, STEPS, _("loading areas"))
    result["areas"] = _load_areas(district)
    report(2, STEPS, _("loading residential points"))
    result["residential_points"] = _load_points(district)
    report(3, STEPS, _("saving the walking network"))
    result["network"] = _load_network(district)
    report(4, STEPS, _("loading facilities and services"))
    result["registry"] = demo_registry_load(district, np.random.default_rng(seed + 1))
    result["idle_spaces"] = demo_idle_spaces_load(district, np.random.default_rng(seed + 2))
    report(5, STEPS, _("creating demo users"))
    result["users"] = _load_users(district)
    report(6, STEPS, _("generating a year of history"))
    result["history"] = demo_history_load(district, np.random.default_rng(seed + 3))
    if not apps:
        report(STEPS, STEPS, _("done"))
        return result
    report(7, STEPS, _("the demo resident's own registrations and request"))
    result["workbench"] = demo_desk_load()
    report(8, STEPS, _("residents' organisations, shifts and volunteer hours"))
    result["organizations"] = organizations_history_load(seed=seed)
    report(9, STEPS, _("volunteer points"))
    result["points"] = demo_points_history_load(seed=seed)
    report(10, STEPS, _("construction projects"))
    result["construction"] = construction_history_load(np.random.default_rng(seed + 4))
    report(11, STEPS, _("purchase of services"))
    result["procurement"] = demo_procurement_load(seed=seed)
    report(12, STEPS, _("indicators and their monthly snapshots"))
    result["indicators"] = demo_indicators_load()
    report(STEPS, STEPS, _("done"))
    return result


def _load_areas(district: SynthDistrict) -> dict[str, int]:
    if Area.objects.filter(code=DISTRICT).exists():
        return {"created": 0, "skipped": len(district.areas)}
    rows = [
        AreaRow(
            row=i + 1,
            code=a.code,
            name=a.name,
            kind=a.kind,
            households=a.households if a.level == AreaLevel.VILLAGE else None,
            population=dict(a.population),
            boundary={"type": "Polygon", "coordinates": [[list(p) for p in a.boundary]]},
            centroid=a.centroid,
        )
        for i, a in enumerate(district.areas)
    ]
    return area_rows_write(rows=rows)


@transaction.atomic
def _load_points(district: SynthDistrict) -> dict[str, int]:
    codes = [a.code for a in district.areas]
    village_codes = {codes[i] for i in np.unique(district.point_area)}
    if ResidentialPoint.objects.filter(area_code__in=village_codes).exists():
        return {"created": 0, "skipped": len(district.point_lon)}
    ids = dict(Area.objects.filter(code__in=village_codes).values_list("code", "id"))
    points = []
    for lon, lat, area_index, population in zip(
        district.point_lon.tolist(),
        district.point_lat.tolist(),
        district.point_area.tolist(),
        district.point_population.tolist(),
        strict=True,
    ):
        code = codes[area_index]
        points.append(
            ResidentialPoint(
                area_id=ids[code],
                area_code=code,
                lon=round(lon, 7),
                lat=round(lat, 7),
                residents=sum(population),
                population=dict(zip(AGE_GROUPS, population, strict=True)),
            )
        )
    ResidentialPoint.objects.bulk_create(points, batch_size=2000)
    return {"created": len(points)}


def _load_network(district: SynthDistrict) -> dict[str, Any]:
    name = _("Demo walking network")
    existing = Network.objects.filter(area_code=DISTRICT, source=f"synthetic:{district.seed}").first()
    if existing is not None:
        return {"created": 0, "nodes": existing.nodes}
    relative = f"networks/demo-{district.seed}.npz"
    path = Path(settings.DATA_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    way_ptr = np.cumsum([0, *(len(w) for w in district.ways)]).astype(np.int64)
    np.savez_compressed(
        path,
        lon=district.node_lon,
        lat=district.node_lat,
        u=district.edge_u,
        v=district.edge_v,
        length=district.edge_length,
        way_ptr=way_ptr,
        way_nodes=np.concatenate(district.ways).astype(np.int32),
    )
    Network.objects.create(
        name=name,
        area_code=DISTRICT,
        source=f"synthetic:{district.seed}",
        nodes=len(district.node_lon),
        edges=len(district.edge_u),
        file=relative,
    )
    return {"created": 1, "nodes": len(district.node_lon), "edges": len(district.edge_u)}


def _fake_id_number(rng: np.random.Generator, area_code: str) -> str:
    """An 18-character ID number with a correct check digit (GB 11643) for a fictional region code."""
    birth = f"{rng.integers(1940, 2005)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
    body = area_code[:6] + birth + f"{rng.integers(0, 1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


@transaction.atomic
def _load_users(district: SynthDistrict) -> dict[str, int]:
    rng = np.random.default_rng(district.seed)
    created = 0
    for username, role, scope, home, display_name, superuser in DEMO_USERS:
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "scope": scope,
                "home_area_code": home,
                "display_name": display_name,
                "is_superuser": superuser,
                "is_staff": superuser,
            },
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            if home:
                user.phone = f"139{rng.integers(0, 10**8):08d}"
                user.id_number = _fake_id_number(rng, home)
            user.save()
            created += 1
    # Residents of the communities and villages, with phone and ID numbers, for the people pages.
    villages = [a.code for a in district.areas if a.level == AreaLevel.VILLAGE]
    for i in range(60):
        home = villages[i % len(villages)]
        username = f"resident{i + 1:03d}"
        if User.objects.filter(username=username).exists():
            continue
        user = User(
            username=username,
            role="resident",
            home_area_code=home,
            display_name=f"居民{i + 1:03d}",
            phone=f"13{rng.integers(0, 10**9):09d}",
            id_number=_fake_id_number(rng, home),
        )
        user.set_unusable_password()
        user.save()
        created += 1
    return {"created": created}
