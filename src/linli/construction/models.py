"""Construction projects (载体建设): one project per planned facility of the year's construction tasks, with
its stages and dates, funding by source, land procedures and the reasons typed for its delays.

The year's targets themselves (建设任务: how many facilities of a type and tier an area completes in a year)
are `facilities.models.ConstructionTarget`; this app edits them (`construction.services.target_set`) and
compares them with what was built (`construction.selectors.completion`)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.construction.enums import FundingSource, LandKind, LandStatus, Stage
from linli.core.models import AreaOwned, TimeStampedModel


class Project(AreaOwned, TimeStampedModel):
    """A facility being built (or converted) for the year's construction tasks. `stage` is the last stage
    completed ("" before the project is approved); the dates of each stage are its `ProjectStage` rows.
    A project that reaches 投入运营 has its facility in the registry (`facility`)."""

    area_code_source = "area"

    name = models.CharField(_("name"), max_length=100)
    year = models.PositiveSmallIntegerField(
        _("task year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    facility_type = models.ForeignKey(
        "facilities.FacilityType", on_delete=models.PROTECT, related_name="projects", verbose_name=_("type")
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="construction_projects", verbose_name=_("area")
    )
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    floor_area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    department = models.CharField(_("responsible department"), max_length=64)
    stage = models.CharField(_("stage reached"), max_length=16, choices=Stage.choices, blank=True)
    facility = models.OneToOneField(
        "facilities.Facility",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="construction_project",
        verbose_name=_("facility"),
    )
    siting_run = models.ForeignKey(
        "planning.PlanningRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="construction_projects",
        verbose_name=_("siting run"),
    )
    siting_site = models.PositiveSmallIntegerField(_("site of the siting run"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(AreaOwned.Meta):
        verbose_name = _("construction project (载体建设项目)")
        verbose_name_plural = _("construction projects (载体建设项目)")
        ordering = ["year", "area_code", "name"]
        indexes = [models.Index(fields=["year", "facility_type"])]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["siting_run", "siting_site"],
                condition=Q(siting_run__isnull=False),
                name="construction_project_one_per_site",
            ),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="construction_project_lon_lat",
            ),
            models.CheckConstraint(condition=Q(stage__in=["", *Stage.values]), name="construction_project_stage_known"),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectStage(models.Model):
    """One stage of a project: when it is planned to be completed and when it was."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    planned_on = models.DateField(_("planned completion"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("project stage")
        verbose_name_plural = _("project stages")
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="construction_stage_once"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="construction_stage_known"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.stage}"


class Funding(models.Model):
    """The money a project needs from one source and how much of it is secured (到位). Secured never
    exceeds needed: money beyond the need is not the project's (the database refuses it)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(_("source"), max_length=16, choices=FundingSource.choices)
    needed = models.DecimalField(_("needed (10,000 yuan)"), max_digits=12, decimal_places=2)
    secured = models.DecimalField(_("secured (10,000 yuan)"), max_digits=12, decimal_places=2, default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("funding")
        verbose_name_plural = _("funding")
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="construction_funding_once"),
            models.CheckConstraint(condition=Q(needed__gte=0), name="construction_funding_needed_positive"),
            models.CheckConstraint(condition=Q(secured__gte=0), name="construction_funding_secured_positive"),
            models.CheckConstraint(
                condition=Q(secured__lte=F("needed")), name="construction_funding_secured_within_needed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.source}: {self.secured}/{self.needed}"


class LandProcedure(models.Model):
    """A land procedure of a project (用地指标, 土地性质变更, 闲置物业盘活) with its status and dates."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="land")
    kind = models.CharField(_("procedure"), max_length=16, choices=LandKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=LandStatus.choices, default=LandStatus.NOT_STARTED)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("land procedure")
        verbose_name_plural = _("land procedures")
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="construction_land_once"),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | Q(started_on__isnull=True) | Q(done_on__gte=F("started_on")),
                name="construction_land_done_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status=LandStatus.DONE) | Q(done_on__isnull=False), name="construction_land_done_dated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind}: {self.status}"


class DelayReason(models.Model):
    """Why a stage is late, as typed by staff (whether a project is late is computed, never typed)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="delay_reasons")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    reason = models.CharField(_("reason"), max_length=500)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("delay reason")
        verbose_name_plural = _("delay reasons")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.stage}: {self.reason[:30]}"
