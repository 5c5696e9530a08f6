"""Check-in codes. A confirmed registration gets a random nonce; its codes are HMACs of the nonce with the
site's secret key, so the database holds no usable code (only hashes to look one up, and the nonce that
is worthless without the key), yet the resident's page can show the code again at any time.

- the full code, 12 characters of base32 shown as ABCD-EFGH-JKLM (for a scanner or typing);
- the short code, 6 digits, unique within its session (for the kiosk keypad and elderly residents).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def new_nonce() -> str:
    return secrets.token_hex(16)


def _mac(purpose: str, nonce: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"linli-checkin:{purpose}:{nonce}".encode(), hashlib.sha256).digest()


def full_code(nonce: str) -> str:
    raw = base64.b32encode(_mac("full", nonce)).decode()[:12]
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def short_code(nonce: str) -> str:
    return f"{int.from_bytes(_mac('short', nonce)[:8], 'big') % 1_000_000:06d}"


def normalise(code: str) -> str:
    """What a scanner or a person typed, without spaces and dashes, upper case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def is_short(code: str) -> bool:
    value = normalise(code)
    return len(value) == 6 and value.isdigit()


def full_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def short_hash(session_id: int, code: str) -> str:
    return hashlib.sha256(f"{session_id}:{normalise(code)}".encode()).hexdigest()
