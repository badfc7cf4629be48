"""Draw the app icons (a bent leg with the knee marked) as PNG files, with no image library.

The PNGs under static/kneeapp/icons/ are committed; run this again only to change the design.
"""

import math
import struct
import zlib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

BRAND = (11, 110, 105)
WHITE = (255, 255, 255)
ACCENT = (251, 191, 36)


def segment_distance(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def colour_at(x, y, maskable):
    """Colour of the point (x, y) in a unit square; maskable icons fill the square edge to edge."""
    if not maskable:
        # Rounded square background, transparent corners.
        r, cx, cy = 0.18, min(max(x, 0.18), 0.82), min(max(y, 0.18), 0.82)
        if math.hypot(x - cx, y - cy) > r:
            return None
    # Maskable icons keep the drawing inside the central safe circle (radius 0.4).
    scale, off = (0.62, 0.19) if maskable else (0.8, 0.1)
    ux, uy = (x - off) / scale, (y - off) / scale
    hip, knee, ankle = (0.30, 0.12), (0.62, 0.52), (0.34, 0.90)
    if math.hypot(ux - knee[0], uy - knee[1]) < 0.085:
        return ACCENT
    if min(segment_distance(ux, uy, *hip, *knee), segment_distance(ux, uy, *knee, *ankle)) < 0.075:
        return WHITE
    return BRAND


def png(size, maskable, samples=2):
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            acc, hits = [0, 0, 0], 0
            for sj in range(samples):
                for si in range(samples):
                    c = colour_at(
                        (i + (si + 0.5) / samples) / size,
                        (j + (sj + 0.5) / samples) / size,
                        maskable,
                    )
                    if c:
                        hits += 1
                        acc = [a + b for a, b in zip(acc, c, strict=True)]
            n = samples * samples
            row += bytes([a // hits for a in acc] if hits else [0, 0, 0]) + bytes([255 * hits // n])
        rows.append(bytes(row))

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


class Command(BaseCommand):
    help = "Draw the PWA icons into static/kneeapp/icons/."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "static" / "kneeapp" / "icons"
        folder.mkdir(parents=True, exist_ok=True)
        for name, size, maskable in [
            ("icon-192.png", 192, False),
            ("icon-512.png", 512, False),
            ("maskable-512.png", 512, True),
        ]:
            (folder / name).write_bytes(png(size, maskable))
            self.stdout.write(f"wrote {folder / name}")
