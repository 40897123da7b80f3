"""Big XML payloads read streaming, as national access points publish them: plain or gzip (a
`.xml.gz` file, `application/x-gzip`, found by its magic bytes whatever the name or type says),
with a size limit on the unzipped bytes, DOCTYPE/ENTITY declarations refused before any element is
built, and elements handed out one at a time and then dropped, so memory does not grow with the file.
"""
from __future__ import annotations

import collections
import gzip
import io
import xml.etree.ElementTree as ET
import zlib
from typing import BinaryIO, Iterator
from xml.parsers import expat

from .errors import ParseError

GZIP_MAGIC = b"\x1f\x8b"
START_EVENT, END_EVENT = "start", "end"   # the very objects the parser hands back: compare with `is`
CHUNK = 1 << 14   # 16 KB, as iterparse reads: a small batch of events stays in the cache (measured: 64 KB was 20 % slower)
MAX_DEPTH = 100          # DATEX II nests about 15 deep (SOAP included); deeper is an attack on memory
MAX_SILENT_BYTES = 1 << 18   # this much input without one element ending: nesting too deep (or one giant text)


class TooLarge(ParseError):
    """The payload is larger than the limit the settings allow."""


def is_gzip(head: bytes) -> bool:
    return head[:2] == GZIP_MAGIC


class _Limited(io.RawIOBase):
    """Reads from `inner`, raising TooLarge past `limit` bytes (the unzipped size)."""

    def __init__(self, inner: BinaryIO, limit: int | None, what: str) -> None:
        self.inner, self.limit, self.what, self.count = inner, limit, what, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.inner.read(len(buffer))
        except (OSError, EOFError, zlib.error) as exc:   # a broken or cut gzip stream
            raise ParseError(f"not a readable gzip stream: {exc}", self.what) from None
        self.count += len(data)
        if self.limit is not None and self.count > self.limit:
            raise TooLarge(f"larger than {self.limit / 1e6:g} MB unzipped (the limit; see the size setting)",
                           self.what)
        buffer[:len(data)] = data
        return len(data)


def open_payload(source: bytes | bytearray | str | BinaryIO, *, max_bytes: int | None = None,
                 what: str = "payload") -> BinaryIO:
    """A binary stream of the payload's XML bytes: gunzipped when it starts with the gzip magic,
    limited to max_bytes (unzipped)."""
    if isinstance(source, str):
        source = source.encode("utf-8")
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(bytes(source))
    if not hasattr(source, "read"):
        raise ParseError(f"expected bytes or a file, got {type(source).__name__}", what)
    buffered = source if hasattr(source, "peek") else io.BufferedReader(_Limited(source, None, what))
    head = buffered.peek(2)[:2]
    inner: BinaryIO = gzip.GzipFile(fileobj=buffered, mode="rb") if is_gzip(head) else buffered
    return io.BufferedReader(_Limited(inner, max_bytes, what), CHUNK)


class _Forbidden(Exception):
    pass


class _RootSeen(Exception):
    pass


def _prolog_guard() -> expat.XMLParserType:
    """Refuses a DOCTYPE/ENTITY (which can only come before the root element); done at the root."""
    scanner = expat.ParserCreate()

    def forbid(what):
        def handler(*_):
            raise _Forbidden(what)
        return handler

    scanner.StartDoctypeDeclHandler = forbid("a DOCTYPE declaration")
    scanner.EntityDeclHandler = forbid("an ENTITY declaration")
    scanner.ExternalEntityRefHandler = forbid("an external entity")

    def root(*_):
        raise _RootSeen()

    scanner.StartElementHandler = root
    return scanner


class EventBatches:
    """Iterate for the queue of ("start" | "end", element) after each chunk read, in document order;
    drain it (popleft) before asking for the next.
    The caller removes elements it is done with from their parent so that nothing accumulates.
    ParseError when the document is not well-formed or declares a DTD (refused before any element
    is built). Batches rather than single events: a 50 MB publication has millions of them.
    ends_only() stops start events from the next chunk on (a reader that has found what it needed
    from them saves half the events); the current batch may still hold some."""

    def __init__(self, stream: BinaryIO, what: str = "payload") -> None:
        self.stream, self.what = stream, what
        self.queue: collections.deque = collections.deque()
        self.parser = ET.XMLParser(target=ET.TreeBuilder())
        self.parser._setevents(self.queue, (START_EVENT, END_EVENT))   # what XMLPullParser does, minus a layer

    def ends_only(self) -> None:
        self.parser._setevents(self.queue, (END_EVENT,))

    def __iter__(self) -> Iterator[collections.deque]:
        queue, parser, what = self.queue, self.parser, self.what
        guard: expat.XMLParserType | None = _prolog_guard()
        seen_any, silent = False, 0
        while True:
            chunk = self.stream.read(CHUNK)
            if guard is not None and (chunk or not seen_any):
                try:
                    guard.Parse(chunk, not chunk)
                except _RootSeen:
                    guard = None
                except _Forbidden as exc:
                    raise ParseError(f"refused: the document contains {exc} (not allowed)", what) from None
                except expat.ExpatError as exc:
                    raise ParseError(f"not well-formed XML: {expat.errors.messages.get(exc.code, exc)} "
                                     f"at line {exc.lineno} column {exc.offset}", what) from None
            try:
                if chunk:
                    parser.feed(chunk)
                else:
                    parser.close()
            except ET.ParseError as exc:
                raise ParseError(f"not well-formed XML: {exc}", what) from None
            except (ValueError, LookupError, RecursionError) as exc:
                raise ParseError(f"not usable XML: {exc}", what) from None
            if queue:
                seen_any, silent = True, 0
                yield queue   # the caller drains it (popleft): each event freed as soon as it is used
            else:
                # with start events off, endless nesting shows only as input that closes nothing;
                # every open element is held in memory, so stop long before the size limit would
                silent += len(chunk)
                if silent > MAX_SILENT_BYTES:
                    raise ParseError(f"refused: {MAX_SILENT_BYTES // 1024} KB of the document closed no "
                                     f"element (nested too deeply, or one text too long)", what)
            if not chunk:
                return


def iter_events(stream: BinaryIO, what: str = "payload") -> Iterator[tuple[str, ET.Element]]:
    """EventBatches, one event at a time."""
    for queue in EventBatches(stream, what):
        while queue:
            yield queue.popleft()
