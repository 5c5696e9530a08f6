"""Activities at a facility, their dated sessions, residents' registrations (confirmed or on the waiting
list) with a one-time check-in code, and notifications to residents.

No overbooking is enforced by the database: each session keeps the number of confirmed and waitlisted
persons in columns checked against its capacities, and a resident holds at most one active registration
per session. The services take a row lock on the session before changing either."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.bookings.enums import RegistrationStatus
from linli.catalog.enums import Domain
from linli.catalog.models import ServiceItem
from linli.core.models import AreaOwned, TimeStampedModel
from linli.facilities.models import Facility


class Activity(AreaOwned, TimeStampedModel):
    """Something a centre runs (a class, a talk, a health check), once or as a series of sessions."""

    area_code_source = "facility"

    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="activities", verbose_name=_("facility")
    )
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    domain = models.CharField(_("domain"), max_length=16, choices=Domain.choices)
    item = models.ForeignKey(
        ServiceItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("service item"),
    )
    series_rule = models.JSONField(_("series rule"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(AreaOwned.Meta):
        verbose_name = _("activity (活动)")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Session(AreaOwned, TimeStampedModel):
    """One dated occurrence of an activity, with its seats, waiting list and registration rules."""

    area_code_source = "activity"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity (persons)"))
    waitlist_capacity = models.PositiveIntegerField(_("waiting-list capacity (persons)"), default=0)
    opens_at = models.DateTimeField(_("registration opens"))
    closes_at = models.DateTimeField(_("registration closes"))
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    max_group_size = models.PositiveSmallIntegerField(_("persons per registration"), default=1)
    confirmed = models.PositiveIntegerField(_("confirmed persons"), default=0)
    waitlisted = models.PositiveIntegerField(_("waitlisted persons"), default=0)

    class Meta(AreaOwned.Meta):
        verbose_name = _("session (场次)")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(confirmed__lte=models.F("capacity")), name="session_no_overbooking"
            ),
            models.CheckConstraint(
                condition=models.Q(waitlisted__lte=models.F("waitlist_capacity")), name="session_waitlist_limit"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="session_window_order"),
            models.CheckConstraint(condition=models.Q(max_group_size__gte=1), name="session_group_size"),
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(max_age__gte=models.F("min_age")),
                name="session_age_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.confirmed)


class Registration(AreaOwned, TimeStampedModel):
    """A resident's registration for 1..N persons. Confirmed ones carry a check-in code, of which only
    hashes are stored (see `linli.bookings.codes`)."""

    area_code_source = "session"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations")
    persons = models.PositiveSmallIntegerField(_("persons"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices)
    code_nonce = models.CharField(max_length=32, blank=True)
    code_hash = models.CharField(max_length=64, blank=True)
    short_code_hash = models.CharField(max_length=64, blank=True)
    promoted_at = models.DateTimeField(_("promoted from the waiting list"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(AreaOwned.Meta):
        verbose_name = _("registration (报名)")
        verbose_name_plural = _("registrations")
        ordering = ["id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["session", "resident"],
                condition=~models.Q(status=RegistrationStatus.CANCELLED),
                name="registration_one_active_per_resident",
            ),
            models.UniqueConstraint(
                fields=["code_hash"], condition=~models.Q(code_hash=""), name="registration_code_unique"
            ),
            models.UniqueConstraint(
                fields=["session", "short_code_hash"],
                condition=~models.Q(short_code_hash=""),
                name="registration_short_code_unique",
            ),
            models.CheckConstraint(condition=models.Q(persons__gte=1), name="registration_persons"),
        ]
        indexes = [models.Index(fields=["session", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.session_id} {self.resident_id} {self.status}"


class Notification(models.Model):
    """A message to a user (promoted from the waiting list, session cancelled …)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(_("text"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read = models.BooleanField(_("read"), default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:40]


# Venues ----------------------------------------------------------------------------------------------
# Rooms, courts and fields booked by the slot. Two active bookings of one venue never overlap: the
# services check under a row lock on the venue, and on PostgreSQL an exclusion constraint
# `venue_booking_no_overlap` (venue WITH =, tstzrange(starts_at, ends_at) WITH &&, active rows only; added
# by migration 0002's vendor-guarded step) refuses an overlap even from a code path that skips the check.


class VenueKind(models.TextChoices):
    ROOM = "room", _("room (活动室)")
    COURT = "court", _("court (球场)")
    FIELD = "field", _("field (场地)")


class VenueBookingStatus(models.TextChoices):
    """Pending and approved bookings hold their time; cancelled and rejected ones hold nothing."""

    PENDING = "pending", _("awaiting approval (待审核)")
    APPROVED = "approved", _("booked (已预约)")
    CANCELLED = "cancelled", _("cancelled (已取消)")
    REJECTED = "rejected", _("rejected (未通过)")


# Statuses that hold the venue's time (the exclusion constraint covers exactly these).
VENUE_ACTIVE = (VenueBookingStatus.PENDING, VenueBookingStatus.APPROVED)


class Venue(AreaOwned, TimeStampedModel):
    """A bookable room, court or field of a facility, with its booking rules."""

    area_code_source = "facility"

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="venues", verbose_name=_("facility"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=VenueKind.choices, default=VenueKind.ROOM)
    capacity = models.PositiveIntegerField(_("capacity (persons)"), null=True, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=30, help_text=_("bookings start and end on slot boundaries")
    )
    min_duration_minutes = models.PositiveSmallIntegerField(_("shortest booking (minutes)"), default=30)
    max_duration_minutes = models.PositiveSmallIntegerField(_("longest booking (minutes)"), default=240)
    max_days_ahead = models.PositiveSmallIntegerField(_("bookable days ahead"), default=14)
    max_active_bookings_per_person = models.PositiveSmallIntegerField(
        _("upcoming bookings per person"), null=True, blank=True, help_text=_("empty: no limit")
    )
    needs_approval = models.BooleanField(_("needs staff approval"), default=False)
    active = models.BooleanField(_("bookable"), default=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("venue (场馆)")
        verbose_name_plural = _("venues")
        ordering = ["facility_id", "name", "id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=5) & models.Q(slot_minutes__lte=1440), name="venue_slot_minutes"
            ),
            models.CheckConstraint(
                condition=models.Q(min_duration_minutes__gte=models.F("slot_minutes")), name="venue_min_duration"
            ),
            models.CheckConstraint(
                condition=models.Q(max_duration_minutes__gte=models.F("min_duration_minutes")),
                name="venue_max_duration",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VenueBooking(AreaOwned, TimeStampedModel):
    """A booking of a venue from `starts_at` to `ends_at` (half-open: one may end when the next starts);
    the bookings of a weekly series share a `series_id`."""

    area_code_source = "venue"

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("venue"))
    booker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="venue_bookings")
    group_name = models.CharField(_("group"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=16, choices=VenueBookingStatus.choices)
    series_id = models.UUIDField(_("series"), null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("venue booking (场馆预约)")
        verbose_name_plural = _("venue bookings")
        ordering = ["starts_at", "id"]
        constraints = [
            *AreaOwned.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="venue_booking_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["venue", "starts_at"]), models.Index(fields=["booker", "status"])]

    def __str__(self) -> str:
        return f"{self.venue_id} {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%H:%M} {self.status}"


# Kiosk devices ---------------------------------------------------------------------------------------


class KioskToken(AreaOwned, TimeStampedModel):
    """A link that turns one device (a tablet at the centre's door) into the check-in kiosk of one
    facility, without a staff login on it. Only the SHA-256 of the secret is stored; the link is shown
    once. The device may do nothing but check in codes for that facility, until the token expires or is
    revoked."""

    area_code_source = "facility"

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="kiosk_tokens", verbose_name=_("facility")
    )
    name = models.CharField(_("device"), max_length=64)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    # Wrong codes typed on the device since `failed_since`: too many in a short time pause it (guessing).
    failed_codes = models.PositiveIntegerField(default=0)
    failed_since = models.DateTimeField(null=True, blank=True)

    class Meta(AreaOwned.Meta):
        verbose_name = _("kiosk link (签到终端)")
        verbose_name_plural = _("kiosk links")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
