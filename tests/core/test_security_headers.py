"""Every answer carries the Content-Security-Policy and Permissions-Policy; the API docs page loads its
scripts from linli itself, never from a CDN."""

from __future__ import annotations

import re

import pytest

from linli.config.headers import content_security_policy


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/services/", "/login/", "/api/docs", "/api/openapi.json"])
def test_headers_on_pages_and_api(client, path):
    answer = client.get(path)
    assert answer.status_code == 200
    policy = _directives(answer.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other host
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    permissions = answer.headers["Permissions-Policy"]
    assert "camera=(self)" in permissions and "microphone=()" in permissions


@pytest.mark.django_db
def test_api_docs_use_no_cdn(client):
    page = client.get("/api/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui-bundle.js" in s for s in sources)
    assert all(s.startswith("/") for s in sources), sources


def test_tile_server_is_the_only_other_image_source():
    assert "img-src 'self' data: blob:;" in content_security_policy("")
    policy = _directives(content_security_policy("https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png"))
    assert policy["img-src"][-1] == "https://*.tiles.example.gov.cn"
    assert policy["script-src"] == ["'self'"]
