"""The video wall's pure parts: what the URL and settings say, the grid's classes, the layout in
both languages (no untranslated key, no Chinese on the English wall), and its ids."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from dashboard.config import Settings
from dashboard.i18n import LANGS
from layouts import wall
from layouts.geo import city_bounds, districts_geojson
from layouts.ids import wall as ids
from layouts.wall_options import SCENES, parse_grid, wall_options
from tests.unit.test_i18n import KEY_SHAPE, _strings


def test_the_url_wins_over_the_settings_and_bad_values_fall_back():
    settings = replace(Settings(), wall_scenes="traffic,emergency", wall_dwell_seconds=20, wall_grid="2x1")
    assert wall_options(settings).scenes == ("traffic", "emergency")
    assert wall_options(settings, scenes="Environment, nonsense,environment").scenes == ("environment",)
    assert wall_options(settings, scenes="nonsense").scenes == ("traffic", "emergency")
    assert wall_options(replace(settings, wall_scenes="")).scenes == SCENES
    assert wall_options(settings).dwell_seconds == 20
    assert wall_options(settings, dwell="45").dwell_seconds == 45
    assert wall_options(settings, dwell="abc").dwell_seconds == 20
    assert wall_options(settings, dwell="0.1").dwell_seconds == 3      # clamped
    assert wall_options(settings, dwell="nan").dwell_seconds == 20
    assert wall_options(settings).grid == (2, 1)
    assert wall_options(settings, grid="4x2").grid == (4, 2)
    assert wall_options(settings, grid="99x1").grid == (2, 1)
    assert wall_options(settings).live == "push"
    plain = wall_options(settings, live="poll")
    assert plain.live == "poll" and plain.poll_seconds == 5 and plain.heartbeat_seconds == settings.wall_poll_seconds


@pytest.mark.parametrize("text, grid", [("4x2", (4, 2)), (" 3 X 1 ", (3, 1)), ("2×2", (2, 2)), ("0x1", None),
                                        ("4", None), ("", None), (None, None), ("9x1", None)])
def test_grid(text, grid):
    assert parse_grid(text) == grid


def test_grid_classes_snap_panels_to_screens():
    assert wall.grid_classes((1, 1)) == "" and wall.grid_classes((1, 2)) == ""
    assert wall.grid_classes((2, 1)) == " is-grid grid-2"
    assert wall.grid_classes((4, 2)) == " is-grid grid-wide grid-tall"


def _page(lang, small_city, **query):
    options = wall_options(Settings(), **query)
    return wall.page(lang, small_city.name(lang), districts_geojson(small_city), city_bounds(small_city),
                     "Asia/Shanghai", options, "0.1.0+test", 120.0)


@pytest.mark.parametrize("lang", LANGS)
def test_the_wall_renders_in_each_language(lang, small_city):
    page = _page(lang, small_city, grid="4x2")
    texts = _strings(page)
    assert small_city.name(lang) in texts
    assert [s for s in texts if KEY_SHAPE.match(s)] == []
    if lang == "en":
        assert [s for s in texts if re.search(r"[\u4e00-\u9fff]", s)] == []
    assert "is-grid" in page.className and page.style["--cols"] == 4
    config = next(c for c in page.children if getattr(c, "id", None) == ids.CONFIG).data
    assert config["build"] == "0.1.0+test" and config["scenes"] == list(SCENES)
    assert all(config["labels"][f"wall.scene.{s}"] for s in SCENES)


def test_every_id_on_the_wall_is_the_walls(small_city):
    found = []

    def walk(component):
        if isinstance(component, (list, tuple)):
            for c in component:
                walk(c)
            return
        cid = getattr(component, "id", None)
        if cid is not None:
            found.append(cid)
        walk(getattr(component, "children", None) or [])

    walk(_page("zh-CN", small_city))
    plain = [i for i in found if isinstance(i, str)]
    assert plain and all(i.startswith("wall-") for i in plain), [i for i in plain if not i.startswith("wall-")]
    assert [i for i in found if isinstance(i, dict)] == [{"type": "hdr-batch", "page": "wall"}]   # the live inbox
    assert len(plain) == len(set(plain))


def test_the_build_id_follows_the_code(tmp_path):
    from dashboard.web.wall import build_id
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.js").write_text("1")
    first = build_id(tmp_path)
    assert build_id(tmp_path) == first
    (tmp_path / "assets" / "a.js").write_text("2")
    assert build_id(tmp_path) != first


@pytest.mark.parametrize("role, referrer, wall_mode", [
    ("wall", None, True), ("dispatcher", "http://h:8050/wall?kiosk=x", True), ("dispatcher", "http://h:8050/wall/", True),
    ("dispatcher", "http://h:8050/", False), ("dispatcher", "http://h:8050/wallpaper", False), (None, None, False)])
def test_the_shell_is_in_wall_mode_for_the_kiosk_and_on_the_wall(role, referrer, wall_mode):
    import flask

    from dashboard.web import wall as web_wall
    app = flask.Flask("t")
    with app.test_request_context("/_dash-layout", headers={"Referer": referrer} if referrer else {}):
        assert web_wall.wall_mode(role) is wall_mode
