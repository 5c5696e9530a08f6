"""The demo district (accounts with a published password, a superuser among them) is never loaded on a
production instance or into a database that holds real areas: not by the page, the job or the command,
and nothing is written when it is refused."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from linli.areas.io import AreaRow
from linli.areas.models import Area
from linli.areas.services import area_rows_write
from linli.core.enums import Role
from linli.core.errors import ApplicationError
from linli.core.models import User
from linli.demo.services import demo_load, demo_refusal
from linli.jobs.models import Job
from tests.conftest import make_user


@pytest.mark.django_db
def test_production_refuses_the_demo_everywhere(client, settings):
    settings.PRODUCTION = True
    with translation.override("en"):
        assert "production" in (demo_refusal() or "")
    with pytest.raises(ApplicationError) as refused:
        demo_load(apps=False)
    assert refused.value.code == "demo_refused"
    with translation.override("en"), pytest.raises(CommandError, match="production"):
        call_command("demo", "--no-progress")
    district = make_user("real-admin", Role.DISTRICT_ADMIN, scope="330102")
    client.force_login(district)
    answer = client.post("/jobs/demo/")
    assert answer.status_code == 409
    assert not Job.objects.exists()
    assert not User.objects.filter(username="admin").exists()
    assert not Area.objects.exists()


@pytest.mark.django_db
def test_a_database_with_real_areas_refuses_the_demo():
    area_rows_write(rows=[AreaRow(row=1, code="330000000000", name="浙江省")])
    refusal = demo_refusal()
    assert refusal is not None and "浙江省" in refusal and "330000000000" in refusal
    with pytest.raises(CommandError):
        call_command("demo", "--no-progress")
    assert list(Area.objects.values_list("code", flat=True)) == ["330000000000"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_an_empty_development_database_may_load_it():
    assert demo_refusal() is None


@pytest.mark.django_db
def test_the_home_page_lists_demo_accounts_only_in_development(client, settings):
    assert "linli2026" in client.get("/").content.decode()
    settings.PRODUCTION = True
    page = client.get("/").content.decode()
    assert "linli2026" not in page and "auditor" not in page
