"""A photo sent as evidence, checked by its content (never its name): JPEG, PNG, or HEIC converted to
JPEG; size and pixel limits; decompression bombs refused before they are decoded; a truncated or damaged
file refused. Its EXIF capture time and GPS position are read first, then removed from what is kept:
a JPEG loses its metadata segments without being re-encoded (unless it must be turned upright), a PNG
or HEIC is written anew without any.

Nothing here touches the store: `inspect` takes bytes and gives a `Photo` or raises `PhotoRefused`.
"""
from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from PIL import Image, ImageOps

JPEG, PNG, HEIC = "image/jpeg", "image/png", "image/heic"
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")
# JPEG segments that carry metadata (EXIF/XMP in APP1, IPTC in APP13, comments) — dropped on the way in.
_DROPPED_SEGMENTS = frozenset({0xE1, 0xED, 0xFE, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xEF})

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_ORIGINAL, _DATETIME = 36867, 36881, 306


class PhotoRefused(ValueError):
    """A file that is not kept; the message says why, in words the sender can act on."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Photo:
    data: bytes                  # what is stored and served: no EXIF, no GPS
    mime: str
    width: int
    height: int
    sha256: str
    taken_at: datetime | None    # EXIF DateTimeOriginal (its offset, or the city's time zone)
    lat: float | None            # EXIF GPS, WGS-84
    lon: float | None


def sniff(data: bytes) -> str | None:
    """The format the bytes are, by their signature."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return HEIC
    return None


def inspect(data: bytes, max_bytes: int, max_pixels: int, tz: tzinfo = timezone.utc) -> Photo:
    if not data:
        raise PhotoRefused("the file is empty")
    if len(data) > max_bytes:
        raise PhotoRefused(f"the photo is {len(data) / 1e6:.1f} MB; at most {max_bytes / 1e6:.0f} MB is accepted", 413)
    kind = sniff(data)
    if kind is None:
        raise PhotoRefused("the file is not a photo: its content is not JPEG, PNG or HEIC, whatever its name says")
    if kind == HEIC:
        _register_heif()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoRefused(f"the photo has {width}×{height} pixels ({width * height / 1e6:.0f} megapixels); "
                                   f"at most {max_pixels / 1e6:.0f} megapixels are accepted"
                                   + ("; a file this small with so many pixels is a decompression bomb"
                                      if width * height > 100 * len(data) else ""), 413)
            exif = image.getexif()
            taken_at, lat, lon = _capture_time(exif, tz), *_position(exif)
            orientation = exif.get(0x0112, 1)
            if kind == JPEG and orientation in (None, 1):
                # its structure checked segment by segment up to the end-of-image marker (a cut-short file
                # has none): no pixel is decoded on the request; the thumbnail worker decodes it later
                out, mime = strip_jpeg(data), JPEG
            else:   # PNG, HEIC, or a JPEG that must be turned upright: decoded, written anew without metadata
                image.load()
                out, mime = _rewrite(data, kind)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRefused("refused as a decompression bomb: the file declares far more pixels than a photo has",
                               413) from None
        except PhotoRefused:
            raise
        except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
            text = str(exc)
            if "truncated" in text or isinstance(exc, EOFError):
                raise PhotoRefused("the photo is cut short (truncated): send it again in full") from None
            raise PhotoRefused(f"the photo is damaged and cannot be read ({text[:80]})") from None
    return Photo(out, mime, *(_upright_size(width, height, orientation) if kind == JPEG else (width, height)),
                 hashlib.sha256(out).hexdigest(), taken_at, lat, lon)


def strip_jpeg(data: bytes) -> bytes:
    """The JPEG without its metadata segments (EXIF, XMP, IPTC, comments) and without anything after its
    end-of-image marker; the image data untouched. Refuses a file that is cut short or malformed."""
    out = bytearray(data[:2])
    i = 2
    seen_frame = False
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise PhotoRefused("the photo is damaged and cannot be read (bad JPEG segment)")
        marker = data[i + 1]
        if marker == 0xFF:          # fill byte
            i += 1
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if length < 2 or i + 2 + length > len(data):
            raise PhotoRefused("the photo is cut short (truncated): send it again in full")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            seen_frame = True
        if marker == 0xDA:          # start of scan: entropy-coded data (0xFF is stuffed) up to EOI
            if not seen_frame:
                raise PhotoRefused("the photo is damaged and cannot be read (no frame header)")
            end = data.find(b"\xff\xd9", i + 2 + length)
            if end < 0:
                raise PhotoRefused("the photo is cut short (truncated): send it again in full")
            out += data[i:end + 2]
            return bytes(out)
        if marker not in _DROPPED_SEGMENTS:
            out += data[i:i + 2 + length]
        i += 2 + length
    raise PhotoRefused("the photo is cut short (truncated): send it again in full")


def thumbnail(data: bytes, longest: int) -> bytes:
    """A small JPEG of a stored photo (run by the thumbnail worker, never on a request)."""
    _register_heif()
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (longest, longest))
    image = image.convert("RGB")
    image.thumbnail((longest, longest))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=80, optimize=True)
    return buf.getvalue()


def _rewrite(data: bytes, kind: str) -> tuple[bytes, str]:
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    buf = io.BytesIO()
    if kind == PNG:
        image.save(buf, "PNG", optimize=False)     # no pnginfo: text chunks are not copied
        return buf.getvalue(), PNG
    image.convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue(), JPEG


def _upright_size(width: int, height: int, orientation) -> tuple[int, int]:
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _capture_time(exif, tz: tzinfo) -> datetime | None:
    sub = exif.get_ifd(_EXIF_IFD)
    raw = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    if not isinstance(raw, str):
        return None
    try:
        local = datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = sub.get(_OFFSET_ORIGINAL)
    if isinstance(offset, str) and len(offset) >= 6 and offset[0] in "+-":
        try:
            sign = 1 if offset[0] == "+" else -1
            delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])) * sign
            return local.replace(tzinfo=timezone(delta)).astimezone(timezone.utc)
        except ValueError:
            pass
    return local.replace(tzinfo=tz).astimezone(timezone.utc)


def _position(exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(_GPS_IFD)
    try:
        lat = _degrees(gps[2], gps.get(1, "N"))
        lon = _degrees(gps[4], gps.get(3, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return lat, lon


def _degrees(dms, ref) -> float:
    d, m, s = (float(x) for x in dms)
    value = d + m / 60 + s / 3600
    ref = ref.decode() if isinstance(ref, bytes) else str(ref)
    return -value if ref.strip("\x00 ").upper() in ("S", "W") else value


def _register_heif() -> None:
    from pillow_heif import register_heif_opener
    register_heif_opener()   # idempotent; lets Image.open read HEIC/HEIF
