"""The demo district loads once, completely, and a second run loads nothing twice."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management import call_command
from django.db.models import Sum

from linli.areas.models import Area, AreaPopulation, ResidentialPoint
from linli.areas.selectors import children_population, population_by_age
from linli.core.models import User
from linli.demo.users import DEMO_PASSWORD, DEMO_USERS
from linli.jobs.models import Job
from linli.planning.models import Network


def counts() -> tuple[int, ...]:
    return (
        Area.objects.count(),
        AreaPopulation.objects.count(),
        ResidentialPoint.objects.count(),
        Network.objects.count(),
        User.objects.count(),
    )


def test_demo_command_loads_everything_once(db):
    out = io.StringIO()
    call_command("demo", "--no-progress", stdout=out)
    first = counts()
    assert "district" in out.getvalue() and DEMO_PASSWORD in out.getvalue()
    job = Job.objects.get(kind="demo.load")
    assert job.status == "succeeded" and job.percent == 100

    assert Area.objects.filter(level="town", kind="urban").count() == 8
    assert Area.objects.filter(level="town", kind="rural").count() == 4
    assert Area.objects.filter(level="village", kind="urban").count() == 60
    assert Area.objects.filter(level="village", kind="rural").count() == 100
    assert all(len(a.code) == 12 for a in Area.objects.all())
    assert not Area.objects.filter(level="village", boundary__isnull=True).exists()

    admin = User.objects.get(username="admin")
    population = population_by_age(viewer=admin, code="990102000000")
    assert 570_000 <= population["total"] <= 630_000
    assert population["total"] == ResidentialPoint.objects.aggregate(n=Sum("residents"))["n"]
    by_child = children_population(viewer=admin, code="990102000000")
    assert sum(row["total"] for row in by_child) == population["total"]

    network = Network.objects.get()
    with np.load(Path(settings.DATA_DIR) / network.file) as arrays:
        assert len(arrays["lon"]) == network.nodes and 50_000 <= network.nodes <= 100_000
        assert len(arrays["u"]) == network.edges

    for username, role, scope, *_rest in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD) and user.role == role and user.scope == scope

    call_command("demo", "--no-progress", stdout=io.StringIO())
    assert counts() == first
    second = Job.objects.filter(kind="demo.load").order_by("-created_at").first()
    assert second.result["areas"]["created"] == 0
    assert second.result["residential_points"]["created"] == 0
    assert second.result["users"]["created"] == 0
