"""Redemption codes. A redemption gets a random nonce; its code is an HMAC of the nonce with the site's
secret key, so the database holds no usable code (only its hash, to look it up, and the nonce that is
worthless without the key), yet the resident's page can show the code again until it is collected.
The code is 10 characters of base32 shown as ABCDE-FGHJK."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings


def new_nonce() -> str:
    return secrets.token_hex(16)


def code_for(nonce: str) -> str:
    mac = hmac.new(settings.SECRET_KEY.encode(), f"linli-points:{nonce}".encode(), hashlib.sha256).digest()
    raw = base64.b32encode(mac).decode()[:10]
    return f"{raw[:5]}-{raw[5:]}"


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(f"points:{normalise(code)}".encode()).hexdigest()
