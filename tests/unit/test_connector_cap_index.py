"""CAP indexes as authorities publish them (Atom with untyped, CAP- or Atom-typed links, CAP
embedded in <content>; RSS 2.0 with links or enclosures), followed to the CAP message, and an
unchanged message (ETag / Last-Modified, the entry's updated) not fetched again."""
from __future__ import annotations

import hashlib
import threading
from email.utils import formatdate
from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors import cap
from connectors.cap_index import CapConnector, parse_document, parse_index
from tests.support.http_server import serve_get
from tests.support.sinks import MemorySink

FIX = Path(__file__).parent.parent / "fixtures" / "cap"


def test_atom_untyped_atom_typed_embedded_and_html_only():
    entries, rejects = parse_index((FIX / "index_untyped_and_embedded.atom").read_bytes(), "http://h/feed.atom")
    assert [e.id for e in entries] == ["urn:example:alert:1", "urn:example:alert:2", "urn:example:alert:3"]
    untyped, atom_typed, embedded = entries
    assert untyped.cap_url == "http://h/alerts.php?x=1"
    assert atom_typed.cap_url == "http://h/alerts/2.atom"          # not the text/html one
    assert embedded.cap_url is None and embedded.embedded is not None
    assert embedded.updated == datetime(2025, 6, 11, 9, 30, tzinfo=timezone.utc)   # <published> when no <updated>
    assert [r.reason.split(":")[0] for r in rejects] == ["entry[3].link"]   # only an HTML page


def test_rss_links_and_enclosures():
    entries, rejects = parse_index((FIX / "index.rss").read_bytes(), "https://alerts.example.org/rss.xml")
    assert rejects == []
    assert [(e.id, e.cap_url) for e in entries] == [
        ("https://alerts.example.org/web/wind-2.html", "https://alerts.example.org/cap/wind-2.xml"),  # the enclosure
        ("flood-1", "https://alerts.example.org/cap/flood-1.xml"),
        ("https://alerts.example.org/cap/old-3.xml", "https://alerts.example.org/cap/old-3.xml")]    # undated: last
    assert entries[0].updated == datetime(2025, 6, 10, 23, 30, tzinfo=timezone.utc)
    assert entries[1].updated == datetime(2025, 6, 11, 1, 0, tzinfo=timezone.utc)
    assert entries[2].updated is None


