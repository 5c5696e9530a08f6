"""Every page, as every role, in Chinese: no untranslated English.

The pages come from the URL resolver (so pages added later are crawled too); a page whose URL takes an
argument gets one from the demo district (`ARGUMENTS`). A page with no argument available is skipped and
listed loudly; the apps being built now (organizations, points, procurement, construction, indicators)
may be skipped that way until their demo data exist, any other app may not.

What fails: an ASCII word of three letters or more in the visible text that is not in the allow-list of
proper names, units and codes (`ALLOWED`), nor a code (it has digits, '-', '_' or '.'), nor inside
<code>, <script>, <style> or an element marked lang="en" (the English language button)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from linli.core.models import User

pytestmark = pytest.mark.django_db

# Proper names (products, standards, formats), units and the demo's user names shown as who is signed in.
ALLOWED = {
    "linli", "api", "excel", "geojson", "geopackage", "csv", "xlsx", "ics", "icalendar", "wgs", "gcj", "osm",
    "openstreetmap", "leaflet", "echarts", "swagger", "openapi", "hsds", "open311", "ocds", "pdf", "png",
    "qr", "url", "wifi", "wi-fi", "gis", "gb", "gb/t", "km", "min", "iso", "utc", "http", "https", "www",
    "html", "json", "id", "ios", "android", "chrome", "chromium", "firefox", "safari", "edge", "wechat",
    "admin", "district", "town", "community", "resident", "operator", "leader", "evaluator", "auditor",
    "english",  # the language switch names the language in its own tongue
    "gps", "featurecollection", "polygon", "multipolygon", "tiles",
    "word", "docx",  # the report is a Word document (.docx)
}  # fmt: skip
# Pages other engineers are rewriting now, not read by the crawl until they land (listed as skipped):
# the audit log prints raw object types and fields (core, bookings, phone...) - core/audit.html.
BEING_REWRITTEN = {"audit"}
WORD = re.compile(r"(?<![\w./:@#-])[A-Za-z][A-Za-z']{2,}(?![\w/:@#-])")
SKIP_TAGS = {"script", "style", "code", "noscript", "template", "svg"}
# Pages that are not pages (downloads, POST-only actions, the language switch).
NOT_PAGES = {
    "logout", "set_language", "demo-start", "area-template", "export-facilities-xlsx",
    "export-facilities-geojson", "export-facilities-gpkg", "export-catalog-xlsx", "run-export-xlsx",
    "run-export-geojson", "calendar-facility", "calendar-area", "booking-kiosk-open", "booking-kiosk-revoke",
}  # fmt: skip
NEW_APPS = ("linli.organizations", "linli.points", "linli.procurement", "linli.construction", "linli.indicators")
ROLES = (
    "anonymous", "admin", "district", "town", "community", "resident", "operator", "leader", "evaluator", "auditor",
)  # fmt: skip


class _Text(HTMLParser):
    """The visible text of a page, without code, scripts, styles and English-marked elements."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag not in self.VOID:
            hidden = tag in SKIP_TAGS or (values.get("lang") or "").startswith("en")
            self.stack.append((tag, hidden or any(h for _t, h in self.stack[-1:])))
        if self.hidden:
            return
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self._add(str(values["value"]))
        for name in ("placeholder", "title", "aria-label", "alt"):
            if values.get(name):
                self._add(str(values[name]))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    @property
    def hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self._add(data)

    def _add(self, text: str) -> None:
        if text.strip():
            self.parts.append(text.strip())


