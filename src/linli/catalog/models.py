"""The service catalogue: service items in the six domains with their standards, which facility offers
which item, and the standards each facility type and tier must meet."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.catalog.enums import Domain, FeeType, ServiceClass
from linli.core.models import AreaOwned, TimeStampedModel
from linli.facilities.models import Facility, FacilityType


class ServiceItem(TimeStampedModel):
    """One concrete service (具体服务事项) with its standard: content, duration, frequency, facility,
    equipment and staffing."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    domain = models.CharField(_("domain"), max_length=16, choices=Domain.choices)
    service_class = models.CharField(
        _("service class"), max_length=16, choices=ServiceClass.choices, default=ServiceClass.BASIC
    )
    content = models.TextField(_("content standard (服务内容)"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    frequency = models.CharField(_("frequency (服务频次)"), max_length=64, blank=True)
    facility_requirement = models.CharField(_("facility requirement (设施)"), max_length=200, blank=True)
    equipment = models.CharField(_("equipment (设备配置)"), max_length=200, blank=True)
    staffing = models.CharField(_("staffing (人员配备)"), max_length=200, blank=True)
    target_groups = models.JSONField(_("target groups"), default=list, blank=True)
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    fee_type = models.CharField(_("fee"), max_length=16, choices=FeeType.choices, default=FeeType.FREE)
    fee_amount = models.DecimalField(
        _("fee amount (yuan)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    fee_unit = models.CharField(
        _("fee unit"), max_length=32, blank=True, help_text=_("per visit, per month, per hour …")
    )
    host_types = models.ManyToManyField(
        FacilityType, related_name="service_items", blank=True, verbose_name=_("facility types that can host it")
    )

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["domain", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(max_age__gte=models.F("min_age")),
                name="service_item_age_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Offering(AreaOwned, TimeStampedModel):
    """Facility F offers item I, on a schedule, possibly with its own fee."""

    area_code_source = "facility"

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="offerings", verbose_name=_("facility")
    )
    item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("service item")
    )
    schedule = models.CharField(_("schedule"), max_length=200, blank=True, help_text=_("e.g. 每周二、四 9:00-11:00"))
    fee_type = models.CharField(_("fee"), max_length=16, choices=FeeType.choices, blank=True)
    fee_amount = models.DecimalField(_("fee amount (yuan)"), max_digits=8, decimal_places=2, null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(fields=["facility", "item"], name="offering_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}: {self.item_id}"


class TierStandard(TimeStampedModel):
    """What a facility of one type and tier must have: domains, items, floor area, staffing. Editable rules
    (defaults from the 2024 guideline for embedded community facilities and the seed documents)."""

    facility_type = models.OneToOneField(
        FacilityType, on_delete=models.CASCADE, related_name="standard", verbose_name=_("type")
    )
    required_domains = models.JSONField(_("required domains"), default=list, blank=True)
    min_domains = models.PositiveSmallIntegerField(_("at least this many domains"), null=True, blank=True)
    required_items = models.ManyToManyField(
        ServiceItem, blank=True, related_name="required_by", verbose_name=_("required items")
    )
    min_floor_area_m2 = models.PositiveIntegerField(_("minimum floor area (m²)"), null=True, blank=True)
    recommended_floor_area_m2 = models.PositiveIntegerField(_("recommended floor area (m²)"), null=True, blank=True)
    min_staff = models.PositiveSmallIntegerField(_("minimum staff"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tier standard")
        verbose_name_plural = _("tier standards")

    def __str__(self) -> str:
        return f"{self.facility_type}"
