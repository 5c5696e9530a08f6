from django.db import models
from django.utils.translation import gettext_lazy as _


class Domain(models.TextChoices):
    """The six service domains (文化、体育、养老、卫健、教育、政务)."""

    CULTURE = "culture", _("culture (文化)")
    SPORTS = "sports", _("sports (体育)")
    ELDERLY = "elderly", _("elderly care (养老)")
    HEALTH = "health", _("health (卫健)")
    EDUCATION = "education", _("education (教育)")
    GOVERNMENT = "government", _("government affairs (政务)")


class ServiceClass(models.TextChoices):
    BASIC = "basic", _("basic public service (基本公共服务)")
    INCLUSIVE = "inclusive", _("inclusive service (普惠性服务)")
    COMMERCIAL = "commercial", _("commercial service (商业化服务)")


class FeeType(models.TextChoices):
    FREE = "free", _("free (免费)")
    SUBSIDISED = "subsidised", _("subsidised (低偿)")
    PAID = "paid", _("paid (收费)")


class TargetGroup(models.TextChoices):
    ALL = "all", _("all residents (全体居民)")
    INFANTS = "infants", _("infants 0-2 (婴幼儿)")
    CHILDREN = "children", _("children 3-14 (儿童)")
    YOUTH = "youth", _("young people (青少年)")
    ADULTS = "adults", _("working-age adults (成年人)")
    ELDERLY = "elderly", _("older people 60+ (老年人)")
    OLDEST = "oldest", _("oldest old 80+ (高龄老人)")
    DISABLED = "disabled", _("people with disabilities (残疾人)")
    FAMILIES = "families", _("families (家庭)")
