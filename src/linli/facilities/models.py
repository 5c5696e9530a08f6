"""The registry of places where public services are delivered: facility types with their tier, the
facilities themselves with location, size, opening hours and construction status, the operators that run
them, and the year's construction targets."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.areas.models import Area
from linli.core.models import AreaOwned, TimeStampedModel, area_code_field
from linli.facilities.enums import (
    ConstructionStatus,
    FacilityFamily,
    LivingCircle,
    OperationModel,
    OperatorKind,
    OrgGrade,
    Setting,
)


class FacilityType(TimeStampedModel):
    """A kind of facility at one tier (社区级邻里中心, A类社区体育公园, 社区卫生服务站 …). Data, not code:
    district staff edit them; `linli seed_registry` loads the defaults once."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    family = models.CharField(_("family"), max_length=32, choices=FacilityFamily.choices)
    tier = models.CharField(_("tier"), max_length=32, blank=True, help_text=_("片区级 / 社区级 / 小区级, A / B / C …"))
    setting = models.CharField(_("urban / rural"), max_length=8, choices=Setting.choices, default=Setting.URBAN)
    living_circle = models.CharField(_("living circle"), max_length=16, choices=LivingCircle.choices, blank=True)
    service_radius_m = models.PositiveIntegerField(_("service radius (m)"), null=True, blank=True)
    domains = models.JSONField(_("service domains"), default=list, blank=True)
    age_groups = models.JSONField(
        _("age groups served"),
        default=list,
        blank=True,
        help_text=_('weights coverage in planning, e.g. ["60-79", "80+"]'),
    )
    has_beds = models.BooleanField(_("has beds"), default=False)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("facility type")
        verbose_name_plural = _("facility types")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Operator(AreaOwned, TimeStampedModel):
    """A company, social organisation or public body that runs facilities (运营主体)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=OperatorKind.choices)
    credit_code = models.CharField(
        _("unified social credit code (统一社会信用代码)"), max_length=18, unique=True, null=True, blank=True
    )
    grade = models.CharField(_("social-organisation grade"), max_length=2, choices=OrgGrade.choices, blank=True)
    area_code = area_code_field(_("registered area code"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=32, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# A facility code goes into URLs (/facilities/<code>/) and files: letters, digits, ".", "_" and "-", starting
# with a letter or digit, at most 32 characters.
FACILITY_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"


class Facility(AreaOwned, TimeStampedModel):
    """A place where public services are delivered."""

    area_code_source = "area"

    code = models.CharField(_("facility code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    facility_type = models.ForeignKey(
        FacilityType, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("type")
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("area"))
    lon = models.FloatField(_("longitude (WGS-84)"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    lat = models.FloatField(_("latitude (WGS-84)"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    address = models.CharField(_("address"), max_length=200, blank=True)
    floor_area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (persons at once)"), null=True, blank=True)
    beds = models.PositiveIntegerField(_("beds"), null=True, blank=True)
    served_persons = models.PositiveIntegerField(
        _("registered users"),
        null=True,
        blank=True,
        help_text=_("people registered with the facility, to compare with capacity"),
    )
    staff_count = models.PositiveIntegerField(_("staff"), null=True, blank=True)
    operation_model = models.CharField(
        _("operation model"), max_length=32, choices=OperationModel.choices, default=OperationModel.GOVERNMENT
    )
    operator = models.ForeignKey(
        Operator, null=True, blank=True, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("operator")
    )
    status = models.CharField(
        _("construction status"), max_length=32, choices=ConstructionStatus.choices, default=ConstructionStatus.BUILT
    )
    planned_on = models.DateField(_("planned on"), null=True, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    construction_started_on = models.DateField(_("construction started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    accessibility = models.JSONField(_("accessibility features"), default=list, blank=True)
    closed_on_public_holidays = models.BooleanField(_("closed on public holidays"), default=False)
    phone = models.CharField(_("facility phone"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["area_code", "code"]
        indexes = [models.Index(fields=["facility_type", "status"])]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="facility_lon_lat_range",
            ),
            models.CheckConstraint(condition=models.Q(code__regex=FACILITY_CODE_PATTERN), name="facility_code_pattern"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OpeningRule(models.Model):
    """The facility is open on `weekday` (0 = Monday) from `opens` to `closes`; several per day allowed,
    never overlapping (checked by `services.opening_hours_set`)."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="opening_rules")
    weekday = models.PositiveSmallIntegerField(_("weekday"), validators=[MaxValueValidator(6)])
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="opening_rule_closes_after_opens"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="opening_rule_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.weekday} {self.opens:%H:%M}-{self.closes:%H:%M}"


class OpeningException(models.Model):
    """A dated exception: closed all day, or open other hours."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="opening_exceptions")
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=True)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("opening exception")
        verbose_name_plural = _("opening exceptions")
        ordering = ["date", "opens"]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.date} {'closed' if self.closed else 'open'}"


class ConstructionTarget(AreaOwned):
    """How many facilities of a type an area plans to complete in a year: completion rate = built / target."""

    area_code_source = "area"

    year = models.PositiveSmallIntegerField(_("year"))
    facility_type = models.ForeignKey(
        FacilityType, on_delete=models.CASCADE, related_name="targets", verbose_name=_("type")
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="construction_targets", verbose_name=_("area")
    )
    target = models.PositiveIntegerField(_("target"))

    class Meta(AreaOwned.Meta):
        verbose_name = _("construction target")
        verbose_name_plural = _("construction targets")
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(fields=["year", "facility_type", "area"], name="construction_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.facility_type_id} {self.area_code}: {self.target}"
