"""OCDS 1.1.5 (Open Contracting Data Standard): every purchase project as releases (planning, tender per
tender, award, contract with its implementation) and a compiled record; packages with the extensions they
use (metrics for targets and KPI observations, bids, lots, organisation classification). Sealed bids are
left out until the tender's deadline. The guidance catalogue code goes into `items.classification` under
linli's own scheme `LINLI-GUIDANCE`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ApplicationError
from linli.facilities.models import Operator
from linli.procurement.enums import Metric, PaymentStatus, TenderStatus
from linli.procurement.models import Bid, Contract, KpiObservation, Project, Tender

OCID_PREFIX = "ocds-linli0"
VERSION = "1.1"
SCHEME = "LINLI-GUIDANCE"
_EXT = "https://raw.githubusercontent.com/open-contracting-extensions/{name}/{commit}/extension.json"
EXTENSIONS = [
    _EXT.format(name="ocds_metrics_extension", commit="fad91df868907e339e5b3b4af5c334e02b80fa4f"),
    _EXT.format(name="ocds_bid_extension", commit="d62ff4b0ba393d823ca8113a9039b12edf7acb8f"),
    _EXT.format(name="ocds_lots_extension", commit="8d3b52eb26ce0f1a015c91b665c120b17ef619a0"),
    _EXT.format(name="ocds_organizationClassification_extension", commit="243be1f7daed9d4423f218d9a7fb364ab70c57b9"),
]
TENDER_STATUS = {
    TenderStatus.OPEN: "active",
    TenderStatus.EVALUATING: "active",
    TenderStatus.AWARDED: "complete",
    TenderStatus.FAILED: "unsuccessful",
}


def _iso(moment: dt.datetime | dt.date) -> str:
    if isinstance(moment, dt.datetime):
        return timezone.localtime(moment).isoformat(timespec="seconds")
    return dt.datetime.combine(moment, dt.time(), tzinfo=timezone.get_current_timezone()).isoformat()


def _money(amount: Decimal) -> dict[str, Any]:
    return {"amount": float(amount), "currency": "CNY"}


def ocid(project: Project) -> str:
    return f"{OCID_PREFIX}-{project.pk}"


def _buyer(project: Project) -> dict[str, Any]:
    return {"id": f"buyer-{project.area_code[:6]}", "name": _("District civil affairs (区民政局)")}


def _party(operator: Operator, roles: list[str]) -> dict[str, Any]:
    party: dict[str, Any] = {
        "id": f"op-{operator.pk}",
        "name": operator.name,
        "roles": roles,
        "details": {
            "classifications": [
                {"scheme": "LINLI-OPERATOR-KIND", "id": operator.kind, "description": operator.get_kind_display()}
            ]
        },
    }
    if operator.credit_code:
        party["identifier"] = {"scheme": "CN-USCC", "id": operator.credit_code, "legalName": operator.name}
    return party


def _metric(metric: str, title: str, observations: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": metric, "title": title}
    if observations:
        out["observations"] = observations
    return out


def _targets(project: Project) -> list[dict[str, Any]]:
    return [
        _metric(
            t.metric,
            str(Metric(t.metric).label),
            [
                {"id": f"{t.metric}-baseline", "measure": float(t.baseline), "notes": "baseline"},
                {"id": f"{t.metric}-target", "measure": float(t.target), "notes": "target"},
            ],
        )
        for t in project.targets.all()
    ]


def _items(project: Project) -> list[dict[str, Any]]:
    item: dict[str, Any] = {"id": "1", "description": project.title}
    if project.guidance is not None:
        item["classification"] = {"scheme": SCHEME, "id": project.guidance.code, "description": project.guidance.name}
    return [item]


def project_releases(project: Project, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The releases of one project, oldest first."""
    now = now or timezone.now()
    buyer = _buyer(project)
    targets = _targets(project)
    base = {"ocid": ocid(project), "initiationType": "tender", "language": "zh", "buyer": buyer}
    releases = [
        {
            **base,
            "id": f"{ocid(project)}-planning",
            "date": _iso(project.created_at),
            "tag": ["planning"],
            "parties": [{**buyer, "roles": ["buyer", "procuringEntity"]}],
            "planning": {
                "rationale": project.description or project.title,
                "budget": {"amount": _money(project.budget), "description": project.title},
            },
            "tender": {"id": f"{project.pk}", "title": project.title, "status": "planning", "items": _items(project)},
        }
    ]
    tenders = list(Tender.objects.filter(project=project).prefetch_related("lots").order_by("opens_at", "id"))
    for tender in tenders:
        opened = now >= tender.closes_at
        bids = list(Bid.objects.filter(lot__tender=tender).select_related("operator", "lot")) if opened else []
        parties = [{**buyer, "roles": ["buyer", "procuringEntity"]}]
        parties += [_party(op, ["tenderer"]) for op in {b.operator for b in bids}]
        body: dict[str, Any] = {
            "id": f"{project.pk}-{tender.pk}",
            "title": project.title,
            "description": tender.notice[:1000],
            "status": TENDER_STATUS[TenderStatus(tender.status)],
            "procurementMethod": "open",
            "mainProcurementCategory": "services",
            "items": _items(project),
            "value": _money(sum((lot.budget for lot in tender.lots.all()), Decimal(0))),
            "tenderPeriod": {"startDate": _iso(tender.opens_at), "endDate": _iso(tender.closes_at)},
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": f"technical {tender.weight_technical}%, price {tender.weight_price}%, "
            f"credit {tender.weight_credit}%",
            "lots": [
                {"id": str(lot.number), "title": lot.title, "value": _money(lot.budget), "status": "active"}
                for lot in tender.lots.all()
            ],
        }
        if targets:
            body["targets"] = targets
        release: dict[str, Any] = {
            **base,
            "id": f"{ocid(project)}-tender-{tender.pk}",
            "date": _iso(tender.created_at),
            "tag": ["tender"],
            "parties": parties,
            "tender": body,
        }
        if opened:
            body["numberOfTenderers"] = len({b.operator_id for b in bids})
            release["date"] = _iso(max(tender.closes_at, tender.created_at))
            release["tag"] = ["tenderUpdate"] if tender.status != TenderStatus.FAILED else ["tenderCancellation"]
            if bids:
                release["bids"] = {
                    "details": [
                        {
                            "id": str(b.pk),
                            "date": _iso(b.submitted_at),
                            "status": "valid",
                            "tenderers": [{"id": f"op-{b.operator_id}", "name": b.operator.name}],
                            "value": _money(b.price),
                            "relatedLots": [str(b.lot.number)],
                        }
                        for b in bids
                    ]
                }
        releases.append(release)
        if tender.status == TenderStatus.AWARDED and tender.awarded_at:
            awards = []
            suppliers = []
            for lot in tender.lots.select_related("winner__operator"):
                if lot.winner is None:
                    continue
                suppliers.append(_party(lot.winner.operator, ["supplier", "tenderer"]))
                awards.append(
                    {
                        "id": f"{tender.pk}-{lot.number}",
                        "status": "active",
                        "date": _iso(tender.awarded_at),
                        "value": _money(lot.winner.price),
                        "suppliers": [{"id": f"op-{lot.winner.operator_id}", "name": lot.winner.operator.name}],
                        "relatedLots": [str(lot.number)],
                        "relatedBids": [str(lot.winner.pk)],
                    }
                )
            releases.append(
                {
                    **base,
                    "id": f"{ocid(project)}-award-{tender.pk}",
                    "date": _iso(tender.awarded_at),
                    "tag": ["award"],
                    "parties": [{**buyer, "roles": ["buyer", "procuringEntity"]}, *suppliers],
                    "awards": awards,
                }
            )
    for contract in Contract.objects.filter(project=project).select_related("lot__tender", "operator", "project"):
        releases.append(contract_release(contract, base, targets))
    return releases


