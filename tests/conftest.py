"""Shared fixtures: users of every role and a small area tree (a district, two sub-districts and a
rural town, their communities and villages), built through the real import service."""

from __future__ import annotations

import pytest
from django.test import Client

from linli.areas.io import AreaRow
from linli.areas.services import area_rows_write
from linli.core.enums import Role
from linli.core.models import User
from linli.core.services import api_token_create

DISTRICT = "990102000000"
SUB_A = "990102001000"
SUB_B = "990102002000"
TOWN = "990102101000"


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def population(scale: int) -> dict[str, int]:
    return {
        "0-2": 2 * scale,
        "3-5": 3 * scale,
        "6-14": 9 * scale,
        "15-59": 60 * scale,
        "60-79": 20 * scale,
        "80+": 6 * scale,
    }


@pytest.fixture
def area_tree(db) -> dict[str, str]:
    """Province > city > district > 2 sub-districts (2 communities each) + 1 town (2 villages)."""
    rows = [
        AreaRow(row=1, code="990000000000", name="示范省"),
        AreaRow(row=2, code="990100000000", name="示范市"),
        AreaRow(row=3, code=DISTRICT, name="邻里区", boundary=square(120.0, 30.0, 0.2)),
        AreaRow(row=4, code=SUB_A, name="东湖街道", kind="urban", boundary=square(120.0, 30.0, 0.05)),
        AreaRow(row=5, code=SUB_B, name="西山街道", kind="urban", boundary=square(120.05, 30.0, 0.05)),
        AreaRow(row=6, code=TOWN, name="青石镇", kind="rural", boundary=square(120.1, 30.0, 0.1)),
        AreaRow(
            row=7,
            code="990102001001",
            name="东湖社区",
            households=1000,
            population=population(30),
            boundary=square(120.0, 30.0),
        ),
        AreaRow(
            row=8,
            code="990102001002",
            name="湖滨社区",
            households=800,
            population=population(25),
            boundary=square(120.01, 30.0),
        ),
        AreaRow(
            row=9,
            code="990102002001",
            name="西山社区",
            households=500,
            population=population(10),
            boundary=square(120.05, 30.0),
        ),
        AreaRow(
            row=10,
            code="990102002002",
            name="山前社区",
            households=400,
            population=population(8),
            boundary=square(120.06, 30.0),
        ),
        AreaRow(
            row=11,
            code="990102101201",
            name="上村",
            kind="rural",
            households=300,
            population=population(9),
            boundary=square(120.1, 30.0),
        ),
        AreaRow(
            row=12,
            code="990102101202",
            name="下村",
            kind="rural",
            households=200,
            population=population(7),
            boundary=square(120.11, 30.0),
        ),
    ]
    area_rows_write(rows=rows)
    return {"district": DISTRICT, "sub_a": SUB_A, "sub_b": SUB_B, "town": TOWN}


def make_user(username: str, role: Role, scope: str = "", home: str = "", **extra) -> User:
    user = User.objects.create_user(
        username=username, password="pw-" + username, role=role, scope=scope, home_area_code=home, **extra
    )
    return user


@pytest.fixture
def users(db) -> dict[str, User]:
    return {
        "district": make_user("district", Role.DISTRICT_ADMIN, scope="990102"),
        "town": make_user("town", Role.TOWN_STAFF, scope="990102001"),
        "community": make_user("community", Role.COMMUNITY_STAFF, scope="990102001001"),
        "other_community": make_user("other", Role.COMMUNITY_STAFF, scope="990102002001"),
        "resident": make_user(
            "resident", Role.RESIDENT, home="990102001001", phone="13912345678", id_number="990102198001011232"
        ),
        "resident_b": make_user(
            "resident_b", Role.RESIDENT, home="990102002001", phone="13787654321", id_number="990102199002025673"
        ),
        "operator": make_user("operator", Role.OPERATOR),
        "auditor": make_user("auditor", Role.AUDITOR, scope="990102"),
        "evaluator": make_user("evaluator", Role.EVALUATOR, scope="990102"),
    }


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def token_for():
    def make(user: User) -> dict[str, str]:
        _token, key = api_token_create(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    return make


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: the anonymous rate limit and the public lists' cache count
    per test, not across the suite (with REDIS_URL the cache is shared by every test of the run)."""
    from django.core.cache import cache

    cache.clear()
