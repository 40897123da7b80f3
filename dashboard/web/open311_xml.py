"""GeoReport v2 documents as XML, the way the spec's examples write them: UTF-8 with the XML
declaration, one element per field, empty elements for empty fields, lists as repeated children
(<services><service>, <endpoints><endpoint>, <formats><format>, <values><value>, <errors><error>)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

# Characters XML 1.0 does not allow anywhere in a document (C0 controls but tab, CR and LF; lone
# surrogates; U+FFFE and U+FFFF). A citizen's text may hold them: they are left out of what we write,
# so one report can never make the whole list unreadable to every consumer.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    return _FORBIDDEN.sub("", text)

# list field → the tag of each item
ITEM_TAGS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


def _fill(element: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        child = ET.SubElement(element, clean(str(key)))
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):
            for item in value:
                sub = ET.SubElement(child, ITEM_TAGS.get(key, "item"))
                if isinstance(item, dict):
                    _fill(sub, item)
                else:
                    sub.text = _text(item)
        else:
            child.text = _text(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return clean(str(value))


def document(root: str, data: dict[str, Any]) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return ET.tostring(element, encoding="UTF-8", xml_declaration=True)


def listing(root: str, item: str, items: list[dict[str, Any]]) -> bytes:
    element = ET.Element(root)
    for entry in items:
        _fill(ET.SubElement(element, item), entry)
    return ET.tostring(element, encoding="UTF-8", xml_declaration=True)


def errors(items: list[dict[str, Any]]) -> bytes:
    return listing("errors", "error", items)