def contract_release(contract: Contract, base: dict[str, Any], targets: list[dict[str, Any]]) -> dict[str, Any]:
    observations: dict[str, list[dict[str, Any]]] = {}
    for o in KpiObservation.objects.filter(contract=contract).select_related("target").order_by("month"):
        start, _end = o.month, (o.month + dt.timedelta(days=32)).replace(day=1)
        entry: dict[str, Any] = {
            "id": f"{o.target.metric}-{o.month:%Y-%m}",
            "period": {"startDate": _iso(start), "endDate": _iso(_end - dt.timedelta(days=1))},
            "notes": f"attainment {o.attainment}",
        }
        if o.value is not None:
            entry["measure"] = float(o.value)
        observations.setdefault(o.target.metric, []).append(entry)
    metrics = [_metric(k, str(Metric(k).label), v) for k, v in observations.items()]
    transactions = [
        {
            "id": str(p.pk),
            "date": _iso(p.paid_at) if p.paid_at else None,
            "value": _money(p.amount),
            "payer": {"id": base["buyer"]["id"], "name": base["buyer"]["name"]},
            "payee": {"id": f"op-{contract.operator_id}", "name": contract.operator.name},
        }
        for p in contract.payments.filter(status=PaymentStatus.PAID).order_by("paid_at")
    ]
    implementation: dict[str, Any] = {}
    if metrics:
        implementation["metrics"] = metrics
    if transactions:
        implementation["transactions"] = transactions
    body: dict[str, Any] = {
        "id": contract.number,
        "awardID": f"{contract.lot.tender_id}-{contract.lot.number}",
        "title": contract.project.title,
        "status": "active" if contract.ends_on >= timezone.localdate() else "terminated",
        "value": _money(contract.amount),
        "period": {"startDate": _iso(contract.starts_on), "endDate": _iso(contract.ends_on)},
        "dateSigned": _iso(contract.signed_at),
        "relatedBids": [str(contract.lot.winner_id)] if contract.lot.winner_id else [],
    }
    if targets:
        body["agreedMetrics"] = targets
    if implementation:
        body["implementation"] = implementation
    return {
        **base,
        "id": f"{base['ocid']}-contract-{contract.pk}",
        "date": _iso(contract.signed_at),
        "tag": ["contract", "implementation"] if implementation else ["contract"],
        "parties": [
            {**base["buyer"], "roles": ["buyer", "procuringEntity"]},
            _party(contract.operator, ["supplier"]),
        ],
        "contracts": [body],
    }


