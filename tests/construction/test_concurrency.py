"""Invariants under concurrent writers, each on its own connection (SQLite and PostgreSQL via DATABASE_URL):
a stage is completed once even when sent at once, a siting site becomes one project, a funding source is
one row per project."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from linli.construction.inputs import FromSitingIn, FundingIn, StageIn
from linli.construction.models import Funding, Project, ProjectStage
from linli.construction.services import funding_set, project_from_siting, stage_complete
from linli.core.errors import ApplicationError
from linli.core.models import AuditLog
from tests.construction.conftest import days
from tests.construction.test_pages import _siting_run

pytestmark = pytest.mark.django_db(transaction=True)
WRITERS = 8


def at_once(call: Callable[[int], object]) -> list[str]:
    start = threading.Barrier(WRITERS)

    def run(n: int) -> str:
        try:
            start.wait()
            call(n)
        except ApplicationError as exc:
            return exc.code
        finally:
            connection.close()
        return "ok"

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return list(pool.map(run, range(WRITERS)))


def test_a_stage_completed_at_once_is_completed_once(project, users):
    outcomes = at_once(
        lambda n: stage_complete(
            actor=users["district"], project=project, stage=StageIn(stage="approval", completed_on=days(-n - 1))
        )
    )
    assert outcomes.count("ok") == 1 and outcomes.count("invalid") == WRITERS - 1
    project.refresh_from_db()
    assert project.stage == "approval"
    assert ProjectStage.objects.filter(project=project, completed_on__isnull=False).count() == 1
    assert AuditLog.objects.filter(object_type="construction.project", fields=["stage"]).count() == 1


def test_one_project_per_siting_site_at_once(types, users):
    run = _siting_run(types)
    outcomes = at_once(
        lambda n: project_from_siting(
            actor=users["district"], data=FromSitingIn(run_id=run.pk, site=1, department=f"部门{n}")
        )
    )
    assert outcomes.count("ok") == 1 and outcomes.count("invalid") == WRITERS - 1
    assert Project.objects.filter(siting_run=run).count() == 1


def test_one_funding_row_per_source_at_once(project, users):
    outcomes = at_once(
        lambda n: funding_set(
            actor=users["district"],
            project=project,
            funding=FundingIn(source="fiscal", needed=Decimal(100 + n), secured=Decimal(50)),
        )
    )
    assert outcomes.count("ok") == WRITERS
    assert Funding.objects.filter(project=project).count() == 1
