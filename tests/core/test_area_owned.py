"""The area-owned base: every model with an area code inherits it, the database refuses a code that is not
12 digits, `visible_to` applies the one scope rule, and a copied area code follows its parent."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from linli.areas.models import Area, ResidentialPoint
from linli.core.models import AreaOwned

# The points ledger's transfers carry their community's code as a plain indexed column: the table is
# append-only under database triggers that a table rebuild (SQLite's way to add the check constraint) would
# drop. To be moved to AreaOwned with a migration that re-creates the triggers (noted for the next session).
NOT_YET_AREA_OWNED = {"points.transfer"}


def test_every_model_with_an_area_code_is_area_owned_and_checked():
    owned = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        if "area_code" not in names or model._meta.label_lower in NOT_YET_AREA_OWNED:
            continue
        assert issubclass(model, AreaOwned), model
        constraint = f"{model._meta.app_label}_{model._meta.model_name}_area_code_12"
        assert constraint in {c.name for c in model._meta.constraints}, model
        assert model._meta.get_field("area_code").db_index, model
        owned.append(model)
    assert len(owned) >= 19


def point(area: Area, code: str) -> ResidentialPoint:
    return ResidentialPoint.objects.create(area=area, area_code=code, lon=120.0, lat=30.0, residents=1)


@pytest.mark.parametrize("code", ["99010200100", "99010200100x", "9901020010 1", ""])
def test_database_refuses_a_code_that_is_not_12_digits(area_tree, code):
    area = Area.objects.get(code="990102001001")
    with pytest.raises(IntegrityError), transaction.atomic():
        point(area, code)  # (13 digits are refused by the column's length, differently per database)
    assert not ResidentialPoint.objects.exists()


def test_visible_to_is_the_scope_rule(area_tree, users, django_user_model):
    east = point(Area.objects.get(code="990102001001"), "990102001001")
    west = point(Area.objects.get(code="990102002001"), "990102002001")
    qs = ResidentialPoint.objects
    assert set(qs.visible_to(users["community"])) == {east}
    assert set(qs.visible_to(users["district"])) == {east, west}
    assert set(qs.visible_to(users["other_community"])) == {west}
    assert not qs.visible_to(users["resident"]).exists()  # residents have no area scope
    assert not qs.visible_to(AnonymousUser()).exists()
    admin = django_user_model.objects.create_superuser("root", password="x")
    assert set(qs.visible_to(admin)) == {east, west}
    # chained after a filter too
    assert not qs.filter(pk=west.pk).visible_to(users["community"]).exists()
