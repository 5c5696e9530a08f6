"""OCDS 1.1.5 packages validated offline (draft-04) against the release-package schema and the release
schema with the four extensions' patches merged (RFC 7386)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from linli.core.errors import ApplicationError
from linli.procurement import ocds, services
from linli.procurement.models import Project
from tests.procurement.conftest import awarded_contract, open_tender, to_tender

pytestmark = pytest.mark.django_db

REF = Path("/work/shared/reference/ocds-1.1.5")
if not REF.exists():  # the reference copy travels with the repository's shared documents
    REF = Path(__file__).resolve().parents[3] / "shared/reference/ocds-1.1.5"
RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


@pytest.fixture(scope="module")
def validators():
    release = json.loads((REF / "release-schema.json").read_text())
    for ext in sorted((REF / "extensions").iterdir()):
        if (ext / "release-schema.json").exists():
            release = merge_patch(release, json.loads((ext / "release-schema.json").read_text()))
    package = json.loads((REF / "release-package-schema.json").read_text())
    registry = Registry().with_resource(RELEASE_URL, Resource.from_contents(release, default_specification=DRAFT4))
    return Draft4Validator(package, registry=registry), Draft4Validator(release)


def _errors(validator, doc):
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_package_of_every_stage_is_valid(buy, validators, users):
    package_v, release_v = validators
    contract = awarded_contract(buy)
    services.kpi_compute(month=dt.date(2026, 2, 1))
    pay = services.payment_calculate(
        actor=buy["district"], contract=contract, milestone="二月", period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28), base="1000",
    )  # fmt: skip
    services.payment_pay(actor=buy["district"], payment=pay)
    services.project_create(
        actor=users["district"], title="新项目", year=2026, domain="culture", area_code="990102002000", budget="1000"
    )
    package = ocds.release_package(list(Project.objects.order_by("pk")), "https://example.org/ocds")
    assert _errors(package_v, package) == []
    for release in package["releases"]:
        assert _errors(release_v, release) == [], release["id"]
    tags = {t for r in package["releases"] for t in r["tag"]}
    assert {"planning", "tenderUpdate", "award", "contract", "implementation"} <= tags
    record = ocds.project_record(buy["project"])
    assert _errors(release_v, record["compiledRelease"]) == []
    assert record["compiledRelease"]["contracts"][0]["implementation"]["metrics"]
    assert package["extensions"] == ocds.EXTENSIONS


def test_sealed_bids_are_not_published(buy, validators):
    to_tender(buy)
    tender = open_tender(buy)
    services.bid_submit(actor=buy["accounts"][0], lot_id=tender.lots.get().pk, price="280000", proposal="秘密方案")
    text = json.dumps(ocds.release_package([buy["project"]], "u"), ensure_ascii=False)
    assert "280000" not in text and "秘密方案" not in text and '"bids"' not in text


def test_catalogue_code_in_items_classification(buy):
    from linli.procurement.models import GuidanceItem

    g = GuidanceItem.objects.create(year=2026, code="A0301", name="居家养老服务", domain="elderly")
    Project.objects.filter(pk=buy["project"].pk).update(guidance=g)
    buy["project"].refresh_from_db()
    release = ocds.project_releases(buy["project"])[0]
    assert release["tender"]["items"][0]["classification"] == {
        "scheme": "LINLI-GUIDANCE", "id": "A0301", "description": "居家养老服务"
    }  # fmt: skip


def test_export_command_streams_and_refuses_empty(tmp_path, buy, validators):
    out = tmp_path / "ocds.json"
    call_command("ocds_export", str(out), stdout=io.StringIO())
    assert _errors(validators[0], json.loads(out.read_text())) == []
    Project.objects.all().delete()
    empty = tmp_path / "empty.json"
    with pytest.raises(CommandError, match="no purchase project"):
        call_command("ocds_export", str(empty), stdout=io.StringIO())
    assert not empty.exists()
    with pytest.raises(ApplicationError) as exc:
        ocds.release_package([], "u")
    assert exc.value.code == "no_projects"
