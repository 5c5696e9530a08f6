from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrationStatus(models.TextChoices):
    """Where a registration stands. Confirmed, attended and no-show registrations hold their seats;
    waitlisted ones hold a place on the waiting list; cancelled ones hold nothing."""

    CONFIRMED = "confirmed", _("confirmed (已报名)")
    WAITLISTED = "waitlisted", _("waiting list (候补)")
    CANCELLED = "cancelled", _("cancelled (已取消)")
    ATTENDED = "attended", _("attended (已签到)")
    NO_SHOW = "no_show", _("no-show (未到场)")


# Statuses that occupy seats (counted in `Session.confirmed`).
SEATED = (RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW)
