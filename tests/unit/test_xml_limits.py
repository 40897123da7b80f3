"""Issue 17, item 17: every XML input is bounded in bytes, elements and depth before a tree is built."""
from __future__ import annotations

import resource

import pytest

from connectors.errors import ParseError
from connectors.xml_safe import parse_xml


def test_a_million_empty_elements_is_refused_without_building_them():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ParseError, match="elements"):
        parse_xml(b"<r>" + b"<a/>" * 1_000_000 + b"</r>", "requests")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, grown_mb       # the tree would have taken some 400 MB


def test_deep_nesting_and_size_are_bounded():
    with pytest.raises(ParseError, match="deeper"):
        parse_xml(b"<a>" * 5000 + b"</a>" * 5000, "alert")
    with pytest.raises(ParseError, match="MB"):
        parse_xml(b"<r>" + b"x" * 25_000_000 + b"</r>", "alert")


def test_ordinary_documents_still_parse():
    root = parse_xml("<alert><info><event>暴雨</event></info></alert>", "alert")
    assert root.find("info/event").text == "暴雨"
