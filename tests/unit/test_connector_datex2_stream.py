"""DATEX II as national access points publish it: gzip files and Content-Encoding: gzip, big
publications read streaming with flat memory, size limits from the settings, v3 beside v2, and
`cityops parse` reading .xml.gz."""
from __future__ import annotations

import gzip
import io
import tracemalloc
from pathlib import Path

import pytest

from connectors import datex2
from connectors.datex2 import Datex2Connector, iter_items
from connectors.errors import ParseError
from connectors.parsing import Reject
from connectors.xml_stream import TooLarge
from dashboard.cli import main
from tests.support.datex2_publication import write_publication
from tests.support.http_server import serve_get
from tests.support.sinks import MemorySink

FIX = Path(__file__).parent.parent / "fixtures" / "datex2"


def load(name: str) -> bytes:
    return (FIX / name).read_bytes()


@pytest.mark.parametrize("name", ["v2_measured_data.xml", "v3_measured_data.xml"])
def test_gzip_reads_the_same_as_plain(name):
    plain = datex2.parse(load(name))
    zipped = datex2.parse(gzip.compress(load(name)))
    assert [e.to_json() for e in zipped] == [e.to_json() for e in plain] and len(plain) > 0
    assert [r.reason for r in zipped.rejects] == [r.reason for r in plain.rejects]


def test_streaming_gives_what_the_whole_parse_gives_item_by_item():
    items = list(iter_items(io.BytesIO(load("v2_measured_data.xml"))))
    parsed = datex2.parse(load("v2_measured_data.xml"))
    assert [i.source_id for i in items if not isinstance(i, Reject)] == [e.source_id for e in parsed]
    assert [i.reason for i in items if isinstance(i, Reject)] == [r.reason for r in parsed.rejects]


def test_the_size_limit_counts_unzipped_bytes():
    body = gzip.compress(load("v2_measured_data.xml"))
    assert len(body) < 4000 < len(load("v2_measured_data.xml"))
    with pytest.raises(TooLarge) as info:
        datex2.parse(body, max_bytes=4000)
    assert "larger than 0.004 MB unzipped" in str(info.value)


