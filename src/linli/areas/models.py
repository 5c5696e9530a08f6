"""Administrative areas keyed by their 12-digit code, population by age group, residential points."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.areas.enums import AgeGroup, AreaKind, AreaLevel
from linli.core.models import AreaOwned, TimeStampedModel

code_validator = RegexValidator(r"^[0-9]{12}$", _("An area code has exactly 12 digits."))


class Area(TimeStampedModel):
    """A province, city, district/county, sub-district/town or community/village (行政区划).

    Population and households are recorded on communities and villages; every higher level's figure is
    the sum of its communities and villages (see `selectors.population_by_age`)."""

    code = models.CharField(_("code (统计用区划代码)"), max_length=12, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices)
    kind = models.CharField(_("urban / rural"), max_length=8, choices=AreaKind.choices, default=AreaKind.URBAN)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    households = models.PositiveIntegerField(_("households (户数)"), default=0)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    centroid_lon = models.FloatField(_("centroid longitude"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]{12}$"), name="area_code_12_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def area_code(self) -> str:
        return self.code


class AreaPopulation(models.Model):
    """Residents of one community or village in one age group."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="population")
    age_group = models.CharField(_("age group"), max_length=8, choices=AgeGroup.choices)
    count = models.PositiveIntegerField(_("residents"))

    class Meta:
        verbose_name = _("population by age group")
        verbose_name_plural = _("population by age group")
        constraints = [
            models.UniqueConstraint(fields=["area", "age_group"], name="area_population_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.age_group}: {self.count}"


class ResidentialPoint(AreaOwned):
    """A place where residents live (an estate, a cluster of village houses) with its residents by age
    group: the demand points of planning."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="residential_points")
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    residents = models.PositiveIntegerField(_("residents"))
    population = models.JSONField(_("residents by age group"), default=dict)

    class Meta(AreaOwned.Meta):
        verbose_name = _("residential point")
        verbose_name_plural = _("residential points")

    def __str__(self) -> str:
        return f"{self.area_code} ({self.lon:.5f}, {self.lat:.5f}) {self.residents}"
