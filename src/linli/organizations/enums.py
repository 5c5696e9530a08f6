"""Choices of the organisations app, labelled in English with the Chinese term (translated in the app's
own catalogue)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    """The three kinds of residents' own organisations (三自组织)."""

    SELF_GOVERNANCE = "self_governance", _("self-governance (自治)")
    SELF_ENTERTAINMENT = "self_entertainment", _("self-entertainment (自乐)")
    VOLUNTEER = "volunteer", _("volunteer (志愿)")


class OrgTrack(models.TextChoices):
    """The dual track: filed with the community, or registered as a social organisation (graded 1A-5A)."""

    FILED = "filed", _("filed with the community (备案)")
    REGISTERED = "registered", _("registered social organisation (登记)")


class Grade(models.TextChoices):
    """The evaluation grade of a registered social organisation (社会组织评估等级)."""

    A1 = "1A", _("1A")
    A2 = "2A", _("2A")
    A3 = "3A", _("3A")
    A4 = "4A", _("4A")
    A5 = "5A", _("5A")


class OrgState(models.TextChoices):
    DRAFT = "draft", _("draft (草稿)")
    SUBMITTED = "submitted", _("in review (审核中)")
    APPROVED = "approved", _("filed (已备案)")
    RETURNED = "returned", _("returned (退回)")
    SUSPENDED = "suspended", _("suspended (暂停)")
    DISSOLVED = "dissolved", _("dissolved (注销)")


class GuideRole(models.TextChoices):
    """Who leads the organisation for the community (党建引领)."""

    PARTY_MEMBER = "party_member", _("party member (党员)")
    GRID_WORKER = "grid_worker", _("grid worker (网格员)")


class MemberRole(models.TextChoices):
    LEADER = "leader", _("leader (负责人)")
    DEPUTY = "deputy", _("deputy (副负责人)")
    MEMBER = "member", _("member (成员)")


class MemberState(models.TextChoices):
    REQUESTED = "requested", _("asked to join (申请中)")
    ACTIVE = "active", _("member (在册)")
    REFUSED = "refused", _("refused (未通过)")
    LEFT = "left", _("left (已退出)")


class ShiftKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("volunteer shift (志愿服务)")
    SENT_DOWN = "sent_down", _("staff sent down to serve (下沉服务)")


class SentDownService(models.TextChoices):
    """What staff sent down to serve do (下沉)."""

    PARTY = "party", _("party members' service (党员服务)")
    CADRE = "cadre", _("cadres' service (干部下沉)")
    DOCTOR = "doctor", _("doctors' rounds (巡诊)")
    LEGAL = "legal", _("legal aid (法律援助)")
    TEACHER = "teacher", _("teaching (教师服务)")
    AGRICULTURE = "agriculture", _("agricultural advice (农技服务)")


class IncubationState(models.TextChoices):
    APPLIED = "applied", _("applied (已申请)")
    INCUBATING = "incubating", _("incubating (孵化中)")
    GRADUATED = "graduated", _("graduated (已出壳)")
    REGISTERED = "registered", _("registered as a social organisation (已登记)")
