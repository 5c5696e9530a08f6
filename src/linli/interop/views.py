"""The data-exchange page: download the registry as Excel, GeoJSON or GeoPackage, upload it back."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import ApplicationError
from linli.core.permissions import Perm, has_perm, require
from linli.core.tabular import XLSX, check_size
from linli.interop.registry_io import GEOJSON, GPKG
from linli.interop.services import catalog_export, facilities_export, registry_import_start

CONTENT_TYPES = {"xlsx": XLSX, "geojson": GEOJSON, "gpkg": GPKG}


def _page(request: HttpRequest, error: ApplicationError | None = None) -> HttpResponse:
    context = {
        "error": error,
        "can_import": has_perm(request.user, Perm.FACILITY_CHANGE) or has_perm(request.user, Perm.CATALOG_CHANGE),
        "can_import_catalog": has_perm(request.user, Perm.CATALOG_CHANGE),
    }
    return render(request, "interop/data_exchange.html", context, status=400 if error else 200)


def _download(content: bytes, content_type: str, stem: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    filename = f"linli-{stem}-{timezone.localdate():%Y%m%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def data_exchange(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_VIEW)
    return _page(request)


@login_required
@require_POST
def data_import(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AREA_VIEW)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ApplicationError("missing_file", _("Choose a file to upload."), {"field": "file"})
        check_size(upload.size or 0)
        job = registry_import_start(actor=request.user, name=upload.name or "upload", content=upload.read())
    except ApplicationError as exc:
        if exc.status != 400:
            raise
        return _page(request, exc)
    return redirect("job-detail", job_id=job.pk)


@login_required
def export_facilities(request: HttpRequest, fmt: str) -> HttpResponse:
    return _download(facilities_export(actor=request.user, fmt=fmt), CONTENT_TYPES[fmt], "facilities", fmt)


@login_required
def export_catalog(request: HttpRequest) -> HttpResponse:
    return _download(catalog_export(actor=request.user), XLSX, "catalog", "xlsx")
