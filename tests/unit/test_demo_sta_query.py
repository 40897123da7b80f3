"""The demo SensorThings server's query-option parser."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dashboard.demo.servers.sta_query import QueryError, parse_expand, parse_filter, parse_options


def test_filter_comparisons_joined_by_and():
    clauses = parse_filter("phenomenonTime gt 2025-06-01T00:00:00Z and (Datastream/@iot.id eq 5) and name eq 'a and b'")
    assert [(c.path, c.op) for c in clauses][:2] == [("phenomenonTime", "gt"), ("Datastream/@iot.id", "eq")]
    assert clauses[0].value == datetime(2025, 6, 1, tzinfo=timezone.utc)
    assert clauses[1].value == 5
    assert clauses[0].test("2025-06-01T00:00:01Z") and not clauses[0].test("2025-06-01T00:00:00Z")


@pytest.mark.parametrize("text", ["a eq 1 or b eq 2", "substringof('x', name)", "result gt", "not a eq 1",
                                  "phenomenonTime gt 2025-06-01T00:00:00"])
def test_filter_refuses_what_it_cannot_do(text):
    with pytest.raises(QueryError):
        parse_filter(text)


def test_expand_paths_merge_and_nest():
    (ds,) = parse_expand("Datastream/Thing,Datastream/ObservedProperty")
    assert ds.nav == "Datastream" and [e.nav for e in ds.options.expand] == ["Thing", "ObservedProperty"]
    (ds,) = parse_expand("Datastream($select=name;$expand=Thing/Locations)")
    assert ds.options.select == ["name"]
    assert ds.options.expand[0].nav == "Thing" and ds.options.expand[0].options.expand[0].nav == "Locations"


def test_options():
    q = {"$top": "5", "$skip": "10", "$count": "true", "$orderby": "phenomenonTime desc,result"}
    opts = parse_options(q.get)
    assert (opts.top, opts.skip, opts.count) == (5, 10, True)
    assert opts.orderby == [("phenomenonTime", True), ("result", False)]
    for bad in ({"$top": "-1"}, {"$top": "x"}, {"$count": "yes"}, {"$orderby": "a sideways"}):
        with pytest.raises(QueryError):
            parse_options(bad.get)
