"""The photo checks (dashboard.services.photos): by content, EXIF read then removed, and no input at all
makes them fail with anything but a clear refusal (property-based)."""
import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
from PIL import Image

from dashboard.services import photos
from tests.support import photos as P

LIMITS = dict(max_bytes=20_000_000, max_pixels=50_000_000)


def test_exif_time_and_gps_are_read_then_stripped_without_re_encoding():
    data = P.jpeg(32.0512, 118.7634, datetime(2026, 12, 5, 10, 30, 0))
    photo = photos.inspect(data, **LIMITS, tz=ZoneInfo("Asia/Shanghai"))
    assert photo.mime == photos.JPEG and (photo.width, photo.height) == (640, 480)
    assert photo.taken_at == datetime(2026, 12, 5, 2, 30, tzinfo=timezone.utc)
    assert abs(photo.lat - 32.0512) < 1e-6 and abs(photo.lon - 118.7634) < 1e-6
    assert P.has_gps(data) and not P.has_gps(photo.data) and b"Exif" not in photo.data
    assert photo.data[-2:] == data[-2:] and len(photo.data) < len(data)    # the image data itself untouched
    Image.open(io.BytesIO(photo.data)).load()


def test_a_turned_photo_is_stored_upright_without_metadata():
    image = Image.new("RGB", (40, 20), (200, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6                         # rotate 90° to show
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    photo = photos.inspect(buf.getvalue(), **LIMITS)
    shown = Image.open(io.BytesIO(photo.data))
    assert shown.size == (20, 40) == (photo.width, photo.height) and not shown.getexif()


def test_png_is_kept_and_heic_becomes_jpeg():
    assert photos.inspect(P.png(), **LIMITS).mime == photos.PNG
    from pillow_heif import from_pillow
    heif = from_pillow(Image.new("RGB", (64, 48), (0, 90, 200)))
    buf = io.BytesIO()
    heif.save(buf, quality=60)
    photo = photos.inspect(buf.getvalue(), **LIMITS)
    assert photo.mime == photos.JPEG and (photo.width, photo.height) == (64, 48)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4096), st.sampled_from([b"", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"\0\0\0\x18ftypheic"]))
def test_any_bytes_are_a_photo_or_a_clear_refusal(tail, head):
    try:
        photos.inspect(head + tail, **LIMITS)
    except photos.PhotoRefused as exc:
        assert str(exc) and exc.status in (413, 422)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=10, max_value=9000))
def test_a_jpeg_cut_anywhere_is_refused_or_whole(cut):
    data = P.jpeg(32.05, 118.75, datetime(2026, 12, 5, 10), size=(320, 240), noise=True)
    try:
        photos.inspect(data[:cut], **LIMITS)
    except photos.PhotoRefused as exc:
        assert "truncated" in str(exc) or "damaged" in str(exc)
