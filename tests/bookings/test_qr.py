"""The check-in code as a QR image: an inline SVG drawn on the server, of the size the payload needs, shown
on "my registrations" to the owner only."""

from __future__ import annotations

import re

import pytest

from linli.bookings import codes, qr, registrations
from tests.conftest import login


def _modules(svg: str) -> int:
    """The symbol's width in modules, read back from the SVG's viewBox (quiet zone and scale removed)."""
    found = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert found and found.group(1) == found.group(2)
    return int(found.group(1)) // qr.SCALE - 2 * qr.BORDER


def test_svg_is_inline_and_sized_for_the_payload():
    code = "ABCD-EFGH-JKLM"
    svg = str(qr.qr_svg(code))
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "<?xml" not in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
    assert f"<title>{code}</title>" in svg and 'role="img"' in svg
    # 14 alphanumeric characters: version 1, 21 x 21 modules, error correction raised to Q.
    symbol = qr.qr_make(code)
    assert (symbol.version, symbol.mode, symbol.error) == (1, "alphanumeric", "Q")
    assert _modules(svg) == 21 == 17 + 4 * symbol.version
    assert 'data-modules="21"' in svg
    # A longer payload needs a larger symbol, and the SVG grows with it.
    long = str(qr.qr_svg("X" * 100))
    assert _modules(long) == 17 + 4 * qr.qr_make("X" * 100).version > 21


def test_every_real_code_fits_version_1():
    for n in range(50):
        code = codes.full_code(f"{n:032x}")
        assert qr.qr_make(code).version == 1 and _modules(str(qr.checkin_qr(f"{n:032x}"))) == 21


def test_title_is_escaped_and_no_nonce_no_image():
    assert "<title>a&lt;b&amp;c</title>" in str(qr.qr_svg("ABC", label="a<b&c"))
    assert str(qr.checkin_qr("")) == ""


@pytest.fixture
def registered(make_session, make_resident):
    resident = make_resident()
    registration = registrations.registration_create(actor=resident, session_id=make_session().pk)
    return resident, registration


def test_my_registrations_shows_the_qr_to_the_owner(client, registered):
    resident, registration = registered
    page = login(client, resident).get("/activities/mine/").content.decode()
    code = codes.full_code(registration.code_nonce)
    assert 'data-testid="checkin-qr"' in page and "<title>" in page and code in page
    assert page.count("<svg") == 1 and 'data-modules="21"' in page


def test_others_do_not_see_the_qr(client, registered, make_resident):
    _resident, registration = registered
    page = login(client, make_resident()).get("/activities/mine/").content.decode()
    assert 'data-testid="checkin-qr"' not in page and "<svg" not in page
    assert codes.full_code(registration.code_nonce) not in page
    client.logout()
    assert client.get("/activities/mine/").status_code == 302  # to the login page
