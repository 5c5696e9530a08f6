from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    """Levels of the 12-digit statistical division code (统计用区划代码)."""

    PROVINCE = "province", _("province (省)")
    CITY = "city", _("city (市)")
    COUNTY = "county", _("district / county (区、县)")
    TOWN = "town", _("sub-district / town (街道、乡镇)")
    VILLAGE = "village", _("community / village (社区、村)")


class AreaKind(models.TextChoices):
    URBAN = "urban", _("urban (城镇)")
    RURAL = "rural", _("rural (乡村)")


class AgeGroup(models.TextChoices):
    """Age groups population is recorded in; each service domain weighs the group it serves."""

    INFANT = "0-2", _("0-2")
    PRESCHOOL = "3-5", _("3-5")
    SCHOOL = "6-14", _("6-14")
    WORKING = "15-59", _("15-59")
    ELDERLY = "60-79", _("60-79")
    OLDEST = "80+", _("80+")