def test_a_cut_gzip_file_is_a_parse_error_not_a_crash():
    body = gzip.compress(load("v2_measured_data.xml"))
    with pytest.raises(ParseError) as info:
        datex2.parse(body[: len(body) // 2])
    assert "gzip" in str(info.value) or "not well-formed" in str(info.value)


def test_a_dtd_is_refused_in_a_gzip_file_too():
    with pytest.raises(ParseError, match="refused: the document contains a DOCTYPE"):
        datex2.parse(gzip.compress(load("entity_expansion.xml")))


HEAD = (b'<d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" modelBaseVersion="2">')


def test_deep_nesting_before_the_publication_is_refused():
    body = HEAD + b"<exchange>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</exchange></d2LogicalModel>"
    with pytest.raises(ParseError, match="nested deeper than 100 levels"):
        datex2.parse(body)


@pytest.mark.parametrize("zipped", [False, True])
def test_endless_nesting_inside_a_site_is_refused_with_memory_bounded(zipped):
    """Inside measured data only element ends are read: millions of open elements would all stay in memory."""
    body = (HEAD + b'<payloadPublication xsi:type="MeasuredDataPublication"><siteMeasurements>'
            + b"<a>" * 3_000_000)   # 9 MB that never closes anything
    tracemalloc.start()
    try:
        with pytest.raises(ParseError, match="closed no element"):
            list(iter_items(gzip.compress(body) if zipped else body))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40e6, f"peak {peak / 1e6:.0f} MB"   # the 9 MB body twice, 256 KB of elements


def test_ordinary_depth_still_reads():
    assert len(datex2.parse(load("v2_measured_data.xml"))) > 0


@pytest.mark.parametrize("version", [2, 3])
def test_generated_publications_of_both_versions(tmp_path, version):
    path = tmp_path / "p.xml"
    sites = write_publication(path, 200_000, version=version)
    items = list(iter_items(path.open("rb")))
    assert len(items) == sites and not any(isinstance(i, Reject) for i in items)
    first = items[0]
    assert first.payload["segment_id"] == "RWS01_MONIBAS_00000000ra" and first.payload["flow_vph"] > 0


@pytest.mark.parametrize("version", [2, 3])
def test_the_one_pass_gives_what_the_careful_pass_gives(tmp_path, version):
    """The streaming reader makes plain sites in one pass; it must give what the careful pass gives."""
    import xml.etree.ElementTree as ET
    path = tmp_path / "p.xml"
    write_publication(path, 60_000, version=version)
    sites = [e for e in ET.parse(path).getroot().iter() if e.tag.endswith("}siteMeasurements")]
    careful = [datex2._careful_site_event(site, f"s[{k}]", "datex2") for k, site in enumerate(sites)]
    assert list(iter_items(path.open("rb"))) == careful
    for name in ("v2_measured_data.xml", "v3_measured_data.xml"):   # odd and broken sites too
        root = ET.fromstring(load(name))
        found = [e for e in root.iter() if e.tag.endswith("}siteMeasurements")]
        expected = []
        for k, site in enumerate(found):
            try:
                expected.append(datex2._careful_site_event(site, f"siteMeasurements[{k}]", "datex2"))
            except ParseError as exc:
                expected.append(str(exc))
        got = [i if not isinstance(i, Reject) else i.reason for i in iter_items(load(name))]
        assert got == expected


def _peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        for _ in iter_items(path.open("rb")):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_publication(tmp_path):
    small, big = tmp_path / "small.xml.gz", tmp_path / "big.xml.gz"
    write_publication(small, 1_000_000, gzipped=True)
    write_publication(big, 6_000_000, gzipped=True)
    peak_small, peak_big = _peak_bytes(small), _peak_bytes(big)
    # six times the file, about the same peak (a chunk, one site, parser buffers): not six times
    assert peak_big < peak_small * 1.5 + 200_000, (peak_small, peak_big)


def test_cityops_parse_reads_a_gz_file(tmp_path, capsys):
    path = tmp_path / "measured.xml.gz"
    path.write_bytes(gzip.compress(load("v3_measured_data.xml")))
    assert main(["parse", "--format", "datex2", str(path)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == len(datex2.parse(load("v3_measured_data.xml")))


def _serve(body: bytes, headers: dict[str, str]):
    def handle(req):
        req.send_response(200)
        for k, v in headers.items():
            req.send_header(k, v)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)
    return serve_get(handle)


@pytest.mark.parametrize("headers, zipped", [
    ({"Content-Type": "application/xml", "Content-Encoding": "gzip"}, True),   # transfer-level gzip
    ({"Content-Type": "application/x-gzip"}, True),                             # a .xml.gz file
    ({"Content-Type": "application/octet-stream"}, True),                       # told nothing: the magic says
    ({"Content-Type": "text/xml"}, False),
])
def test_the_connector_reads_what_access_points_serve(headers, zipped):
    plain = load("v2_measured_data.xml")
    server = _serve(gzip.compress(plain) if zipped else plain, headers)
    try:
        connector = Datex2Connector(server.url + "/measured.xml.gz", timeout=5)
        sink = MemorySink()
        count, detail = connector.poll(sink)
        expected = datex2.parse(plain)
        assert count == len(expected) == len(sink.events) and detail.startswith(f"{count} site readings")
        assert len(sink.dead) == len(expected.rejects)
    finally:
        server.shutdown()
        server.server_close()


def test_the_connector_refuses_a_publication_past_the_setting():
    server = _serve(gzip.compress(load("v2_measured_data.xml")), {"Content-Type": "application/x-gzip"})
    try:
        connector = Datex2Connector(server.url + "/m.xml.gz", timeout=5, max_bytes=3000)
        sink = MemorySink()
        with pytest.raises(ParseError, match="larger than 0.003 MB unzipped"):
            connector.poll(sink)
        assert any("larger than" in d for d in sink.dead)
    finally:
        server.shutdown()
        server.server_close()


def test_the_size_setting_reaches_the_connector():
    from connectors import build_connectors
    from dashboard.config import load as load_settings
    settings = load_settings(env={"CITYOPS_CONNECTORS": "datex2", "CITYOPS_DATEX2_URL": "http://127.0.0.1:9/x",
                                  "CITYOPS_DATEX2_MAX_MB": "75"})
    (connector,) = build_connectors(settings)
    assert connector.max_bytes == 75_000_000
