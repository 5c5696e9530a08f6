"""Walking networks that planning runs on. The arrays live in a compressed .npz file in the data
directory (they are numerical data for the engine, not rows); the record says what and where."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import AreaOwned, TimeStampedModel


class Network(AreaOwned, TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source"), max_length=200, help_text=_("synthetic:<seed>, or an OSM PBF file name"))
    nodes = models.PositiveIntegerField(_("nodes"))
    edges = models.PositiveIntegerField(_("edges"))
    file = models.CharField(_("array file"), max_length=300, help_text=_("relative to the data directory"))
    ways_file = models.CharField(_("drawing file (GeoJSON)"), max_length=300, blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("walking network")
        verbose_name_plural = _("walking networks")
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(fields=["area_code", "name"], name="network_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.nodes} nodes)"


class Scenario(AreaOwned, TimeStampedModel):
    """A planning question about one area: which facility types, each with its living-circle rule."""

    area_code_source = "area"

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="scenarios", verbose_name=_("area"))
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="scenarios", verbose_name=_("network"))
    walking_speed_mps = models.FloatField(_("walking speed (m/s)"), default=1.333)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )

    class Meta(AreaOwned.Meta):
        verbose_name = _("planning scenario")
        verbose_name_plural = _("planning scenarios")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class ScenarioRule(models.Model):
    """One facility type in a scenario and the walking distance that counts as covered."""

    class Circle(models.TextChoices):
        MIN15 = "15min", _("15-minute circle")
        MIN10 = "10min", _("10-minute circle")
        MIN5 = "5min", _("5-minute circle")
        RURAL_2KM = "rural2km", _("rural 2 km")
        CUSTOM = "custom", _("custom distance")

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="rules")
    facility_type = models.ForeignKey(
        "facilities.FacilityType", on_delete=models.PROTECT, related_name="+", verbose_name=_("facility type")
    )
    circle = models.CharField(_("living circle"), max_length=16, choices=Circle.choices, default=Circle.MIN15)
    distance_m = models.PositiveIntegerField(_("walking distance (m)"))
    age_groups = models.JSONField(_("age groups weighted"), default=list, blank=True)

    class Meta:
        verbose_name = _("scenario rule")
        verbose_name_plural = _("scenario rules")
        constraints = [
            models.UniqueConstraint(fields=["scenario", "facility_type"], name="scenario_rule_unique"),
            models.CheckConstraint(condition=models.Q(distance_m__gt=0), name="scenario_rule_distance_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario_id}: {self.facility_type_id} {self.distance_m} m"


class PlanningRun(models.Model):
    """One computation on a scenario: coverage, compliance or siting. Runs as a background job; the
    per-point arrays go to an .npz file in the data directory, the tables to `result`."""

    class Kind(models.TextChoices):
        COVERAGE = "coverage", _("coverage")
        COMPLIANCE = "compliance", _("standards compliance")
        SITING = "siting", _("siting")

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    job = models.OneToOneField(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="planning_run"
    )
    result = models.JSONField(_("result"), null=True, blank=True)
    arrays_file = models.CharField(_("array file"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("planning run")
        verbose_name_plural = _("planning runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.scenario_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class IdleSpace(AreaOwned, TimeStampedModel):
    """An idle space (闲置空间) that could house a new facility: a candidate site for siting."""

    area_code_source = "area"

    class Status(models.TextChoices):
        AVAILABLE = "available", _("available")
        RESERVED = "reserved", _("reserved for a planned facility")
        USED = "used", _("used")

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="idle_spaces", verbose_name=_("area"))
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    floor_area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    owner = models.CharField(_("owner"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.AVAILABLE)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("idle space")
        verbose_name_plural = _("idle spaces")
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return self.name
