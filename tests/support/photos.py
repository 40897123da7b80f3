"""Real photos for the field-work tests: JPEGs with EXIF capture time and GPS written through Pillow's
Exif API (as a phone camera writes them), and the bad files the upload must refuse."""
from __future__ import annotations

import functools
import io
import random
from datetime import datetime

from PIL import Image, ImageDraw

GPS_IFD, EXIF_IFD = 0x8825, 0x8769


def _dms(value: float):
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60, 4)
    return (float(d), float(m), float(s))


def jpeg(lat: float | None = None, lon: float | None = None, taken: datetime | None = None,
         size: tuple[int, int] = (640, 480), colour=(40, 120, 200), noise: bool = False, quality: int = 85,
         label: str = "", seed: int = 0) -> bytes:
    """A JPEG with EXIF DateTimeOriginal (+08:00) and GPS when given; `noise` makes it big like a camera's."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), outline=(255, 255, 255), width=6)
    if label:
        draw.text((20, 20), label, fill=(255, 255, 255))
    if noise:
        rnd = random.Random(size[0] * 7 + size[1] + seed * 100_003)
        image = Image.frombytes("RGB", size, rnd.randbytes(size[0] * size[1] * 3))
    exif = Image.Exif()
    exif[0x010F] = "CityOps test camera"
    if taken is not None:
        exif.get_ifd(EXIF_IFD)[36867] = taken.strftime("%Y:%m:%d %H:%M:%S")
        exif.get_ifd(EXIF_IFD)[36881] = "+08:00"
    if lat is not None and lon is not None:
        gps = exif.get_ifd(GPS_IFD)
        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = _dms(lat)
        gps[3] = "E" if lon >= 0 else "W"
        gps[4] = _dms(lon)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def png(size=(64, 64)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(buf, "PNG")
    return buf.getvalue()


def fifty_mb_jpeg() -> bytes:
    """A real camera-sized JPEG padded after its end marker to 50 MB (viewers still open it)."""
    data = jpeg(32.05, 118.75, datetime(2026, 12, 5, 10), size=(2000, 1500), noise=True)
    return data + b"\0" * (50_000_000 - len(data))


@functools.lru_cache(maxsize=1)
def bomb() -> bytes:
    """A small PNG declaring 30000×30000 pixels (900 megapixels) of nothing."""
    buf = io.BytesIO()
    Image.new("1", (30000, 30000)).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def script_named_jpg() -> bytes:
    return b"#!/bin/sh\necho 'I am not a photo'\nrm -rf /\n"


def has_gps(data: bytes) -> bool:
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    return bool(exif.get_ifd(GPS_IFD)) or b"GPS" in data[:65536] and b"Exif" in data[:65536]
