"""The API docs page works with no internet and under the Content-Security-Policy: Swagger UI comes from
linli's own static files (the django-ninja package), and the operations are listed."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_api_docs_render_offline(page):
    outside: list[str] = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(page.base_url)
            else (outside.append(route.request.url), route.abort())
        ),
    )
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(page.base_url + "/api/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() > 20
    assert outside == [] and violations == []
