"""CAP 1.0 and 1.1 beside 1.2, normalized the same way: every <info> with its language, every
<category>, every <geocode> as {valueName, value} (the payload shape the geography reads)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors import cap
from connectors.errors import ParseError

FIX = Path(__file__).parent.parent / "fixtures" / "cap"


def one(name: str):
    (event,) = cap.parse((FIX / name).read_bytes())
    return event


def test_cap_1_0_reads_like_1_2():
    e = one("cap10_thunderstorm.xml")
    p = e.payload
    assert p["cap_version"] == "1.0" and e.source_id == "KSTO1055887203"
    assert e.observed_at == datetime(2003, 6, 17, 21, 57, tzinfo=timezone.utc)
    assert (p["category"], p["categories"], p["certainty"]) == ("Met", ["Met"], "Likely")   # "Very Likely"
    assert p["geocodes"] == [{"valueName": "fips6", "value": "006109"}, {"valueName": "fips6", "value": "006009"}]
    (info,) = p["infos"]
    assert info["event_codes"] == [{"valueName": "same", "value": "SVR"}]
    assert info["parameters"] == [{"valueName": "VTEC", "value": "/O.NEW.KSTO.SV.W.0003/"}]
    assert p["geometry"]["type"] == "Polygon" and p["geometry"]["coordinates"][0][0] == [-120.14, 38.47]
    assert "sdfo87sdfsa" not in repr(e.to_json())   # a 1.0 password is never kept


def test_cap_1_1_spec_example():
    e = one("cap11_namespace.xml")   # the 1.1 specification's Homeland Security example
    p = e.payload
    assert p["cap_version"] == "1.1" and p["category"] == "Security" and p["geocodes"] == []
    assert p["infos"][0]["parameters"] == [{"valueName": "HSAS", "value": "ORANGE"}]
    assert p["headline_en"] == p["headline_zh"] == "Homeland Security Sets Code ORANGE"   # no zh: the first


def test_every_info_with_its_language_and_the_screens_language_chosen():
    p = one("cap11_two_languages.xml").payload
    assert [i["language"] for i in p["infos"]] == ["fr-CA", "en-CA"]
    assert [i["event"] for i in p["infos"]] == ["orages", "thunderstorm"]
    assert p["event"] == "orages"                                        # the first info, as before
    assert p["headline_en"] == "severe thunderstorm warning in effect"   # the English screen: the en info
    assert p["headline_zh"] == "avertissement d'orages violents en vigueur"   # no zh info: the first
    assert cap.info_for_language(p, "en")["description"] == "Thunderstorms may produce large hail."
    assert cap.info_for_language(p, "zh-CN")["language"] == "fr-CA"


def test_every_category_and_every_geocode_once():
    p = one("cap11_two_languages.xml").payload
    assert p["categories"] == ["Met", "Safety"] and p["category"] == "Met"
    assert p["infos"][0]["categories"] == ["Met", "Safety"]
    assert p["geocodes"] == [
        {"valueName": "profile:CAP-CP:Location:0.3", "value": "2466023"},
        {"valueName": "profile:CAP-CP:Location:0.3", "value": "2465005"},
        {"valueName": "layer:EC-MSC-SMC:1.0:CLC", "value": "071300"}]
    assert p["area_desc"] == "Ville de Montréal; Laval"


def test_cap_1_2_spec_thunderstorm_geocodes():
    p = one("spec_a2_thunderstorm.xml").payload
    assert p["cap_version"] == "1.2"
    assert [g["value"] for g in p["geocodes"]] == ["006109", "006009", "006003"]
    assert all(g["valueName"] == "SAME" for g in p["geocodes"])


def test_multilingual_spec_example_keeps_both_infos():
    p = one("spec_a4_amber_multilingual.xml").payload
    assert len(p["infos"]) >= 2 and len({i["language"] for i in p["infos"]}) == len(p["infos"])


@pytest.mark.parametrize("geocode, message", [
    ("<geocode>no equals sign</geocode>", "info[0].area[0].geocode[0]: expected valueName=value"),
    ("<geocode><valueName>SAME</valueName></geocode>", "info[0].area[0].geocode[0]: needs a valueName and a value"),
])
def test_unusable_geocodes_say_where(geocode, message):
    doc = ('<alert xmlns="http://www.incident.com/cap/1.0"><identifier>x</identifier><sender>s</sender>'
           '<sent>2025-06-11T09:00:00Z</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>'
           '<info><category>Met</category><event>e</event><urgency>Past</urgency><severity>Minor</severity>'
           f'<certainty>Likely</certainty><area><areaDesc>a</areaDesc>{geocode}</area></info></alert>')
    with pytest.raises(ParseError) as info:
        cap.parse(doc)
    assert str(info.value).startswith(message)


def test_an_unknown_cap_namespace_is_refused():
    with pytest.raises(ParseError, match="is not CAP 1.0, 1.1 or 1.2"):
        cap.parse("<alert xmlns='urn:oasis:names:tc:emergency:cap:2.0'/>")


def test_cap_1_0_references_without_the_sent_time():
    doc = ('<alert xmlns="http://www.incident.com/cap/1.0"><identifier>x2</identifier><sender>s</sender>'
           '<sent>2025-06-11T09:00:00Z</sent><status>Actual</status><msgType>Cancel</msgType><scope>Public</scope>'
           '<references>s,x1 x0</references></alert>')
    assert cap.parse(doc)[0].payload["references"] == ["x1", "x0"]
