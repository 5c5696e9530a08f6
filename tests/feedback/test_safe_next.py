"""Supporting a need goes back to `next` only when it is a page of this site."""

from __future__ import annotations

import pytest

from linli.feedback import services
from tests.conftest import login


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://evil.example/", "/feedback/"),
        ("//evil.example/", "/feedback/"),
        ("/feedback/?page=2", "/feedback/?page=2"),
    ],
)
def test_support_next(client, users, area_tree, neighbours, target, expected):
    need = services.need_propose(actor=users["resident"], title="增设老年食堂", domain="elderly", description="")
    login(client, neighbours["east_1"])
    response = client.post(f"/feedback/needs/{need.pk}/support/", {"next": target})
    assert response.status_code == 302 and response["Location"] == expected
