"""The check-in code as a QR image, drawn on the server with segno as an inline SVG (no script, no CDN,
nothing fetched): the page that shows a resident the text code can show the same code as a QR beside it,
for the door scanner.

The payload is the full code exactly as printed (ABCD-EFGH-JKLM): upper-case letters, digits and a dash
fit QR's alphanumeric mode, so 14 characters make a version-1 symbol (21 x 21 modules), the smallest and
easiest to scan from a phone screen or a paper slip; segno raises the error correction as far as the
version allows (to Q, 25 % of the symbol may be damaged)."""

from __future__ import annotations

import segno
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from linli.bookings import codes

# Quiet zone around the symbol, in modules (the standard asks for 4).
BORDER = 4
# Pixels per module at the image's natural size; it scales with the page (the SVG has a viewBox).
SCALE = 6


def qr_make(payload: str) -> segno.QRCode:
    """The QR symbol of `payload`: always a regular QR code (never a Micro QR, which phones cannot read)."""
    return segno.make(payload, error="m", boost_error=True, micro=False)


def qr_svg(payload: str, *, label: str = "") -> SafeString:
    """`payload` as an inline <svg> element, safe to put into a page: a viewBox and no fixed size (CSS
    sizes it), a title for screen readers, `role="img"`."""
    symbol = qr_make(payload)
    size = symbol.symbol_size(scale=SCALE, border=BORDER)[0]
    svg = symbol.svg_inline(
        scale=SCALE,
        border=BORDER,
        dark="#000",
        light="#fff",
        title=label or payload,
        omitsize=True,
        svgclass="qr",
        lineclass=None,
    )
    # segno writes `<svg viewBox=… class="qr">`; add the natural size as a hint and the accessibility role.
    modules = symbol.symbol_size(scale=1, border=0)[0]
    head = format_html('<svg role="img" data-modules="{}" style="width:{}px;max-width:100%;height:auto"', modules, size)
    return mark_safe(head + svg.removeprefix("<svg"))


def checkin_qr(nonce: str) -> SafeString:
    """The QR of a registration's full check-in code (from its nonce; "" without one)."""
    if not nonce:
        return mark_safe("")
    code = codes.full_code(nonce)
    return qr_svg(code, label=_("Check-in code %(code)s") % {"code": code})
