"""The indexes that list CAP alerts, as authorities publish them, and the connector that follows them.

- Atom: an entry's CAP message is, in this order of preference, embedded in its <content> (as XML,
  or as escaped XML text); behind a link typed application/cap+xml (or another XML type); behind an
  untyped link (`…/alerts.php?x=…`: the type is often left out); behind a link typed
  application/atom+xml (an Atom entry that carries the CAP message, or answers with CAP itself).
  An entry's version is its <updated> (else <published>).
- RSS 2.0: an item's CAP message is behind an <enclosure> (a CAP or XML type first) or its <link>;
  its id is the <guid> (else the link), its version the <pubDate> when it has one.
The connector asks for the index with If-None-Match / If-Modified-Since (a 304 is "nothing new"),
fetches only entries it has not seen at their version (oldest first, at most max_messages per
poll), and asks for each message with the validators of its last answer, so an unchanged message
is not downloaded again.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from . import parsing as p
from .base import HttpError, IngestSink, ParseError, PollingConnector
from .cap import ATOM_NS, CAP_NAMESPACES, CAP_TYPES, NAME, parse_element
from .parsing import Parsed, Reject
from .xml_safe import child_text, children, local, namespace, parse_xml, to_text

XML_TYPES = ("application/xml", "text/xml")
ATOM_TYPES = ("application/atom+xml",)
INDEX_ACCEPT = "application/atom+xml, application/rss+xml;q=0.9, application/xml;q=0.8, */*;q=0.1"
CAP_ACCEPT = "application/cap+xml, application/xml;q=0.9, application/atom+xml;q=0.8, */*;q=0.1"


@dataclass(frozen=True)
class IndexEntry:
    id: str
    updated: datetime | None
    title: str | None
    cap_url: str | None                                     # where to fetch it; None when embedded
    embedded: ET.Element | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, p.iso_z(self.updated) if self.updated else "")


def parse_index(data: bytes | str, base_url: str = "") -> tuple[list[IndexEntry], list[Reject]]:
    """An Atom feed or an RSS 2.0 channel → its entries that carry or link a CAP message (oldest
    first; undated RSS items last, in their order), and the rejected ones."""
    root = parse_xml(data, "feed")
    if local(root.tag) == "feed" and namespace(root.tag) == ATOM_NS:
        return _atom(root, base_url)
    if local(root.tag) == "rss" and not namespace(root.tag):
        return _rss(root, base_url)
    raise ParseError(f"expected an Atom <feed> or an RSS 2.0 <rss>, got <{local(root.tag)}> in "
                     f"{namespace(root.tag) or 'no namespace'}", "feed")


def _ordered(entries: list[IndexEntry]) -> list[IndexEntry]:
    dated = sorted((e for e in entries if e.updated is not None), key=lambda e: e.updated)
    return dated + [e for e in entries if e.updated is None]


def _atom(root: ET.Element, base_url: str) -> tuple[list[IndexEntry], list[Reject]]:
    entries, rejects = [], []
    for i, entry in enumerate(children(root, "entry")):
        where = f"entry[{i}]"
        try:
            entry_id = _required(entry, "id", where)
            stamp = child_text(entry, "updated") or child_text(entry, "published")
            updated = p.timestamp(stamp, f"{where}.updated")
            embedded = embedded_alert(entry, where)
            href = None if embedded is not None else _atom_link(entry, where)
            entries.append(IndexEntry(entry_id, updated, child_text(entry, "title"),
                                      urljoin(base_url, href) if href else None, embedded))
        except (ParseError, ValueError) as exc:
            rejects.append(Reject(to_text(entry), p.item_failure(exc, where)))
    return _ordered(entries), rejects


def _required(elem: ET.Element, name: str, where: str) -> str:
    value = child_text(elem, name)
    if value is None:
        raise ParseError("missing", f"{where}.{name}")
    return value


def embedded_alert(entry: ET.Element, where: str) -> ET.Element | None:
    """The CAP <alert> in an Atom entry's <content>: as XML, or as escaped XML text."""
    for content in children(entry, "content"):
        for child in content.iter():
            if local(child.tag) == "alert" and namespace(child.tag) in CAP_NAMESPACES:
                return child
        text = (content.text or "").strip()
        if text.startswith("<") and "alert" in text[:2000]:
            inner = parse_xml(text, f"{where}.content")
            if local(inner.tag) == "alert" and namespace(inner.tag) in CAP_NAMESPACES:
                return inner
    return None


