"""Checks of registry values that come from Chinese national standards."""

from __future__ import annotations

import math

from django.utils.translation import gettext_noop
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

# GB 32100-2015: the 18-character unified social credit code (统一社会信用代码), checked by python-stdnum
# (`stdnum.cn.uscc`): digits 1-8 (registering authority, entity type, region), then letters or digits of the
# code's alphabet (no I, O, Z, S, V), the 18th a check character.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code_check_char(first17: str) -> str:
    """The check character that completes the 17 characters `first17`."""
    return str(uscc.calc_check_digit(first17))


def credit_code_problem(code: str) -> str | None:
    """None when `code` is a valid unified social credit code, else what is wrong (marked for translation;
    callers translate it)."""
    if len(code) != 18:
        return gettext_noop("must be 18 characters")
    if any(c not in CREDIT_ALPHABET for c in code):
        return gettext_noop("contains characters not used in credit codes (I, O, Z, S, V or lower case)")
    try:
        uscc.validate(code)
    except InvalidChecksum:
        return gettext_noop("the check character does not match")
    except ValidationError:
        return gettext_noop("the first 8 characters must be digits")
    return None


# GCJ-02 (the "Mars" offset used by Chinese map services) to WGS-84. GCJ-02 is an obfuscation of WGS-84
# published only as an algorithm; the forward transform below is the widely documented one, and the
# inverse is found by fixed-point iteration to well under a centimetre.
_A = 6378245.0
_EE = 0.00669342162296594323


def _outside_china(lon: float, lat: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _delta(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if _outside_china(lon, lat):
        return lon, lat
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Invert `wgs84_to_gcj02` by iteration (converges in a few steps to < 1e-9 degrees)."""
    if _outside_china(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _ in range(30):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        wlon, wlat = wlon - dlon, wlat - dlat
        if abs(dlon) < 1e-10 and abs(dlat) < 1e-10:
            break
    return wlon, wlat