def test_an_atom_entry_document_carrying_cap_is_followed():
    alert = (FIX / "spec_a2_thunderstorm.xml").read_text().split("?>", 1)[1]
    entry = f'<entry xmlns="http://www.w3.org/2005/Atom"><id>x</id><content type="text/xml">{alert}</content></entry>'
    (event,) = parse_document(entry)
    assert event.payload["event"] == cap.parse((FIX / "spec_a2_thunderstorm.xml").read_bytes())[0].payload["event"]
    escaped = entry.replace("<content type=\"text/xml\">" + alert, "<content type=\"text\">"
                            + alert.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    assert parse_document(escaped)[0].source_id == event.source_id   # CAP as escaped text in the content


class Source:
    """An index and its CAP messages on 127.0.0.1, answering conditional GETs with 304."""

    def __init__(self, index: str, messages: dict[str, bytes], *, etag: bool = True) -> None:
        self.index, self.messages, self.etag = index, messages, etag
        self.requests: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.server = serve_get(self.handle)
        self.url = self.server.url

    def handle(self, req) -> None:
        path = req.path
        body = self.index.replace("{base}", self.url).encode() if path.startswith("/index") else self.messages.get(path)
        if body is None:
            req.send_response(404)
            req.end_headers()
            return
        tag = '"' + hashlib.sha1(body).hexdigest() + '"'
        modified = formatdate(1_700_000_000 + int(tag[1:7], 16), usegmt=True)   # changes with the body
        fresh = (req.headers.get("If-None-Match") == tag) if self.etag else \
            (req.headers.get("If-Modified-Since") == modified)
        with self.lock:
            self.requests.append((path, 304 if fresh else 200))
        if fresh:
            req.send_response(304)
            req.end_headers()
            return
        req.send_response(200)
        req.send_header("ETag" if self.etag else "Last-Modified", tag if self.etag else modified)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _cap(identifier: str, sent: str) -> bytes:
    return (f'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>{identifier}</identifier>'
            f'<sender>s</sender><sent>{sent}</sent><status>Actual</status><msgType>Alert</msgType>'
            '<scope>Public</scope><info><category>Met</category><category>Env</category><event>Flood</event>'
            '<urgency>Expected</urgency><severity>Moderate</severity><certainty>Likely</certainty><area>'
            '<areaDesc>a</areaDesc><geocode><valueName>GB</valueName><value>320115</value></geocode></area>'
            '</info></alert>').encode()


ATOM = ('<feed xmlns="http://www.w3.org/2005/Atom"><id>f</id><updated>2025-06-11T10:00:00Z</updated>'
        '<entry><id>a1</id><updated>{u1}</updated><link href="{base}/alerts.php?x=1"/></entry>'
        '<entry><id>a2</id><updated>2025-06-11T09:00:00Z</updated>'
        '<link type="application/atom+xml" href="{base}/entry/2"/></entry></feed>')


@pytest.mark.parametrize("etag", [True, False], ids=["etag", "last-modified"])
def test_connector_follows_the_links_and_does_not_fetch_unchanged_again(etag):
    entry2 = ('<entry xmlns="http://www.w3.org/2005/Atom"><id>a2</id><content type="application/cap+xml">'
              + _cap("A2", "2025-06-11T09:00:00Z").decode() + "</content></entry>").encode()
    source = Source(ATOM.replace("{u1}", "2025-06-11T08:00:00Z"),
                    {"/alerts.php?x=1": _cap("A1", "2025-06-11T08:00:00Z"), "/entry/2": entry2}, etag=etag)
    try:
        connector = CapConnector(source.url + "/index.atom", timeout=5)
        sink = MemorySink()
        assert connector.poll(sink) == (2, "2 alerts")
        assert [e.source_id for e in sink.events] == ["A1", "A2"]
        assert sink.events[0].payload["categories"] == ["Met", "Env"]
        assert sink.events[0].payload["geocodes"] == [{"valueName": "GB", "value": "320115"}]
        assert connector.poll(sink) == (0, "index not modified since the last poll")   # the index: 304
        assert [r for r in source.requests if r[0] != "/index.atom"] == [("/alerts.php?x=1", 200), ("/entry/2", 200)]
        # the entry's updated moves on but the message is the same: asked again, answered 304, not ingested
        source.index = ATOM.replace("{u1}", "2025-06-11T09:40:00Z")
        assert connector.poll(sink) == (0, "0 alerts, 1 unchanged")
        assert source.requests[-1] == ("/alerts.php?x=1", 304)
        assert len(sink.events) == 2 and sink.checkpoints["cap"] == "2025-06-11T09:40:00Z"
    finally:
        source.close()


def test_connector_reads_cap_embedded_in_the_index_without_fetching():
    source = Source((FIX / "index_untyped_and_embedded.atom").read_text(), {})
    try:
        connector = CapConnector(source.url + "/index.atom", timeout=5)
        sink = MemorySink()
        count, detail = connector.poll(sink)
        assert count == 1 and [e.source_id for e in sink.events] == ["EMB-3"]
        assert sink.events[0].payload["geocodes"] == [{"valueName": "ISO3166-2", "value": "CN-JS"}]
        # the two linked ones are not served here: each dead-lettered once with its reason; the HTML-only entry too
        assert len(sink.dead) == 3 and "rejected" in detail
    finally:
        source.close()


def test_connector_reads_an_rss_index():
    rss = ('<rss version="2.0"><channel><title>t</title>'
           '<item><link>{base}/cap/1.xml</link><guid>g1</guid><pubDate>Wed, 11 Jun 2025 08:00:00 GMT</pubDate></item>'
           '<item><enclosure url="{base}/cap/2.xml" type="application/cap+xml"/><guid>g2</guid></item>'
           '</channel></rss>')
    source = Source(rss, {"/cap/1.xml": _cap("R1", "2025-06-11T08:00:00Z"),
                          "/cap/2.xml": (FIX / "cap10_thunderstorm.xml").read_bytes()})
    try:
        connector = CapConnector(source.url + "/index.rss", timeout=5)
        sink = MemorySink()
        assert connector.poll(sink)[0] == 2
        assert [e.source_id for e in sink.events] == ["R1", "KSTO1055887203"]
        assert sink.events[1].payload["cap_version"] == "1.0"
    finally:
        source.close()


def test_at_most_max_messages_per_poll_oldest_first():
    entries = "".join(f'<entry><id>e{i}</id><updated>2025-06-11T0{i}:00:00Z</updated>'
                      f'<link href="{{base}}/m/{i}"/></entry>' for i in range(5))
    index = f'<feed xmlns="http://www.w3.org/2005/Atom"><id>f</id>{entries}</feed>'
    source = Source(index, {f"/m/{i}": _cap(f"M{i}", f"2025-06-11T0{i}:00:00Z") for i in range(5)})
    try:
        connector = CapConnector(source.url + "/index.atom", timeout=5, max_messages=2)
        sink = MemorySink()
        connector.poll(sink)
        source.index = index + " "   # a new ETag: the index is read again
        connector.poll(sink)
        assert [e.source_id for e in sink.events] == ["M0", "M1", "M2", "M3"]
    finally:
        source.close()
