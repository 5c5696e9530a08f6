"""Names typed by users reach map labels as text, never as markup (stored XSS through Leaflet tooltips).

A facility and a community are renamed to an HTML payload whose `onerror` would set `window.__xss`. Every
Leaflet map on the facility page (anonymous), services near me (anonymous) and the area page (district
staff) gets every tooltip opened; the payload must show as literal text, no element may be created from
it, and the script must never run. The page also answers with the Content-Security-Policy that forbids
inline script, so the browser reports any attempt as a violation."""

from __future__ import annotations

import pytest

from linli.areas.models import Area
from linli.facilities.models import Facility, FacilityType
from tests.conftest import make_user
from tests.e2e.conftest import log_in, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = '<img src=x onerror="window.__xss=1">'

# Test instrumentation only: keep a handle on every Leaflet map the page makes, so that the test can open
# every tooltip bound to any layer instead of hunting for markers by pixel.
TRACK_MAPS = """
(() => {
  let real;
  Object.defineProperty(window, "L", {
    configurable: true,
    get() { return real; },
    set(value) {
      real = value;
      value.Map.addInitHook(function () { (window.__maps = window.__maps || []).push(this); });
    },
  });
  document.addEventListener("securitypolicyviolation", (e) => {
    (window.__violations = window.__violations || []).push(e.violatedDirective);
  });
})();
"""

OPEN_ALL_TOOLTIPS = """
() => {
  let opened = 0;
  (window.__maps || []).forEach((map) => {
    map.eachLayer((layer) => {
      if (layer.getTooltip && layer.getTooltip()) {
        const at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
        layer.openTooltip(at);
        opened++;
      }
    });
  });
  return opened;
}
"""


def _tooltips(page) -> list[dict]:  # type: ignore[no-untyped-def]
    wait_until(page, "(window.__maps || []).length > 0")
    assert page.evaluate(OPEN_ALL_TOOLTIPS) > 0
    return page.evaluate(
        "() => [...document.querySelectorAll('.leaflet-tooltip')].map(t => ({text: t.textContent,"
        " elements: t.querySelectorAll('img, script, svg, iframe').length}))"
    )


def _assert_inert(page) -> None:  # type: ignore[no-untyped-def]
    tips = _tooltips(page)
    hits = [t for t in tips if PAYLOAD in t["text"]]
    assert hits, f"the payload is shown as text in a tooltip: {tips}"
    assert all(t["elements"] == 0 for t in tips), tips
    page.wait_for_timeout(300)  # an <img src=x> fails at once; give its onerror the chance to run
    assert page.evaluate("window.__xss") is None


def test_user_typed_names_are_text_on_every_map(browser, live_server, area_tree):
    community = Area.objects.get(code="990102001001")
    community.name = PAYLOAD
    community.save()
    centre = FacilityType.objects.create(
        code="nc-community", name="社区级邻里中心", family="neighbourhood_centre", tier="社区级",
        domains=["culture", "elderly"], service_radius_m=500,
    )  # fmt: skip
    Facility.objects.create(
        code="F990102001001-01", name=PAYLOAD, facility_type=centre, area_id=community.pk,
        area_code="990102001001", lon=120.005, lat=30.005,
    )  # fmt: skip
    make_user("district", "district_admin", scope="990102")

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_init_script(TRACK_MAPS)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.base_url = live_server.url

        answer = page.goto(live_server.url + "/facilities/F990102001001-01/")
        assert answer is not None
        policy = answer.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        _assert_inert(page)

        page.goto(live_server.url + "/services/?area=990102001001&radius=2000")
        _assert_inert(page)

        log_in(page, "district", "pw-district")
        page.goto(live_server.url + "/areas/990102001000/")
        _assert_inert(page)
        assert page.evaluate("window.__violations || []") == []
    finally:
        context.close()