def _atom_link(entry: ET.Element, where: str) -> str:
    ranked: list[tuple[int, str]] = []
    for link in children(entry, "link"):
        href = (link.get("href") or "").strip()
        rel = (link.get("rel") or "alternate").strip().lower()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        if not href or rel not in ("alternate", "enclosure", "related", "via"):
            continue
        if kind in CAP_TYPES:
            ranked.append((0, href))
        elif kind in XML_TYPES:
            ranked.append((1, href))
        elif not kind:
            ranked.append((2, href))   # untyped: what many authorities publish
        elif kind in ATOM_TYPES:
            ranked.append((3, href))   # an Atom entry document that carries (or content-negotiates) the CAP
    if not ranked:
        raise ParseError("no link to a CAP document (a CAP, XML, Atom or untyped link) and no CAP in <content>",
                         f"{where}.link")
    return min(ranked, key=lambda r: r[0])[1]


def _rss(root: ET.Element, base_url: str) -> tuple[list[IndexEntry], list[Reject]]:
    channel = next((c for c in root if local(c.tag) == "channel"), None)
    if channel is None:
        raise ParseError("an RSS document without a <channel>", "rss")
    entries, rejects = [], []
    for i, item in enumerate(children(channel, "item")):
        where = f"item[{i}]"
        try:
            url = urljoin(base_url, _rss_link(item, where))
            guid = child_text(item, "guid") or url
            when = child_text(item, "pubDate")
            updated = _rfc822(when, f"{where}.pubDate") if when else None
            entries.append(IndexEntry(guid, updated, child_text(item, "title"), url))
        except (ParseError, ValueError) as exc:
            rejects.append(Reject(to_text(item), p.item_failure(exc, where)))
    return _ordered(entries), rejects


def _rss_link(item: ET.Element, where: str) -> str:
    ranked = []
    for enclosure in children(item, "enclosure"):
        url = (enclosure.get("url") or "").strip()
        kind = (enclosure.get("type") or "").split(";")[0].strip().lower()
        if url:
            ranked.append((0 if kind in CAP_TYPES else 1 if kind in XML_TYPES or not kind else 3, url))
    link = child_text(item, "link")
    if link:
        ranked.append((2, link))
    if not ranked:
        raise ParseError("no <link> or <enclosure> to a CAP document", f"{where}.link")
    return min(ranked, key=lambda r: r[0])[1]


def _rfc822(text: str, where: str) -> datetime:
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        value = None
    if value is None:
        try:
            return p.timestamp(text, where)   # some feeds put ISO 8601 there
        except ParseError:
            raise ParseError(f"not an RFC 822 date: {text[:40]!r}", where) from None
    return p.timestamp(value.isoformat(), where)


def parse_document(data: bytes | str, *, source: str = NAME) -> Parsed:
    """What an index entry's link answers: a CAP <alert>, or an Atom entry (or feed) carrying one."""
    root = parse_xml(data, "alert")
    if local(root.tag) == "alert":
        return parse_element(root, source=source)
    if namespace(root.tag) == ATOM_NS and local(root.tag) in ("entry", "feed"):
        entries = [root] if local(root.tag) == "entry" else children(root, "entry")
        for k, entry in enumerate(entries):
            alert = embedded_alert(entry, f"entry[{k}]")
            if alert is not None:
                return parse_element(alert, source=source)
        raise ParseError("an Atom document without a CAP <alert> in its content", local(root.tag))
    raise ParseError(f"expected a CAP <alert> (or an Atom entry carrying one), got <{local(root.tag)}>", "alert")


