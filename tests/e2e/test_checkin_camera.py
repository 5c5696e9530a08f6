"""Staff check a resident in by scanning the QR code with the camera: Chromium's fake camera plays a video
of the resident's QR symbol (made by the same segno call the page uses), jsQR decodes it in the page, and
the form is submitted as if the code had been typed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from linli.bookings import codes, registrations
from linli.bookings.enums import RegistrationStatus
from linli.bookings.kiosk import kiosk_token_create
from linli.bookings.qr import qr_make
from linli.core.enums import Role
from tests.bookings import conftest as bookings_conftest
from tests.conftest import make_user
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, log_in, shot
from tests.facilities import conftest as facilities_conftest

pytestmark = pytest.mark.django_db(transaction=True)

registry = facilities_conftest.registry
centre = bookings_conftest.centre
make_session = bookings_conftest.make_session
make_resident = bookings_conftest.make_resident

WIDTH, HEIGHT = 640, 480


def write_y4m(payload: str, path: Path, scale: int = 10, border: int = 4, frames: int = 10) -> None:
    """A short YUV4MPEG2 (4:2:0) video of the QR symbol of `payload`, black on white, centred."""
    matrix = np.array([list(row) for row in qr_make(payload).matrix], dtype=bool)
    symbol = np.kron(np.pad(matrix, border), np.ones((scale, scale), dtype=bool))
    luma = np.full((HEIGHT, WIDTH), 235, dtype=np.uint8)
    top, left = (HEIGHT - symbol.shape[0]) // 2, (WIDTH - symbol.shape[1]) // 2
    luma[top : top + symbol.shape[0], left : left + symbol.shape[1]] = np.where(symbol, 16, 235)
    chroma = np.full(WIDTH * HEIGHT // 2, 128, dtype=np.uint8).tobytes()  # U and V planes, quarter size each
    frame = b"FRAME\n" + luma.tobytes() + chroma
    path.write_bytes(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * frames)


@pytest.fixture
def camera_browser(browser, tmp_path):  # type: ignore[no-untyped-def]
    """A second chromium whose camera shows `tmp_path/camera.y4m` (write it before opening a page)."""
    video = tmp_path / "camera.y4m"
    video.write_bytes(b"")
    cam = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield cam, video
    cam.close()


def test_staff_scan_the_qr_code_with_the_camera(camera_browser, live_server, users, make_session, make_resident):
    session = make_session(starts_in=dt.timedelta(minutes=30), title="书法课")
    resident = make_resident()
    registration = registrations.registration_create(actor=resident, session_id=session.pk)
    cam, video = camera_browser
    write_y4m(codes.full_code(registration.code_nonce), video)

    context = cam.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", permissions=["camera"])
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.base_url = live_server.url
    log_in(page, "community", "pw-community")
    page.goto(page.base_url + "/activities/checkin/")
    page.click("[data-testid=scan-start]")
    page.wait_for_selector("[data-testid=checkin-ok]")
    assert "书法课" in page.inner_text("[data-testid=checkin-ok]")
    shot(page, "20-checkin-camera")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED
    assert registration.checked_in_by_id == users["community"].pk

    # The same code scanned again is refused as used (the camera still shows it).
    page.click("[data-testid=scan-start]")
    page.wait_for_selector("[data-testid=checkin-error]")
    assert "已" in page.inner_text("[data-testid=checkin-error]")  # 已使用 / already used, in Chinese
    context.close()


def test_the_kiosk_terminal_scans_with_its_front_camera(camera_browser, live_server, users, centre, make_session):
    """A tablet opened with a kiosk link (no staff login) checks a resident in from the QR on their phone."""
    session = make_session(starts_in=dt.timedelta(minutes=45), title="合唱团")
    resident = make_user("r-kiosk", Role.RESIDENT, home="990102001001")
    registration = registrations.registration_create(actor=resident, session_id=session.pk)
    _token, key = kiosk_token_create(actor=users["community"], facility=centre, name="大门平板")
    cam, video = camera_browser
    write_y4m(codes.full_code(registration.code_nonce), video)

    context = cam.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN", permissions=["camera"])
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/activities/kiosk/open/{key}/")
    page.click("[data-testid=kiosk-open] button")
    page.wait_for_selector("[data-testid=kiosk]")
    assert page.get_attribute("[data-testid=scan-start]", "data-facing") == "user"
    page.click("[data-testid=scan-start]")
    page.wait_for_selector("[data-testid=checkin-ok]")
    shot(page, "21-kiosk-camera")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED and registration.checked_in_by_id is None
    context.close()
