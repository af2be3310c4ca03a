"""QR codes for lots (segno): PNG for download and print, inline SVG for the label sheet."""

from __future__ import annotations

import io

import segno


def _code(data: str) -> segno.QRCode:
    # Level M survives a scratched sticker; the URL stays short enough for a small version.
    return segno.make(data, error="m", micro=False)


def qr_png(data: str, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    _code(data).save(out, kind="png", scale=scale, border=4, dark="black", light="white")
    return out.getvalue()


def qr_svg(data: str, *, scale: int = 4, css_class: str = "qr") -> str:
    """An <svg> element; the light modules are painted white so that a scan or a rasterised copy reads."""
    return _code(data).svg_inline(
        scale=scale, border=2, dark="black", light="white", svgclass=css_class, lineclass=None, omitsize=True
    )
