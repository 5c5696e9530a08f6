"""The demo's construction projects: loaded through the services on the demo registry, in every stage, some
delayed with reasons, some short of funds, some from a real siting run, the registry following the
projects in operation; loaded once."""

from __future__ import annotations

import numpy as np
from django.utils import timezone

from linli.construction import selectors
from linli.construction.models import DelayReason, Project
from linli.demo.construction_history import construction_history_load
from linli.demo.idle_spaces import demo_idle_spaces_load
from linli.demo.registry import demo_registry_load
from linli.demo.services import _load_areas, _load_network, _load_points, _load_users
from linli.demo.users import DISTRICT
from linli.engine.synth import generate_district


def test_demo_construction_projects(db):
    district = generate_district(2026)
    _load_areas(district)
    _load_points(district)
    _load_network(district)
    demo_registry_load(district, np.random.default_rng(2027))
    demo_idle_spaces_load(district, np.random.default_rng(2028))
    _load_users(district)

    result = construction_history_load(np.random.default_rng(2030))
    assert 20 <= result["projects"] <= 40 and result["projects"] == Project.objects.count()
    stages = set(Project.objects.values_list("stage", flat=True))
    assert stages >= {"", "approval", "design", "operation"}, stages
    today = timezone.localdate()
    delayed = selectors.delayed_projects(area_code=DISTRICT, today=today)
    assert result["delayed"] == delayed.count() >= 3
    # every delayed project has a reason typed for a stage
    assert all(DelayReason.objects.filter(project=p).exists() for p in delayed)
    assert selectors.funds_not_in_place(area_code=DISTRICT).gap > 0 and result["short_of_funds"] >= 3
    assert (
        result["from_siting"] >= 1 and Project.objects.filter(siting_run__isnull=False).count() == result["from_siting"]
    )
    # projects in operation have a built facility completed on the operation day
    for project in Project.objects.filter(stage="operation").select_related("facility"):
        assert project.facility is not None and project.facility.status == "built"
        assert project.facility.completed_on == project.stages.get(stage="operation").completed_on
    # the board of the demo district shows targets against what was built
    rows = selectors.completion(area_code=DISTRICT, year=today.year)
    assert rows and any(r.target for r in rows)

    assert construction_history_load(np.random.default_rng(2030)) == {"projects": 0}
    assert Project.objects.count() == result["projects"]
