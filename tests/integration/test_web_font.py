"""/fonts/cityops-cjk.ttf: the Chinese web font CityOps serves itself (dashboard/web/fonts.py) — a plain
TrueType font (browsers refuse the collection it comes from), public like the stylesheets that name it,
written once into the data directory, revalidated by its ETag."""
from __future__ import annotations

import io

from fontTools.ttLib import TTFont

from dashboard.web import fonts
from dashboard.web.server import build_server
from tests.conftest import services_on


def test_the_font_is_a_plain_truetype_font_with_chinese_glyphs(sqlite_store, small_city, tmp_path):
    server = build_server(services_on(sqlite_store, small_city, tmp_path))
    client = server.test_client()            # not signed in: the sign-in page needs it too
    answer = client.get(fonts.ROUTE)
    assert answer.status_code == 200 and answer.mimetype == "font/ttf"
    body = answer.get_data()
    assert body[:4] == b"\x00\x01\x00\x00"   # TrueType, not a collection ('ttcf')
    face = TTFont(io.BytesIO(body))
    assert "FFTM" not in face and ord("城") in face.getBestCmap() and ord("A") in face.getBestCmap()
    assert "max-age" in answer.headers["Cache-Control"] and answer.headers["ETag"]
    again = client.get(fonts.ROUTE, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()
    written = list((tmp_path / "cache" / "fonts").glob("cityops-cjk-*.ttf"))
    assert len(written) == 1 and written[0].read_bytes() == body   # made once, then served from the file


def test_stylesheets_name_it_last_for_chinese_text_only():
    from pathlib import Path
    css = (Path(__file__).resolve().parents[2] / "assets" / "cityops.css").read_text(encoding="utf-8")
    assert 'url("/fonts/cityops-cjk.ttf")' in css and "unicode-range: U+2E80" in css
    font = css.split("--font:")[1].split(";")[0]
    assert font.index('"Microsoft YaHei"') < font.index('"CityOps CJK"') < font.index("sans-serif")
