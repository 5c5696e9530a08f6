"""The workbench demo content: the demo resident's registrations and a request filed for her, through the
services, loaded once."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.bookings.enums import RegistrationStatus
from linli.bookings.models import Activity, Registration, Session
from linli.cases.models import RequestType, ServiceRequest
from linli.core.calendar import calendar_load
from linli.demo.desk_history import demo_desk_load
from tests.conftest import login
from tests.facilities.conftest import registry  # noqa: F401  (the fixture)


def test_desk_demo_loads_once_and_fills_the_workbenches(client, users, registry):  # noqa: F811
    calendar_load([2026])
    RequestType.objects.create(
        code="elderly-card", name="老年人优待证", deadline_days=5, department="民政", handling_level="community"
    )
    centre = registry["facility"]
    now = timezone.now()
    for n in range(3):
        activity = Activity.objects.create(
            facility=centre, area_code=centre.area_code, title=f"课程{n}", domain="sports"
        )
        starts = now + dt.timedelta(days=n + 1)
        Session.objects.create(
            activity=activity, area_code=centre.area_code, starts_at=starts, ends_at=starts + dt.timedelta(hours=1),
            capacity=5, opens_at=now - dt.timedelta(days=1), closes_at=starts,
        )  # fmt: skip

    assert demo_desk_load() == {"registrations": 2, "requests": 1}
    assert demo_desk_load() == {"registrations": 0, "requests": 0}  # idempotent

    mine = Registration.objects.filter(resident=users["resident"])
    assert mine.count() == 2 and all(r.status == RegistrationStatus.CONFIRMED and r.code_nonce for r in mine)
    request = ServiceRequest.objects.get()
    assert request.resident == users["resident"] and request.filed_by == users["community"]

    login(client, users["resident"])
    page = client.get("/").content.decode()
    assert "课程0" in page and "课程1" in page and "老年人优待证" in page
    login(client, users["community"])
    assert f'href="/requests/{request.pk}/"' in client.get("/").content.decode()
