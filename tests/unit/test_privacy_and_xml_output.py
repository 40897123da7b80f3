"""Issue 17, items 7 and 15 (pure parts): XML 1.0-forbidden characters never written; phone and ID-card
numbers masked in free text."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given, strategies as st

from dashboard.domain.privacy import mask_text
from dashboard.web import open311_xml


@given(st.text())
def test_any_text_makes_well_formed_xml(text):
    root = ET.fromstring(open311_xml.listing("service_requests", "request", [{"description": text}]))
    assert root.find("request/description") is not None


def test_phone_and_id_numbers_are_masked():
    assert mask_text("电话13812345678") == "电话138****5678"
    assert mask_text("+86 139-1234-5678") == "+86 139****5678"
    assert "83456789" not in mask_text("座机 025-83456789")
    assert mask_text("身份证110101199003071234") == "身份证110101********1234"
    assert mask_text("案件编号 20261205000001") == "案件编号 20261205000001"   # a case number is not a phone
    assert mask_text(None) is None and mask_text("") == ""
