from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from linli.jobs.models import Job
from linli.jobs.selectors import job_get, jobs_visible

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: UUID
    kind: str
    title: str
    status: str
    done: int
    total: int
    percent: int
    message: str
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None


@router.get("/", response=list[JobOut], summary="My recent jobs")
def job_list(request: HttpRequest) -> list[Job]:
    return list(jobs_visible(viewer=request.user)[:50])


@router.get("/{job_id}", response=JobOut, summary="A job's progress and result")
def job_detail(request: HttpRequest, job_id: UUID) -> Job:
    return job_get(viewer=request.user, job_id=str(job_id))
