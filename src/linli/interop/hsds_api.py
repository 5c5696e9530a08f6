"""HSDS 3.0 API (Open Referral): the directory of services, organizations and locations, read-only."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["HSDS 3.0"], auth=None)
