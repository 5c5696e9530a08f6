from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    """The four kinds of account of the ledger. Issuing accounts go negative by what they issued; the others
    never go below zero (database CHECK constraints)."""

    ISSUING = "issuing", _("issuing account (发放账户)")
    RESIDENT = "resident", _("resident's account (居民账户)")
    SETTLEMENT = "settlement", _("redemption settlement account (兑换结算账户)")
    EXPIRY = "expiry", _("expiry account (过期账户)")


class TransferKind(models.TextChoices):
    EARN = "earn", _("earned (获得)")
    REDEEM = "redeem", _("redeemed (兑换)")
    EXPIRE = "expire", _("expired (过期)")
    REVERSE = "reverse", _("reversal (冲正)")
    ADJUST = "adjust", _("adjustment (调整)")


class ItemKind(models.TextChoices):
    GOODS = "goods", _("goods (商品)")
    SERVICE = "service", _("service (服务)")


class RedemptionStatus(models.TextChoices):
    ISSUED = "issued", _("to collect (待领取)")
    COLLECTED = "collected", _("collected (已领取)")
    CANCELLED = "cancelled", _("cancelled (已撤销)")


class FlagKind(models.TextChoices):
    LONG_HOURS = "long_hours", _("hours longer than the session (时长超过场次)")
    DEVICE_BURST = "device_burst", _("many check-ins from one device (同一设备集中签到)")
    CHECKIN_BURST = "checkin_burst", _("check-ins in a burst (短时间内多次签到)")
    ABOVE_NORM = "above_norm", _("earning far above the community's norm (积分远超社区常态)")
    WITHDRAWN_SPENT = "withdrawn_spent", _("hours withdrawn after their points were spent (时长被更正但积分已使用)")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("to review (待审核)")
    CLEARED = "cleared", _("cleared (已排除)")
    CONFIRMED = "confirmed", _("confirmed (已确认)")
