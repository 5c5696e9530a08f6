from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.core.permissions import Perm, require
from linli.demo.services import demo_refusal
from linli.jobs.services import job_start


@login_required
@require_POST
def demo_start(request: HttpRequest) -> HttpResponse:
    """Load the demo district in the background worker (again: it loads only what is missing)."""
    user = request.user
    require(user, Perm.AREA_CHANGE)
    assert isinstance(user, User)
    refusal = demo_refusal()
    if refusal:
        raise ApplicationError("demo_refused", refusal, status=409)
    job = job_start(kind="demo.load", title=_("Load the demo district"), params={"seed": 2026}, user=user)
    return redirect("job-detail", job_id=job.pk)