class CapConnector(PollingConnector):
    """Polls a CAP index (Atom or RSS 2.0) and follows it to the CAP messages. The checkpoint is the
    newest entry version done; it never moves back, and entries older than it are not fetched again
    after a restart."""

    def __init__(self, index_url: str, *, name: str = NAME, max_messages: int = 200, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.index_url = index_url
        self.max_messages = max(1, int(max_messages))
        self._seen: set[tuple[str, str]] = set()
        self._index_validators: dict[str, str] = {}
        self._validators: OrderedDict[str, dict[str, str]] = OrderedDict()   # message URL → its validators

    def poll(self, sink: IngestSink) -> tuple[int, str]:
        response = self.get(self.index_url, headers={"Accept": INDEX_ACCEPT, **self._index_validators})
        if response.status == 304:
            return 0, "index not modified since the last poll"
        entries, rejects = self.parse_payload(sink, response.body, parse_index, self.index_url)
        self._index_validators = _validators(response.headers)
        for reject in rejects:
            self.dead_letter(sink, reject.raw, reject.reason)
        saved = _time_or_none(sink.load_checkpoint(self.name))
        todo = [e for e in entries if e.key not in self._seen
                and (saved is None or e.updated is None or e.updated >= saved)][:self.max_messages]
        total = bad = unchanged = 0
        for entry in todo:   # oldest first, so that the checkpoint only moves past what is done
            try:
                parsed = self._message(sink, entry)
                if parsed is None:
                    unchanged += 1
                else:
                    total += self.deliver(sink, parsed)
            except ParseError:
                bad += 1   # dead-lettered where it was found
            except HttpError as exc:   # the index names an alert the server will not give
                self.dead_letter(sink, f"{entry.id} {entry.cap_url}", str(exc))
                bad += 1
            self._seen.add(entry.key)
            if entry.updated is not None and (saved is None or entry.updated > saved):
                saved = entry.updated
                sink.save_checkpoint(self.name, p.iso_z(saved))
        current = {e.key for e in entries}
        self._seen &= current   # forget what has left the index
        urls = {e.cap_url for e in entries}
        for url in [u for u in self._validators if u not in urls]:
            del self._validators[url]
        return total, (f"{total} alerts" + (f", {unchanged} unchanged" if unchanged else "")
                       + (f", {bad} rejected" if bad else ""))

    def _message(self, sink: IngestSink, entry: IndexEntry) -> Parsed | None:
        if entry.embedded is not None:
            try:
                return parse_element(entry.embedded, source=self.name)
            except ParseError as exc:
                self.dead_letter(sink, to_text(entry.embedded), str(exc))
                raise
        headers = {"Accept": CAP_ACCEPT, **self._validators.get(entry.cap_url, {})}
        response = self.get(entry.cap_url, headers=headers)
        if response.status == 304:
            return None   # the message is as it was: not downloaded again
        parsed = self.parse_payload(sink, response.body, parse_document, source=self.name)
        validators = _validators(response.headers)
        if validators:
            self._validators[entry.cap_url] = validators
            while len(self._validators) > 4 * self.max_messages + 1000:
                self._validators.popitem(last=False)
        return parsed


def _validators(headers) -> dict[str, str]:
    out = {}
    etag = headers.get("ETag") or headers.get("Etag")
    if etag:
        out["If-None-Match"] = etag
    modified = headers.get("Last-Modified")
    if modified:
        out["If-Modified-Since"] = modified
    return out


def _time_or_none(value: str | None) -> datetime | None:
    try:
        return p.timestamp(value, "checkpoint") if value else None
    except ParseError:
        return None