def english_words(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    found = []
    for part in parser.parts:
        for word in WORD.findall(part):
            if word.lower() not in ALLOWED:
                found.append(word)
    return found


def patterns() -> Iterator[tuple[str, URLPattern]]:
    def walk(items: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
        for item in items:
            if isinstance(item, URLResolver):
                if str(item.pattern).startswith(("admin/", "api/")):
                    continue
                inner = f"{namespace}{item.namespace}:" if item.namespace else namespace
                yield from walk(item.url_patterns, inner)
            elif isinstance(item, URLPattern) and item.name:
                yield f"{namespace}{item.name}", item

    yield from walk(get_resolver().url_patterns)


def _first(model: Any, **filters: Any) -> Any:
    return model.objects.filter(**filters).order_by("pk").first()


def arguments() -> dict[str, Callable[[], dict[str, Any] | None]]:
    """URL name -> a function giving its arguments from the demo district (None: nothing to show)."""
    from linli.bookings.models import Registration, Session, Venue, VenueBooking
    from linli.cases.models import ServiceRequest
    from linli.catalog.models import ServiceItem
    from linli.facilities.models import Facility, FacilityType, Operator
    from linli.feedback.models import Need, Survey
    from linli.jobs.models import Job
    from linli.planning.models import PlanningRun, Scenario

    community = "990102001001"

    def facility() -> dict[str, Any] | None:
        found = _first(Facility, area_code__startswith=community) or _first(Facility)
        return {"code": found.code} if found else None

    def by_pk(model: Any, name: str, **filters: Any) -> Callable[[], dict[str, Any] | None]:
        def get() -> dict[str, Any] | None:
            found = _first(model, **filters) or _first(model)
            return {name: found.pk} if found else None

        return get

    def venue_facility() -> dict[str, Any] | None:
        venue = _first(Venue)
        return {"facility_code": venue.facility.code} if venue else None

    def facility_code() -> dict[str, Any] | None:
        found = facility()
        return {"facility_code": found["code"]} if found else None

    return {
        "area-detail": lambda: {"code": community},
        "job-detail": lambda: {"job_id": j.pk} if (j := _first(Job)) else None,
        "job-progress": lambda: {"job_id": j.pk} if (j := _first(Job)) else None,
        "operator-edit": by_pk(Operator, "pk"),
        "facility-edit": facility,
        "facility-hours": facility,
        "facility-detail": facility,
        "facility-offerings": facility,
        "catalog-item-edit": lambda: {"code": i.code} if (i := _first(ServiceItem)) else None,
        "facility-type-edit": lambda: {"code": t.code} if (t := _first(FacilityType)) else None,
        "siting-run": by_pk(PlanningRun, "run_id", kind="siting"),
        "run-detail": by_pk(PlanningRun, "pk", kind="coverage"),
        "scenario-detail": by_pk(Scenario, "pk"),
        "scenario-run": by_pk(Scenario, "pk"),
        "booking-kiosk-links": facility_code,
        "booking-kiosk": facility_code,
        "booking-session": by_pk(Session, "session_id", area_code__startswith=community),
        "booking-register": by_pk(Session, "session_id", area_code__startswith=community),
        "booking-session-move": by_pk(Session, "session_id", area_code__startswith=community),
        "booking-session-add": by_pk(Session, "session_id", area_code__startswith=community),
        "booking-cancel": by_pk(Registration, "registration_id", resident__username="resident"),
        "venue-book": by_pk(Venue, "venue_id", area_code__startswith=community),
        "venue-cancel": by_pk(VenueBooking, "booking_id", booker__username="resident"),
        "venue-decide": by_pk(VenueBooking, "booking_id", area_code__startswith=community),
        "venue-edit": by_pk(Venue, "venue_id", area_code__startswith=community),
        "venue-list": venue_facility,
        "request-detail": by_pk(ServiceRequest, "pk", resident__username="resident"),
        "feedback-need": by_pk(Need, "need_id", area_code__startswith=community),
        "feedback-need-support": by_pk(Need, "need_id", area_code__startswith=community),
        "feedback-need-status": by_pk(Need, "need_id", area_code__startswith=community),
        "feedback-survey": by_pk(Survey, "survey_id", area_code__startswith=community),
        "feedback-survey-results": by_pk(Survey, "survey_id", area_code__startswith=community),
    }


def page_urls() -> tuple[list[tuple[str, str]], list[str]]:
    """(name, url) of every page, and the pages skipped for want of an argument."""
    found = arguments()
    urls, skipped = [], []
    for name, pattern in patterns():
        if name in NOT_PAGES:
            continue
        if name in BEING_REWRITTEN:
            skipped.append(f"{name} (being rewritten elsewhere)")
            continue
        if not pattern.pattern.converters:
            urls.append((name, reverse(name)))
            continue
        kwargs = found[name]() if name in found else None
        if kwargs is None:
            skipped.append(f"{name} ({pattern.callback.__module__})")
            continue
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls, skipped


def crawl(roles: tuple[str, ...] = ROLES) -> tuple[dict[str, list[str]], int]:
    """Visit every page as every role; returns {"role url": [english words]} and the pages read."""
    urls, _skipped = page_urls()
    problems: dict[str, list[str]] = {}
    visited = 0
    for role in roles:
        client = Client()
        if role != "anonymous":
            client.force_login(User.objects.get(username=role))
        for _name, url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                problems[f"{role} {url}"] = [f"HTTP {response.status_code}"]
                continue
            if "text/html" not in response.get("Content-Type", "") or response.status_code in (301, 302, 405):
                continue
            visited += 1
            words = set(english_words(response.content.decode()))
            if words:
                problems[f"{role} {url}"] = sorted(set(words))
    return problems, visited


def planning_examples() -> None:
    """A scenario with its coverage run and a siting run, as the district planner makes them."""
    from linli.jobs.services import job_run
    from linli.planning.services import coverage_run_start, scenario_create
    from linli.planning.siting import siting_run_start

    planner = User.objects.get(username="district")
    scenario = scenario_create(
        actor=planner,
        name="东湖街道养老设施",
        area_code="990102001000",
        rules=[{"type": "day-care", "circle": "15min"}, {"type": "kindergarten", "circle": "5min"}],
    )
    run = coverage_run_start(actor=planner, scenario=scenario, enqueue=False)
    job_run(job_id=str(run.job_id))
    siting = siting_run_start(
        actor=planner, area_code="990102001000", facility_type_code="day-care", objective="mclp", k=2,
        candidates="generated", time_limit_s=10,
    )  # fmt: skip
    job_run(job_id=str(siting.job_id))


@pytest.fixture(scope="module")
def demo_district(django_db_setup, django_db_blocker):
    """The demo district with a planning scenario and runs, loaded once for the crawl and removed
    afterwards."""
    from django.core.management import call_command

    from linli.demo.services import demo_load

    with django_db_blocker.unblock():
        demo_load()
        planning_examples()
        yield
        call_command("flush", interactive=False, verbosity=0)


def test_the_text_finder_sees_only_visible_untranslated_words():
    html = (
        '<p>找到 20 处 Nearby services</p><code>nc-community</code><script>var x = "hidden";</script>'
        '<button lang="en">English</button><p>F990102001001-01 · GB 50180-2018 · 1000 m</p>'
        '<input type="submit" value="Confirm"><input placeholder="Search here">'
    )
    assert english_words(html) == ["Nearby", "services", "Confirm", "Search", "here"]


def test_every_page_as_every_role_is_chinese(demo_district):
    urls, skipped = page_urls()
    outside_new_apps = [
        s for s in skipped if not any(app in s for app in NEW_APPS) and not s.startswith(tuple(BEING_REWRITTEN))
    ]
    if skipped:
        warnings.warn(f"pages skipped, no demo data to show them: {', '.join(skipped)}", stacklevel=1)
        print("\nSKIPPED (no argument from the demo):", *skipped, sep="\n  ")
    assert outside_new_apps == [], "give these pages an argument in ARGUMENTS"
    problems, visited = crawl()
    assert visited > len(urls)  # every role read pages, not only redirects
    assert problems == {}, "\n".join(f"{page}: {', '.join(words)}" for page, words in sorted(problems.items()))
