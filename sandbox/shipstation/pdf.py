"""A small, valid one-page PDF label (4 x 6 inches), standard library only.

The page shows the carrier, the service, the ship-to address and the tracking number in
Helvetica, and bars drawn from the tracking number's characters, so it opens in any PDF
reader and its text can be extracted (tests read it back with PyPDF2)."""

from __future__ import annotations

import base64

WIDTH, HEIGHT = 288, 432  # points: 4 x 6 inches


def _escape(text: str) -> str:
    text = text.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _bars(code: str, x: float, y: float) -> list[str]:
    ops = []
    for char in code:
        for bit in f"{ord(char):08b}":
            width = 1.6 if bit == "1" else 0.8
            ops.append(f"{x:.1f} {y} {width} 60 re f")
            x += width + 0.8
    return ops


def label_pdf(tracking_number: str, lines: list[str], carrier: str, service: str) -> bytes:
    """The PDF bytes of one shipping label."""
    text = [
        "BT /F1 16 Tf 18 400 Td",
        f"({_escape(carrier.upper())}) Tj",
        "/F1 10 Tf 0 -16 Td",
        f"({_escape(service)}) Tj",
        "/F1 11 Tf 0 -40 Td",
        "(SHIP TO:) Tj",
    ]
    for line in lines:
        text += ["0 -14 Td", f"({_escape(line)}) Tj"]
    text += [
        "ET",
        "BT /F1 12 Tf 18 120 Td",
        f"(TRACKING #: {_escape(tracking_number)}) Tj",
        "/F1 8 Tf 0 -100 Td",
        "(SANDBOX LABEL - NOT VALID FOR SHIPPING) Tj",
        "ET",
    ]
    content = "\n".join([*text, *_bars(tracking_number[-14:], 18, 40)]).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] "
            "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def label_data(tracking_number: str, lines: list[str], carrier: str, service: str) -> str:
    """The label as ShipStation returns it in ``labelData``: base64 of the PDF."""
    return base64.b64encode(label_pdf(tracking_number, lines, carrier, service)).decode()
