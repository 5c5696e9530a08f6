"""The demo's purchase history: loaded through the services on top of the demo district, every domain at
every step, a failed tender, a suspended operator, rectifications, withheld payments, KPIs from the demo's
own activity history; a second load adds nothing."""

from __future__ import annotations

import pytest
from django.db.models import Count

from linli.demo.procurement_history import demo_procurement_load
from linli.demo.services import demo_load
from linli.procurement.models import KpiObservation, OperatorSanction, Payment, Project, Rectification, Tender

pytestmark = pytest.mark.django_db


def test_demo_purchase_history_is_complete_and_loaded_once():
    result = demo_load()["procurement"]  # the demo district loads its purchase history
    assert result["projects"] >= 30
    stages = dict(Project.objects.values_list("stage").annotate(n=Count("id")))
    assert set(stages) == {"needs", "targets", "tender", "delivery", "evaluation", "tracking"}
    per_domain = Project.objects.values("domain").annotate(n=Count("stage", distinct=True))
    assert all(row["n"] == 6 for row in per_domain) and len(per_domain) == 6
    assert Tender.objects.filter(status="failed").exists()
    assert OperatorSanction.objects.filter(kind="suspension").count() == 1
    assert Rectification.objects.exists()
    assert Payment.objects.filter(withheld__gt=0).exists() and Payment.objects.filter(status="paid").exists()
    # the KPIs come from the demo's activity history: some contract held sessions
    assert KpiObservation.objects.filter(target__metric="sessions", value__gt=0).exists()
    assert demo_procurement_load() == {"created": 0}
    assert Project.objects.count() == result["projects"]
