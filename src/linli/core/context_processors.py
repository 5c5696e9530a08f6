from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from linli.core.nav import nav_items
from linli.core.permissions import Perm, has_perm


def linli(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "tile_url": settings.LINLI_TILE_URL,
        "tile_attribution": settings.LINLI_TILE_ATTRIBUTION,
        "nav": {
            "areas": has_perm(user, Perm.AREA_VIEW),
            "facilities": has_perm(user, Perm.AREA_VIEW),
            "catalog": has_perm(user, Perm.AREA_VIEW),
            "exchange": has_perm(user, Perm.AREA_VIEW),
            "planning": has_perm(user, Perm.AREA_VIEW),
            "import": has_perm(user, Perm.AREA_CHANGE),
            "people": has_perm(user, Perm.PEOPLE_VIEW),
            "audit": has_perm(user, Perm.AUDIT_VIEW),
            "jobs": user.is_authenticated,
        },
        "nav_apps": nav_items(user),
    }