def _merge(into: Any, value: Any) -> Any:
    """OCDS merging, simplified: objects merge key by key, arrays of objects with ids merge by id, anything
    else is replaced by the newer value."""
    if isinstance(into, dict) and isinstance(value, dict):
        out = dict(into)
        for k, v in value.items():
            out[k] = _merge(into.get(k), v) if k in into else v
        return out
    if (
        isinstance(into, list)
        and isinstance(value, list)
        and all(isinstance(x, dict) and "id" in x for x in into + value)
    ):
        by_id = {x["id"]: x for x in into}
        for x in value:
            by_id[x["id"]] = _merge(by_id[x["id"]], x) if x["id"] in by_id else x
        return list(by_id.values())
    return value


def project_record(project: Project) -> dict[str, Any]:
    releases = project_releases(project)
    releases.sort(key=lambda r: r["date"])
    compiled: dict[str, Any] = {}
    for r in releases:
        compiled = _merge(compiled, {k: v for k, v in r.items() if k != "tag"})
    compiled["id"] = f"{ocid(project)}-compiled"
    compiled["tag"] = ["compiled"]
    compiled["date"] = releases[-1]["date"]
    return {"ocid": ocid(project), "releases": releases, "compiledRelease": compiled}


def _package_head(uri: str) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": EXTENSIONS,
        "publishedDate": _iso(timezone.now()),
        "publisher": {"name": getattr(settings, "LINLI_PUBLISHER", "linli")},
        "license": "https://creativecommons.org/licenses/by/4.0/",
    }


def release_package(projects: list[Project], uri: str) -> dict[str, Any]:
    if not projects:
        raise ApplicationError("no_projects", _("There is no purchase project to publish."), {"field": "projects"})
    releases = [r for p in projects for r in project_releases(p)]
    return {**_package_head(uri), "releases": releases}


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value))


def stream_package(out: IO[str], uri: str, projects: Iterator[Project]) -> int:
    """Write a release package of every project to `out`, one project at a time (constant memory).
    Returns the number of releases; refuses (nothing written) when there is no project."""
    first = next(projects, None)
    if first is None:
        raise ApplicationError("no_projects", _("There is no purchase project to publish."), {"field": "projects"})
    head = json.dumps(_package_head(uri), ensure_ascii=False)
    out.write(head[:-1] + ', "releases": [')
    n = 0
    project: Project | None = first
    while project is not None:
        for release in project_releases(project):
            out.write(("," if n else "") + "\n" + json.dumps(release, ensure_ascii=False, default=_default))
            n += 1
        project = next(projects, None)
    out.write("\n]}\n")
    return n


def all_projects() -> Iterator[Project]:
    return Project.objects.select_related("guidance").order_by("pk").iterator(chunk_size=200)
