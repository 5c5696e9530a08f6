from django.db import models
from django.utils.translation import gettext_lazy as _


class FacilityFamily(models.TextChoices):
    """What kind of place a facility type is; a type adds the tier (片区级、A类…)."""

    NEIGHBOURHOOD_CENTRE = "neighbourhood_centre", _("neighbourhood centre (邻里中心)")
    RURAL_CENTRE = "rural_centre", _("rural centre (乡里中心)")
    SPORTS_PARK = "sports_park", _("community sports park (社区体育公园)")
    ELDERLY_CARE = "elderly_care", _("elderly care (养老服务设施)")
    HEALTH = "health", _("health (卫生服务机构)")
    CULTURE = "culture", _("culture (文化设施)")
    EDUCATION = "education", _("education (教育设施)")
    GOVERNMENT = "government", _("government service (政务服务)")
    SPORTS = "sports", _("sports ground (运动场地)")
    COMMERCE = "commerce", _("daily commerce (商业服务)")
    MUNICIPAL = "municipal", _("municipal (市政公用)")
    OTHER = "other", _("other (其他)")


class Setting(models.TextChoices):
    URBAN = "urban", _("urban (城市)")
    RURAL = "rural", _("rural (乡村)")
    BOTH = "both", _("urban and rural (城乡)")


class LivingCircle(models.TextChoices):
    """The tier of GB 50180-2018 a facility type is configured at, or the rural 2-km circle."""

    MIN15 = "15min", _("15-minute living circle (十五分钟生活圈)")
    MIN10 = "10min", _("10-minute living circle (十分钟生活圈)")
    MIN5 = "5min", _("5-minute living circle (五分钟生活圈)")
    BLOCK = "block", _("residential block (居住街坊)")
    RURAL_2KM = "rural2km", _("rural 2-km living circle (两公里生活圈)")


class OperationModel(models.TextChoices):
    GOVERNMENT = "government", _("government-run (政府运营)")
    PUBLIC_PRIVATE = "public_private", _("publicly built, privately operated (公建民营)")
    PURCHASE = "purchase", _("government purchase of services (政府购买服务)")
    MARKET = "market", _("market (市场化运营)")


class ConstructionStatus(models.TextChoices):
    PLANNED = "planned", _("planned (规划)")
    APPROVED = "approved", _("approved (已立项)")
    UNDER_CONSTRUCTION = "under_construction", _("under construction (在建)")
    BUILT = "built", _("built (建成)")
    SUSPENDED = "suspended", _("suspended (暂停)")
    CLOSED = "closed", _("closed (关闭)")


class OperatorKind(models.TextChoices):
    COMPANY = "company", _("company (企业)")
    SOCIAL_ORG = "social_org", _("social organisation (社会组织)")
    PUBLIC_INSTITUTION = "public_institution", _("public institution (事业单位)")
    GOVERNMENT = "government", _("government body (政府部门)")
    COMMUNITY = "community", _("community committee (村居委会)")


class OrgGrade(models.TextChoices):
    """Social-organisation assessment grade (社会组织评估等级)."""

    A5 = "5A", "5A"
    A4 = "4A", "4A"
    A3 = "3A", "3A"
    A2 = "2A", "2A"
    A1 = "1A", "1A"


class Accessibility(models.TextChoices):
    STEP_FREE = "step_free", _("step-free entrance (无障碍出入口)")
    RAMP = "ramp", _("ramp (坡道)")
    LIFT = "lift", _("lift (电梯)")
    ACCESSIBLE_TOILET = "accessible_toilet", _("accessible toilet (无障碍卫生间)")
    TACTILE = "tactile", _("tactile paving (盲道)")
    HEARING_LOOP = "hearing_loop", _("hearing assistance (助听设施)")
    PARKING = "parking", _("accessible parking (无障碍停车位)")
