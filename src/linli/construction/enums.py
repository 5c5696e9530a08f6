"""Choices of construction projects (载体建设), with their Chinese labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The stages of a project, in the order they are completed (立项 -> 用地 -> 设计 -> 施工 -> 验收 -> 投入运营)."""

    APPROVAL = "approval", _("project approval (立项)")
    LAND = "land", _("land (用地)")
    DESIGN = "design", _("design (设计)")
    CONSTRUCTION = "construction", _("construction (施工)")
    ACCEPTANCE = "acceptance", _("acceptance (验收)")
    OPERATION = "operation", _("in operation (投入运营)")


STAGE_ORDER: tuple[str, ...] = tuple(Stage.values)


class FundingSource(models.TextChoices):
    """Where a project's money comes from (the source report names these four)."""

    FISCAL = "fiscal", _("fiscal budget (财政)")
    SPECIAL_BOND = "special_bond", _("special-purpose bonds (专项债)")
    POLICY_FINANCE = "policy_finance", _("policy-based finance (政策性金融)")
    SOCIAL_CAPITAL = "social_capital", _("social capital (社会资本)")


class LandKind(models.TextChoices):
    """Land procedures a facility may need."""

    QUOTA = "quota", _("construction land quota (用地指标)")
    USE_CHANGE = "use_change", _("change of land use (土地性质变更)")
    IDLE_PROPERTY = "idle_property", _("revitalising idle property (闲置物业盘活)")


class LandStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("not started (未启动)")
    IN_PROGRESS = "in_progress", _("in progress (办理中)")
    DONE = "done", _("done (已办结)")
