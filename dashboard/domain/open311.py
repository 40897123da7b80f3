"""Open311 GeoReport v2 as CityOps serves it, the pure part: which categories are services, their
attributes, how an incident reads as a service request, how a POST's fields are checked.

The service_code is the category code; the service_request_id is the incident's case number (code).
Reporters' contact details never appear in what is served.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from . import categories, workflow
from .privacy import mask_text

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_REQUESTS = 1000          # the spec's default limit: 90 days or 1000 requests, whichever is smaller
MAX_SPAN_DAYS = 90
CLOSED_STATUSES = frozenset({workflow.CLOSED, workflow.REJECTED, workflow.MERGED})

# Which categories citizens may report is the city's data (categories.csv, column reportable).

# What each status means to the person who reported it.
STATUS_NOTES = {
    workflow.REPORTED: ("已受理，待核实", "Received, being verified"),
    workflow.VERIFIED: ("已立案，待派遣", "Verified, about to be assigned"),
    workflow.DISPATCHED: ("已派遣至责任部门", "Assigned to the responsible department"),
    workflow.ACCEPTED: ("责任部门处理中", "Being handled by the responsible department"),
    workflow.RETURNED: ("重新派遣中", "Being reassigned"),
    workflow.FIXED: ("已处理，待核查", "Reported fixed, being checked"),
    workflow.CLOSED: ("已核查结案", "Checked and closed"),
    workflow.REJECTED: ("经核实不予立案", "Not a case after verification"),
    workflow.MERGED: ("与其他案件合并处理", "Handled together with another report"),
}


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str                        # string, number, datetime, text, singlevaluelist, multivaluelist
    required: bool
    order: int
    description_zh: str
    description_en: str
    values: tuple[tuple[str, str, str], ...] = ()    # (key, name_zh, name_en)


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("danger", "singlevaluelist", False, 1, "现在是否危及人身安全？", "Is anyone in danger right now?",
              (("yes", "是", "Yes"), ("no", "否", "No"))),
    Attribute("location_detail", "string", False, 2, "具体位置（楼栋、门牌、参照物）",
              "Exact place (building, door number, landmark)"),
)
ATTRIBUTES_BY_CODE = {a.code: a for a in ATTRIBUTES}


def _zh(lang: str) -> bool:
    return lang.startswith("zh")


def service_record(cat: categories.Category, lang: str) -> dict[str, Any]:
    return {"service_code": cat.code, "service_name": cat.name(lang),
            "description": cat.name_en if _zh(lang) else cat.name_zh, "metadata": True, "type": "realtime",
            "keywords": f"{cat.group_zh}, {cat.group_en}", "group": cat.group_zh if _zh(lang) else cat.group_en}


def service_definition(cat: categories.Category, lang: str) -> dict[str, Any]:
    return {"service_code": cat.code, "attributes": [
        {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": None, "order": a.order,
         "description": a.description_zh if _zh(lang) else a.description_en,
         "values": [{"key": k, "name": zh if _zh(lang) else en} for k, zh, en in a.values]}
        for a in ATTRIBUTES]}


def request_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def _iso(value: datetime | None, tz: tzinfo | None = None) -> str | None:
    if value is None:
        return None
    return (value.astimezone(tz) if tz else value).isoformat(timespec="seconds")


# Whose free text is public: what citizens posted to an Open311 server (ours, or the city's feed of
# one) — with phone and ID numbers masked. A phoned-in case's text (the caller's name, number, home)
# and the text of other sources are not published.
PUBLIC_TEXT_SOURCES = frozenset({"open311"})


def public_description(row: dict) -> str | None:
    if row.get("source") not in PUBLIC_TEXT_SOURCES:
        return None
    return mask_text(row.get("description")) or None


def _iso_safe(value, tz):
    try:
        return _iso(value, tz)
    except (OverflowError, ValueError):   # a time at the edge of the calendar: in UTC rather than not at all
        return _iso(value)


def request_record(row: dict, lang: str, agency: str | None, extensions: bool = False,
                   tz: tzinfo | None = None, cat: categories.Category | None = None) -> dict[str, Any]:
    """An incident as a GeoReport v2 service request (no reporter data, ever); times in the city's zone."""

    details = row.get("details") or {}
    zh_note, en_note = STATUS_NOTES.get(row["status"], (row["status"], row["status"]))
    record = {
        "service_request_id": row["code"],
        "status": request_status(row["status"]),
        "status_notes": zh_note if _zh(lang) else en_note,
        "service_name": cat.name(lang) if cat else row["category"],
        "service_code": row["category"],
        "description": public_description(row),
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _iso_safe(row.get("reported_at"), tz),
        "updated_datetime": _iso_safe(row.get("updated_at"), tz),
        "expected_datetime": _iso_safe(row.get("deadline"), tz),
        "address": row.get("address"),
        "address_id": None,
        "zipcode": None,
        "lat": row.get("lat"),
        "long": row.get("lon"),
        "media_url": details.get("media_url"),
    }
    if extensions:
        record["extended_attributes"] = {"cityops_status": row["status"], "priority": row.get("priority"),
                                         "district": row.get("district"), "department": row.get("department")}
    return record


class RequestRefused(Exception):
    """A POST that cannot become a request: the Open311 error code and a description for the client."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def check_attributes(given: dict[str, list[str]]) -> dict[str, Any]:
    """attribute[code]=value pairs → {code: value or [values]}; unknown codes, bad keys and missing
    required attributes are refused with 400."""
    out: dict[str, Any] = {}
    for code, values in given.items():
        attr = ATTRIBUTES_BY_CODE.get(code)
        if attr is None:
            raise RequestRefused(400, f"attribute[{code}] is not an attribute of this service; "
                                      f"attributes: {', '.join(ATTRIBUTES_BY_CODE)}")
        values = [v.strip() for v in values if v.strip()]
        if attr.values:
            keys = {k for k, _, _ in attr.values}
            bad = [v for v in values if v not in keys]
            if bad:
                raise RequestRefused(400, f"attribute[{code}] must be one of {', '.join(sorted(keys))}, not {bad[0]!r}")
        if attr.datatype == "singlevaluelist" and len(values) > 1:
            raise RequestRefused(400, f"attribute[{code}] takes one value")
        if values:
            out[code] = values if attr.datatype == "multivaluelist" else values[0][:500]
    missing = [a.code for a in ATTRIBUTES if a.required and a.code not in out]
    if missing:
        raise RequestRefused(400, f"attribute[{missing[0]}] is required")
    return out


def coordinates(lat: str | None, lon: str | None) -> tuple[float | None, float | None]:
    if not lat and not lon:
        return None, None
    if not lat or not lon:
        raise RequestRefused(400, "lat and long must be given together")
    try:
        y, x = float(lat), float(lon)
    except ValueError:
        raise RequestRefused(400, "lat and long must be decimal degrees (WGS84)") from None
    if not (-90 <= y <= 90 and -180 <= x <= 180):
        raise RequestRefused(400, "lat must be within ±90 and long within ±180")
    return y, x
