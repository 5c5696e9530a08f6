"""Indicator targets (per indicator, area and year) and daily snapshots of every indicator for every area.

The definitions themselves are code (`linli.indicators.registry`): one definition per figure, read by the
dashboard, the report, the API and the open data alike."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.models import AreaOwned


class IndicatorTarget(AreaOwned):
    """The value an area aims at for one indicator in one year (目标值). A missing target is reported as
    missing: nothing is inferred from another year or area."""

    code = models.CharField(_("indicator"), max_length=64)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("target value"))
    note = models.CharField(_("source of the target"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("indicator target (指标目标)")
        verbose_name_plural = _("indicator targets (指标目标)")
        ordering = ["code", "area_code", "year"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(fields=["code", "area_code", "year"], name="indicator_target_unique"),
            models.CheckConstraint(condition=models.Q(year__gte=2000, year__lte=2100), name="indicator_target_year"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.area_code} {self.year}: {self.value}"


class Snapshot(AreaOwned):
    """The value of one indicator for one area on one day, with its numerator and denominator (a count has
    no denominator). Written in bulk by `services.snapshot_take`; a day is recomputed as a whole."""

    date = models.DateField(_("date"))
    code = models.CharField(_("indicator"), max_length=64)
    value = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta(AreaOwned.Meta):
        verbose_name = _("indicator snapshot (指标快照)")
        verbose_name_plural = _("indicator snapshots (指标快照)")
        ordering = ["date", "area_code", "code"]
        indexes = [models.Index(fields=["area_code", "date"]), models.Index(fields=["code", "area_code", "date"])]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(fields=["date", "area_code", "code"], name="indicator_snapshot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.area_code} {self.code} = {self.value}"
