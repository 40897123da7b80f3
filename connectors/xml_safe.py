"""XML without surprises: documents with a DOCTYPE or ENTITY declaration are refused before the
tree is built (no entity expansion, no external entities), and every failure is a ParseError."""
from __future__ import annotations

import functools

import xml.etree.ElementTree as ET
from xml.parsers import expat

from . import xml_limits
from .errors import ParseError


class _Forbidden(Exception):
    pass


def _forbid(what: str):
    def handler(*_args):
        raise _Forbidden(what)
    return handler


def parse_xml(data: bytes | str, what: str = "payload") -> ET.Element:
    """The root element of a document; ParseError if it is not well-formed or declares a DTD."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray)):
        raise ParseError(f"expected bytes or text, got {type(data).__name__}", what)
    xml_limits.check_size(data, what)
    scanner = expat.ParserCreate()
    xml_limits.ElementBudget(what).watch(scanner)   # bytes, elements and depth bounded before any tree is built
    scanner.StartDoctypeDeclHandler = _forbid("a DOCTYPE declaration")
    scanner.EntityDeclHandler = _forbid("an ENTITY declaration")
    scanner.ExternalEntityRefHandler = _forbid("an external entity")
    try:
        scanner.Parse(bytes(data), True)
    except _Forbidden as exc:
        raise ParseError(f"refused: the document contains {exc} (not allowed)", what) from None
    except expat.ExpatError as exc:
        raise ParseError(f"not well-formed XML: {expat.errors.messages.get(exc.code, exc)} "
                         f"at line {exc.lineno} column {exc.offset}", what) from None
    except (ValueError, RecursionError, LookupError) as exc:   # e.g. an unknown encoding declaration
        raise ParseError(f"not usable XML: {exc}", what) from None
    try:
        return ET.fromstring(bytes(data))
    except (ET.ParseError, ValueError, RecursionError, LookupError) as exc:
        raise ParseError(f"not well-formed XML: {exc}", what) from None


@functools.lru_cache(maxsize=4096)
def local(tag: str) -> str:
    """Tag without its {namespace} (cached: a big document repeats a few tags many times)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def child_text(elem: ET.Element, name: str) -> str | None:
    """Text of the first child with this local name (any namespace), stripped; None if absent or empty."""
    for child in elem:
        if local(child.tag) == name:
            value = (child.text or "").strip()
            return value or None
    return None


def children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if local(c.tag) == name]


def to_text(elem: ET.Element) -> str:
    return ET.tostring(elem, encoding="unicode")
