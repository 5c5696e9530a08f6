"""Residents' own organisations (三自组织): filing and its transitions, the roster, volunteer shifts and
service by staff sent down (下沉), attendance and confirmed hours (never edited: a correction is a new
record), yearly star ratings and incubation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from linli.core.models import AreaOwned, TimeStampedModel
from linli.organizations.enums import (
    Grade,
    GuideRole,
    IncubationState,
    MemberRole,
    MemberState,
    OrgKind,
    OrgState,
    OrgTrack,
    SentDownService,
    ShiftKind,
)


class Organization(AreaOwned, TimeStampedModel):
    """An organisation of residents, owned by its community or village (`area_code`)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind of organisation"), max_length=24, choices=OrgKind.choices)
    track = models.CharField(_("track"), max_length=16, choices=OrgTrack.choices, default=OrgTrack.FILED)
    grade = models.CharField(_("grade (等级)"), max_length=2, choices=Grade.choices, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organizations_led", verbose_name=_("leader")
    )
    guide_role = models.CharField(_("led by"), max_length=16, choices=GuideRole.choices, blank=True)
    guide_name = models.CharField(_("guide's name"), max_length=32, blank=True)
    guide_phone = models.CharField(_("guide's phone"), max_length=20, blank=True)
    members_declared = models.PositiveIntegerField(_("members"), default=0)
    documents = models.TextField(_("documents"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=OrgState.choices, default=OrgState.DRAFT)
    return_reasons = models.TextField(_("reasons for returning"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    renewal_due = models.DateField(_("renewal due"), null=True, blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("organisation (三自组织)")
        verbose_name_plural = _("organisations (三自组织)")
        ordering = ["area_code", "name"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(
                condition=Q(track=OrgTrack.REGISTERED) | Q(grade=""), name="organizations_grade_only_registered"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrgTransition(models.Model):
    """One step of an organisation's workflow: who moved it, when, from which state to which, and why."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("from"), max_length=16, choices=OrgState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=OrgState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("organisation transition")
        verbose_name_plural = _("organisation transitions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.from_state} -> {self.to_state}"


class Membership(TimeStampedModel):
    """A resident on an organisation's roster (or asking to be). One row per organisation and person: the
    database refuses a member twice."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=8, choices=MemberRole.choices, default=MemberRole.MEMBER)
    state = models.CharField(_("state"), max_length=12, choices=MemberState.choices, default=MemberState.REQUESTED)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "person"], name="organizations_member_once"),
        ]


class Shift(AreaOwned, TimeStampedModel):
    """A volunteer shift of an organisation, or a period of service by staff sent down (下沉) at a centre or
    village (then without an organisation). `area_code`: the organisation's community, or where the staff
    serve."""

    kind = models.CharField(_("kind"), max_length=12, choices=ShiftKind.choices, default=ShiftKind.VOLUNTEER)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="shifts"
    )
    service = models.CharField(_("service"), max_length=16, choices=SentDownService.choices, blank=True)
    title = models.CharField(_("title"), max_length=100)
    facility = models.ForeignKey(
        "facilities.Facility", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("facility"),
    )  # fmt: skip
    place = models.CharField(_("place"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    places = models.PositiveIntegerField(_("places"))
    cancelled = models.BooleanField(_("cancelled"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta(AreaOwned.Meta):
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="organizations_shift_ends_after"),
            models.CheckConstraint(condition=Q(places__gte=1), name="organizations_shift_places"),
            models.CheckConstraint(
                condition=(Q(kind=ShiftKind.VOLUNTEER) & Q(organization__isnull=False))
                | (Q(kind=ShiftKind.SENT_DOWN) & ~Q(service="")),
                name="organizations_shift_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def length_hours(self) -> Decimal:
        return (Decimal((self.ends_at - self.starts_at).total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"))


class Attendance(AreaOwned, TimeStampedModel):
    """A person signed up for a shift, with check-in and check-out as recorded by the leader or staff."""

    area_code_source: ClassVar[str | None] = "shift"

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="attendances")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shift_attendances")
    cancelled = models.BooleanField(_("cancelled"), default=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(fields=["shift", "person"], name="organizations_attendance_once"),
        ]


class ConfirmedRecordEdited(PermissionDenied):
    """An attempt to change or delete a confirmed hours record (a correction is a new record)."""


class HoursRecordQuerySet(models.QuerySet["HoursRecord"]):
    def update(self, **kwargs: Any) -> int:
        raise ConfirmedRecordEdited("a confirmed hours record is never edited")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ConfirmedRecordEdited("a confirmed hours record is never edited")


class HoursRecord(AreaOwned):
    """Hours confirmed for one attendance. Written once: a correction is a new record that `replaces` the
    earlier one (each record replaced at most once); the first confirmation of an attendance is unique in
    the database, and the hours never exceed the shift's length (`shift_hours`, checked by the database)."""

    area_code_source: ClassVar[str | None] = "shift"

    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="hours_records")
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="hours_records")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hours_records")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="hours_records"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ShiftKind.choices)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    shift_hours = models.DecimalField(_("length of the shift"), max_digits=6, decimal_places=2)
    residents_served = models.PositiveIntegerField(_("residents served"), default=0)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by",
        verbose_name=_("corrects"),
    )  # fmt: skip
    note = models.CharField(_("reason"), max_length=200, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)

    objects = HoursRecordQuerySet.as_manager()  # type: ignore[assignment,misc]

    class Meta(AreaOwned.Meta):
        verbose_name = _("confirmed hours")
        verbose_name_plural = _("confirmed hours")
        ordering = ["-confirmed_at", "-id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(condition=Q(hours__gt=0), name="organizations_hours_positive"),
            models.CheckConstraint(condition=Q(hours__lte=F("shift_hours")), name="organizations_hours_cap"),
            models.UniqueConstraint(
                fields=["attendance"], condition=Q(replaces__isnull=True), name="organizations_confirmed_once"
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ConfirmedRecordEdited("a confirmed hours record is never edited")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ConfirmedRecordEdited("a confirmed hours record is never edited")


class Rating(AreaOwned, TimeStampedModel):
    """The star rating (星级评定) of an organisation for a year: the rubric's figures computed from the
    data, the score, an adjustment with its written reason, and the stars."""

    area_code_source: ClassVar[str | None] = "organization"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="ratings")
    year = models.PositiveIntegerField(_("year"))
    figures = models.JSONField(_("figures"), default=dict)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    adjustment = models.IntegerField(_("adjustment"), default=0)
    reason = models.TextField(_("reason for the adjustment"), blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"))
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta(AreaOwned.Meta):
        verbose_name = _("star rating (星级评定)")
        verbose_name_plural = _("star ratings (星级评定)")
        ordering = ["-year", "organization_id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "year"], name="organizations_rating_once_a_year"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="organizations_stars_1_5"),
            models.CheckConstraint(
                condition=Q(adjustment=0) | ~Q(reason=""), name="organizations_adjustment_has_reason"
            ),
        ]


class Incubation(AreaOwned, TimeStampedModel):
    """Incubation (孵化) of an organisation: applied -> incubating -> graduated -> registered as a social
    organisation, with the support funds computed when it moves (一次性开办扶持 on starting, 以奖代补 on
    graduating, from the latest star rating)."""

    area_code_source: ClassVar[str | None] = "organization"

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="incubation")
    state = models.CharField(
        _("state"), max_length=12, choices=IncubationState.choices, default=IncubationState.APPLIED
    )
    plan = models.TextField(_("incubation plan"), blank=True)
    startup_fund = models.DecimalField(_("one-off start-up support (一次性开办扶持)"), max_digits=10, decimal_places=2,
                                       default=Decimal(0))  # fmt: skip
    award_fund = models.DecimalField(_("award in place of subsidy (以奖代补)"), max_digits=10, decimal_places=2,
                                     default=Decimal(0))  # fmt: skip
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    started_at = models.DateTimeField(_("incubating since"), null=True, blank=True)
    graduated_at = models.DateTimeField(_("graduated at"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("incubation (孵化)")
        verbose_name_plural = _("incubations (孵化)")
        ordering = ["-applied_at"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(
                condition=Q(startup_fund__gte=0) & Q(award_fund__gte=0), name="organizations_funds_not_negative"
            ),
        ]
