"""The take-away: a valid PDF whose text holds the league table, CSV and Excel of the same tables, in
both languages; the review services over the hand-computed October incidents; replay at a moment."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest

from dashboard.domain.identity import Identity
from dashboard.services import evaluation, replay, review_report
from dashboard.services.evaluation import ReviewError, ReviewQuery, parse_query
from tests.integration.test_evaluation_store import store_facts
from tests.unit.test_evaluation_figures import NOW, october_cases

LEADER = Identity("boss", "leader")
OCT = ReviewQuery("custom", date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture
def october_services(services):
    with services.store.begin() as conn:
        store_facts(conn, october_cases())
    return services


def test_league_and_drill_down(october_services):
    fig = evaluation.figures(october_services, LEADER, OCT, "en", NOW)
    assert fig["totals"]["due"] == 5 and fig["dimension"] == "department"
    assert [r["code"] for r in fig["league"]][:2] == ["JT", "CG"]          # 1/2 on time vs 1/3
    assert fig["league"][0]["name"] == "Transport Bureau"
    down = evaluation.figures(october_services, LEADER, ReviewQuery("custom", OCT.first, OCT.last,
                                                                      filters=(("department", "CG"),)), "en", NOW)
    assert down["dimension"] == "category" and {r["code"] for r in down["league"]} == {"0101", "0501"}
    behind = evaluation.incidents_behind(october_services, LEADER, OCT, "overdue", NOW)
    assert {r["id"] for r in behind["items"]} == {2, 3, 7} and behind["total"] == 3
    assert behind["links"] is False          # leaders have no Dispatch page to link to
    assert evaluation.incidents_behind(october_services, Identity("d", "dispatcher"), OCT, "overdue", NOW)["links"]


def test_bad_parameters_say_why():
    with pytest.raises(ReviewError, match="period"):
        parse_query({"period": "fortnight"})
    with pytest.raises(ReviewError, match="YYYY-MM-DD"):
        parse_query({"period": "custom", "first": "10/01/2026"})
    with pytest.raises(ReviewError, match="figure"):
        parse_query({"figure": "happiness"})
    assert parse_query({"department": "CG", "category": "0101"}).dimension == "district"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_pdf_is_valid_and_holds_the_league_table(october_services, lang, tmp_path):
    from pypdf import PdfReader
    data = review_report.report_data(october_services, LEADER, OCT, lang, NOW)
    pdf = review_report.pdf_bytes(data)
    assert pdf.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    names = ["城管局", "交通局", "环保局"] if lang == "zh-CN" else ["City Management Bureau", "Transport Bureau"]
    for name in names:
        assert name in text, name
    assert "40.0%" in text            # the city's on-time closure rate, 2 of 5
    out = __import__("os").environ.get("CITYOPS_REVIEW_PDF_DIR")
    if out:   # to look at the pages as images
        (__import__("pathlib").Path(out) / f"review-{lang}.pdf").write_bytes(pdf)


def test_csv_and_excel(october_services):
    from openpyxl import load_workbook
    data = review_report.report_data(october_services, LEADER, OCT, "zh-CN", NOW)
    rows = list(csv.reader(io.StringIO(review_report.csv_bytes(data).decode("utf-8-sig"))))
    head = next(n for n, r in enumerate(rows) if r and r[0] == "名次")
    assert rows[head + 1][1] == "交通局"
    # numbers with their units in the header (#16 item 16), and what the file covers on top
    on_time = rows[head].index("按期结案率 (%)")
    assert float(rows[head + 1][on_time]) == 50.0
    assert any(r[:2] == ["范围", "全市"] for r in rows[:head])
    book = load_workbook(io.BytesIO(review_report.xlsx_bytes(data)))
    assert book.worksheets[0]["B2"].value == "交通局" and len(book.worksheets) == 5
    assert book.worksheets[0].cell(2, on_time + 1).value == 50.0


def test_drilled_down_exports_keep_their_scope(october_services):
    """A department's take-away: its own overdue list, titled by its breakdown, a file name that says so."""
    query = ReviewQuery("custom", OCT.first, OCT.last, filters=(("department", "JT"),))
    data = review_report.report_data(october_services, LEADER, query, "zh-CN", NOW)
    assert {r["department"] for r in data["overdue"]} <= {"JT"}
    assert review_report.league_title(data["figures"], "zh-CN") == "按类别"
    assert review_report.filename(data, "csv").endswith("-department-JT.csv")
    rows = list(csv.reader(io.StringIO(review_report.csv_bytes(data).decode("utf-8-sig"))))
    assert ["范围", "全市 › 交通局"] in rows


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_pdf_embeds_its_cjk_font(october_services, lang):
    """#16 item 15: the report carries its font (renders the same where no CJK font is installed)."""
    from pypdf import PdfReader
    data = review_report.report_data(october_services, LEADER, OCT, lang, NOW)
    reader = PdfReader(io.BytesIO(review_report.pdf_bytes(data)))
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    # reportlab declares Helvetica as every page's initial state (no text drawn with it); all else is embedded
    fonts = {name: font for name, font in fonts.items() if name != "/Helvetica"}
    assert fonts and all("STSong" not in name for name in fonts), list(fonts)
    for font in fonts.values():
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile2", "/FontFile3", "/FontFile")), font["/BaseFont"]
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "\u2612" not in text


