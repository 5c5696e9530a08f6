"""Choices of the purchase of services, with their Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The six steps of a purchase project, in order (no step is skipped)."""

    NEEDS = "needs", _("needs survey (需求摸排)")
    TARGETS = "targets", _("targets set (目标确立)")
    TENDER = "tender", _("public tender (公开招标)")
    DELIVERY = "delivery", _("delivery (组织实施)")
    EVALUATION = "evaluation", _("monitoring and evaluation (监测评估)")
    TRACKING = "tracking", _("service follow-up (服务跟踪)")


STAGE_ORDER = [Stage.NEEDS, Stage.TARGETS, Stage.TENDER, Stage.DELIVERY, Stage.EVALUATION, Stage.TRACKING]


class Metric(models.TextChoices):
    """The kinds of target a contract can be measured by; each is computed from delivery data
    (`procurement.metrics.REGISTRY`)."""

    SESSIONS = "sessions", _("sessions held per month (每月开展场次)")
    CHECKINS = "checkins", _("check-ins per month (每月签到人次)")
    ATTENDANCE = "attendance", _("attendance rate % (到场率)")
    ON_TIME = "on_time", _("requests handled on time % (按时办结率)")
    SATISFACTION = "satisfaction", _("satisfaction, mean rating 1-5 (满意度)")


class TenderStatus(models.TextChoices):
    OPEN = "open", _("open for bids (投标中)")
    EVALUATING = "evaluating", _("bids opened, being scored (评标中)")
    AWARDED = "awarded", _("awarded (已中标)")
    FAILED = "failed", _("failed, no valid bid (流标)")


class CreditLevel(models.TextChoices):
    A = "A", _("A (守信)")
    B = "B", _("B (基本守信)")
    C = "C", _("C (失信风险)")
    D = "D", _("D (严重失信)")


CREDIT_RANK = {"A": 4, "B": 3, "C": 2, "D": 1}
CREDIT_POINTS = {"A": 100, "B": 80, "C": 50, "D": 0}


class SanctionKind(models.TextChoices):
    SUSPENSION = "suspension", _("suspension (暂停投标资格)")
    EXCLUSION = "exclusion", _("exclusion (清退出市场)")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("to answer (待整改)")
    ANSWERED = "answered", _("answered (已回复)")
    CLOSED = "closed", _("closed (已销号)")


class PaymentStatus(models.TextChoices):
    CALCULATED = "calculated", _("calculated (已核算)")
    PAID = "paid", _("paid (已支付)")


class EvaluationKind(models.TextChoices):
    MIDTERM = "midterm", _("mid-term evaluation (中期评估)")
    FINAL = "final", _("final evaluation (末期评估)")


class OpinionKind(models.TextChoices):
    COMMENT = "comment", _("comment (意见建议)")
    SUPPORT = "support", _("vote for (赞成)")
    OPPOSE = "oppose", _("vote against (反对)")
    RATING = "rating", _("rating of the result (效果评议)")
    PROBLEM = "problem", _("problem during delivery (过程监督)")
