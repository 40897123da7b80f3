"""DATEX II measured data (MeasuredDataPublication, 2.x and 3) → segment_speed events.

DATEX II 2.x wraps the publication as d2LogicalModel/payloadPublication; 3 as
messageContainer/payload (or a bare payload), its elements spread over several namespaces
(roadTrafficData, common …). Elements are matched by local name, the publication's type by its
xsi:type, so both versions read the same.

One event per measurement site (siteMeasurements): segment_id is its measurementSiteReference id,
observed at its measurementTimeDefault. A site reports one value per lane or vehicle class, each
under its own index (measuredValue in 2.x, physicalQuantity in 3):
- flows (TrafficFlow vehicleFlow/vehicleFlowRate, vehicles per hour) add up;
- speeds (TrafficSpeed averageVehicleSpeed/speed, km/h) are averaged, weighted by the flow given
  just before each of them (the usual flow-then-speed pairs per lane), or plainly if any lacks one.
A speed of -1, or one computed from numberOfInputValuesUsed="0" (no vehicle passed), is missing:
None, never -1. A flow of -1 is missing too, and so is any value marked dataError.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, BinaryIO, Iterator

from dashboard.domain.events import Event

from . import parsing as p
from .base import HttpError, IngestSink, PollingConnector, save_newer_time
from .errors import ParseError
from .http import credential_headers, explain_refusal
from .parsing import Parsed, Reject
from .xml_safe import local, namespace, to_text
from .xml_stream import MAX_DEPTH, START_EVENT, EventBatches, open_payload
from .datex2_sites import (_ROLES, PUBLICATION, SITE, _basic_value, _careful_site_event,  # noqa: F401
                           _site_event, _site_from, xsi_type)

NAME = "datex2"
DATEX_NS = "http://datex2.eu/schema/"
MEASURED = "MeasuredDataPublication"


def parse(data: bytes | str, *, source: str = NAME, max_bytes: int | None = None) -> Parsed:
    """A DATEX II document (plain or gzip) → one event per siteMeasurements; bad sites become rejects.
    Collects what iter_items gives; the connector and `cityops parse` of a big file use iter_items."""
    out = Parsed()
    for item in iter_items(data, source=source, max_bytes=max_bytes):
        (out.rejects if isinstance(item, Reject) else out).append(item)
    return out


PUBLICATIONS = ("payloadPublication", "payload")   # 2.x, 3
START = START_EVENT


def iter_items(payload: bytes | str | BinaryIO, *, source: str = NAME,
               max_bytes: int | None = None) -> Iterator[Event | Reject]:
    """An Event or a Reject per siteMeasurements, read streaming (gzip or plain; 2.x or 3; inside a
    SOAP envelope or not): each site's element is dropped once read, so memory stays flat however
    big the publication. ParseError (TooLarge past max_bytes unzipped) when the document is unusable —
    possibly after some items were given, if it breaks part-way."""
    stream = open_payload(payload, max_bytes=max_bytes, what="d2LogicalModel")
    depth = 0
    first: list[str] = []    # local names of the first three open elements (Envelope/Body/root)
    soap = False
    datex_depth = 0          # depth of the DATEX II root element (1, or 3 inside a SOAP Body)
    root_name = "d2LogicalModel"
    publication: ET.Element | None = None
    pub_depth = 0            # depth of the publication being read; 0: none
    pub_measured = False
    kinds: list[str] = []    # each publication's type, for the message when none is measured data
    pub_name = ""
    sites = 0
    roles: dict = {}         # tag → what it is (_ROLES), for the one pass over each site
    wants: dict = {}         # an xsi:type as written → the value container it wants
    limit = 4                # start events deeper than this need no look (inside a publication, or too deep)
    ends_only = False        # in a measured publication: start events switched off, sites found by name
    # the site being read (ends_only): its values so far, and anything that sends it the careful way
    flows: list[int] = []
    speeds: list[tuple[float, int | None]] = []
    pending: int | None = None
    odd = False
    container = leaf = site_ref = time_elem = None
    container_role = 0
    events = EventBatches(stream, "d2LogicalModel")
    for queue in events:
        take = queue.popleft
        while queue:   # the hot loop: millions of events in a big publication
            event, elem = take()
            if event is START:
                if ends_only:
                    continue   # queued before the switch
                depth += 1
                if depth > limit:
                    if depth > MAX_DEPTH:
                        raise ParseError(f"refused: elements nested deeper than {MAX_DEPTH} levels", root_name)
                    continue
                name = local(elem.tag)
                if depth <= 3:
                    first.append(name)
                if depth == 1 and name == "Envelope":
                    soap, root_name = True, "Envelope"
                elif depth == 1 or (soap and not datex_depth and depth == 3 and first[1] == "Body"):
                    _check_datex(elem)
                    datex_depth, root_name = depth, name
                if (datex_depth and depth in (datex_depth, datex_depth + 1) and name in PUBLICATIONS
                        and namespace(elem.tag).startswith(DATEX_NS)):
                    kind = xsi_type(elem)
                    kinds.append(kind or "untyped")
                    publication, pub_depth, pub_name, pub_measured = elem, depth, name, kind in (MEASURED, None)
                    limit = depth
                    if pub_measured:   # from here on only its siteMeasurements matter: half the events
                        ends_only = True
                        events.ends_only()
                continue
            if ends_only:   # one pass: each element read as it ends, the site's event made at its end
                role = roles.get(elem.tag)
                if role is None:
                    role = roles[elem.tag] = _ROLES.get(local(elem.tag), 0)
                if not role:
                    continue
                if role == 3 or role == 5:        # a value (vehicleFlowRate, speed)
                    if leaf is None:
                        leaf = elem
                elif role == 2 or role == 4:      # its container (vehicleFlow, averageVehicleSpeed)
                    if container is None:
                        container, container_role = elem, role
                elif role == 1:                   # basicData: the value is complete
                    got = _basic_value(elem, container, container_role, leaf, wants)
                    container = leaf = None
                    if got is None:
                        odd = True
                    elif got[0] == 1:
                        pending = got[1]
                        if pending is not None:
                            flows.append(pending)
                    elif got[0] == 2:
                        if got[1] is not None:
                            speeds.append((got[1], pending))
                        pending = None
                elif role == 6:
                    if site_ref is None:
                        site_ref = elem
                elif role == 7:
                    if time_elem is None:
                        time_elem = elem
                elif role == 9:
                    odd = True
                elif role == SITE:
                    where = f"siteMeasurements[{sites}]"
                    sites += 1
                    try:
                        yield (_careful_site_event(elem, where, source) if odd else
                               _site_from(elem, where, source, site_ref, time_elem, flows, speeds))
                    except (ParseError, ValueError, OverflowError) as exc:
                        yield Reject(to_text(elem), p.item_failure(exc, where))
                    if publication is not None:
                        try:
                            publication.remove(elem)   # read: drop it
                        except ValueError:             # not where the schema puts it: empty it at least
                            elem.clear()
                    else:
                        elem.clear()
                    flows, speeds, pending, odd = [], [], None, False
                    container = leaf = site_ref = time_elem = None
                elif role == PUBLICATION and namespace(elem.tag).startswith(DATEX_NS):
                    if elem is publication:
                        publication = None
                    else:   # a later payload of a v3 container, seen at its end only
                        kinds.append(xsi_type(elem) or "untyped")
                        elem.clear()
                continue
            depth -= 1
            if depth != pub_depth:
                if elem is publication:   # its end: it holds nothing any more
                    publication, pub_depth, limit = None, 0, 4
                continue
            if publication is not None:   # a direct child of a publication that is not measured data
                publication.remove(elem)
    if soap and not datex_depth:
        raise ParseError("a SOAP envelope without a DATEX II document in its Body", "Envelope")
    if not kinds:
        raise ParseError("no payloadPublication (DATEX II 2) or payload (DATEX II 3) in it", root_name)
    if not sites and MEASURED not in kinds:
        raise ParseError(f"expected a {MEASURED}, got {', '.join(sorted(set(kinds)))}", pub_name)


def _check_datex(root: ET.Element) -> None:
    if not namespace(root.tag).startswith(DATEX_NS):
        raise ParseError(f"namespace {namespace(root.tag) or '(none)'!r} of <{local(root.tag)}> is not "
                         f"DATEX II ({DATEX_NS}…)", local(root.tag))


class Datex2Connector(PollingConnector):
    """Polls a DATEX II pull service (a MeasuredDataPublication snapshot, 2.x or 3) every
    poll_seconds. Credentials: HTTP Basic (username/password), as national access points use.
    Publications come as they are published: plain XML, a gzip file (.xml.gz, application/x-gzip)
    or Content-Encoding: gzip, up to max_bytes unzipped (the datex2_max_mb setting). The body goes
    to a temporary file and is read streaming; events go to ingest in batches of BATCH, so memory
    does not grow with the publication.

    It asks with If-Modified-Since (the Last-Modified of the previous answer): a 304 is "nothing
    new". The checkpoint is the newest measurement time delivered; it never moves back, and an
    older snapshot (a lagging cache) is still delivered, for ingest stores each version once and
    never lets an older reading overwrite a newer one. A publication that breaks part-way keeps
    the sites read before the break and dead-letters the break (with the head of the file)."""

    BATCH = 2000

    def __init__(self, url: str, *, name: str = NAME, username: str = "", password: str = "",
                 max_bytes: int = 512_000_000, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.url = url
        self.max_bytes = int(max_bytes)
        self.headers = {"Accept": "application/xml, application/x-gzip;q=0.9, */*;q=0.1",
                        "Accept-Encoding": "gzip", **credential_headers(username=username, password=password)}
        self.last_modified: str | None = None

    def poll(self, sink: IngestSink) -> tuple[int, str]:
        headers = dict(self.headers)
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        try:
            response = self.http.download(self.url, headers=headers, stop=self.stop_event, max_bytes=self.max_bytes)
        except HttpError as exc:
            raise explain_refusal(exc, "CITYOPS_DATEX2_USERNAME and CITYOPS_DATEX2_PASSWORD") from None
        try:
            if response.status == 304:
                return 0, "not modified since the last poll"
            count, rejects, newest = self._deliver_stream(sink, response.file)
        finally:
            response.close()
        self.last_modified = response.headers.get("Last-Modified") or None
        save_newer_time(sink, self.name, newest)
        return count, f"{count} site readings" + (f", {rejects} rejected" if rejects else "")

    def _deliver_stream(self, sink: IngestSink, file) -> tuple[int, int, Any]:
        count = rejects = 0
        newest = None
        batch = Parsed()
        try:
            for item in iter_items(file, source=self.name, max_bytes=self.max_bytes):
                if isinstance(item, Reject):
                    batch.rejects.append(item)
                    rejects += 1
                else:
                    batch.append(item)
                    newest = item.observed_at if newest is None or item.observed_at > newest else newest
                if len(batch) + len(batch.rejects) >= self.BATCH:
                    count += self.deliver(sink, batch)
                    batch = Parsed()
        except ParseError as exc:
            count += self.deliver(sink, batch)
            file.seek(0)
            head = file.read(65537)
            self.dead_letter(sink, head[:65536], str(exc) if len(head) <= 65536
                             else f"{exc} (the first 64 KB of the answer are kept here)")
            save_newer_time(sink, self.name, newest)
            raise
        count += self.deliver(sink, batch)
        return count, rejects, newest