def test_replay_shows_the_picture_as_it_was(october_services):
    # 10 Oct 12:00 in Shanghai: A and B closed already, C dispatched at midnight and returned at 00:10
    at = datetime(2026, 10, 10, 4, 0, tzinfo=timezone.utc)
    picture = replay.picture_at(october_services, LEADER, at)
    ids = {f["properties"]["id"] for f in picture["incidents"]["features"]}
    assert 3 in ids and 1 not in ids and 2 not in ids
    assert picture["counts"]["by_status"] == {"returned": 1}
    just_after = replay.picture_at(october_services, LEADER, datetime(2026, 10, 9, 16, 5, tzinfo=timezone.utc))
    assert just_after["counts"]["by_status"] == {"dispatched": 1}
    later = replay.picture_at(october_services, LEADER, datetime(2026, 10, 21, 0, 0, tzinfo=timezone.utc))
    # G fixed (closed and reopened only later), F accepted, C still returned; A, B, D, E closed or not yet there
    assert later["counts"]["by_status"] == {"fixed": 1, "accepted": 1, "returned": 1}


def test_downloads_over_http_and_bad_arguments_get_422(october_services):
    import re as _re

    from dashboard.services.auth import AuthService
    from dashboard.web.app import create_app
    AuthService(october_services).add_user(Identity("root", "admin", via="cli"), "boss", "leader", None,
                                           "correct horse battery")
    client = create_app(october_services).server.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = _re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "boss", "password": "correct horse battery", "csrf_token": csrf})
    args = "period=custom&first=2026-10-01&last=2026-10-31&lang=en"
    pdf = client.get(f"/api/v1/review/report.pdf?{args}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert "cityops-review-2026-10-01-2026-10-31.pdf" in pdf.headers["Content-Disposition"]
    assert client.get(f"/api/v1/review/export.csv?{args}").status_code == 200
    assert client.get(f"/api/v1/review/export.xlsx?{args}").data[:2] == b"PK"
    bad = client.get("/api/v1/review/figures?period=custom&first=2026-10-31&last=2026-10-01")
    assert bad.status_code == 422 and "before" in bad.get_json()["error"]["message"]
    assert client.get("/api/v1/review/figures?period=fortnight").status_code == 422


def test_hot_spots_count_incidents_per_cell_and_filter_by_category(october_services):
    cells = evaluation.hot_spots(october_services, LEADER, OCT, NOW)
    assert sorted(c["n"] for c in cells) == [1, 1, 1]          # A, B and C have a place; created in October
    only = evaluation.hot_spots(october_services, LEADER, ReviewQuery("custom", OCT.first, OCT.last, category="0501"),
                                NOW)
    assert len(only) == 1 and abs(only[0]["lat"] - 32.02) < 0.01


def test_the_checks_and_the_disposal_rate_are_in_the_take_away(october_services, tmp_path):
    """Issue 18: the inspectors' checks (share failed, mean time to verify) in the PDF's key figures with
    their definitions and its league table, and in the CSV; issue 16: the disposal rate of what fell due."""
    from pypdf import PdfReader
    data = review_report.report_data(october_services, LEADER, OCT, "en", NOW)
    assert data["figures"]["totals"]["verify_fail_rate"] == pytest.approx(1 / 3)
    assert data["figures"]["totals"]["disposal_rate"] == pytest.approx(3 / 4)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(review_report.pdf_bytes(data))).pages)
    for words in ("Checks failed", "Mean time to verify", "33.3%", "2.0 h", "75.0%", "checks with a result"):
        assert words in text, words
    rows = list(csv.reader(io.StringIO(review_report.csv_bytes(data).decode("utf-8-sig"))))
    head = next(n for n, r in enumerate(rows) if r and r[0] == "Rank")
    failed = rows[head].index("Checks failed (%)")
    assert {r[1]: r[failed] for r in rows[head + 1:head + 4]} == {"Transport Bureau": "", "City Management Bureau":
                                                                  "33.3", "Environment Bureau": ""}
    verify = [r for r in rows if r and r[0].startswith("Mean time to verify")]
    assert verify == [["Mean time to verify (hours)", "2.0", "1.0"]]     # September's: D's check, 1 h
