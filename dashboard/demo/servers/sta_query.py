"""The subset of OData query options the demo SensorThings server understands:
$top, $skip, $count, $orderby, $select, $filter (comparisons joined by `and`), $expand (paths and
nested options such as Datastream($select=name;$expand=Thing))."""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

OPS = {"eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}
_COMPARISON = re.compile(r"^\s*([A-Za-z@][\w@./]*)\s+(eq|ne|gt|ge|lt|le)\s+(.+?)\s*$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


class QueryError(ValueError):
    """A query option the demo cannot honour; the message says which and why."""


@dataclass(frozen=True)
class Comparison:
    path: str
    op: str
    value: Any

    def test(self, actual: Any) -> bool:
        expected = self.value
        if isinstance(expected, datetime) and isinstance(actual, str):
            actual = parse_time(actual)
        if actual is None or expected is None:
            return (self.op == "eq") == (actual is expected)
        try:
            return OPS[self.op](actual, expected)
        except TypeError:
            return False


@dataclass
class Expand:
    nav: str
    options: "Options"


@dataclass
class Options:
    top: int | None = None
    skip: int = 0
    count: bool = False
    orderby: list[tuple[str, bool]] = field(default_factory=list)     # (path, descending)
    filter: list[Comparison] = field(default_factory=list)
    select: list[str] | None = None
    expand: list[Expand] = field(default_factory=list)


def parse_time(text: str) -> datetime:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise QueryError(f"time {text!r} needs a time zone (Z or an offset)")
    return dt


def split_top(text: str, sep: str) -> list[str]:
    """Split on `sep` outside parentheses and quotes."""
    parts, depth, quoted, current = [], 0, False, []
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if _DATETIME.match(text):
        return parse_time(text)
    try:
        return float(text)
    except ValueError:
        raise QueryError(f"cannot read the value {text!r} in $filter") from None


def parse_filter(text: str) -> list[Comparison]:
    text = text.strip()
    # blank out quoted strings (keeping positions) so that words inside them are not operators
    masked = re.sub(r"'[^']*'", lambda m: "'" + "_" * (len(m.group()) - 2) + "'", text)
    if re.search(r"\s+or\s+|\bnot\s", masked, re.I):
        raise QueryError("the demo's $filter understands comparisons joined by 'and' only")
    bounds = [0] + [i for m in re.finditer(r"\s+and\s+", masked, re.I) for i in m.span()] + [len(text)]
    out = []
    for clause in (text[a:b] for a, b in zip(bounds[::2], bounds[1::2])):
        clause = clause.strip()
        while clause.startswith("(") and clause.endswith(")"):
            clause = clause[1:-1].strip()
        m = _COMPARISON.match(clause)
        if not m:
            raise QueryError(f"cannot read {clause!r} in $filter; write e.g. phenomenonTime gt 2025-06-01T00:00:00Z")
        out.append(Comparison(m.group(1), m.group(2), _literal(m.group(3))))
    return out


def _int(name: str, value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {value!r}") from None
    if n < 0:
        raise QueryError(f"{name} must not be negative")
    return n


def parse_options(get: Callable[[str], str | None]) -> Options:
    opts = Options()
    if (top := get("$top")) is not None:
        opts.top = _int("$top", top)
    if (skip := get("$skip")) is not None:
        opts.skip = _int("$skip", skip)
    if (count := get("$count")) is not None:
        if count not in ("true", "false"):
            raise QueryError("$count must be true or false")
        opts.count = count == "true"
    if orderby := get("$orderby"):
        for part in split_top(orderby, ","):
            words = part.split()
            if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
                raise QueryError(f"cannot read $orderby {part!r}")
            opts.orderby.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    if flt := get("$filter"):
        opts.filter = parse_filter(flt)
    if select := get("$select"):
        opts.select = split_top(select, ",")
    if expand := get("$expand"):
        opts.expand = parse_expand(expand)
    return opts


def parse_expand(text: str) -> list[Expand]:
    merged: dict[str, Expand] = {}
    for item in split_top(text, ","):
        head, _, rest = item.partition("/") if "(" not in item.split("/")[0] else (item, "", "")
        m = re.match(r"^(\w+)(?:\((.*)\))?$", head.strip(), re.S)
        if not m:
            raise QueryError(f"cannot read $expand {item!r}")
        nav, inner = m.group(1), m.group(2)
        exp = merged.setdefault(nav, Expand(nav, Options()))
        if inner:
            nested = parse_options(_inline(inner))
            exp.options.select, exp.options.top = nested.select or exp.options.select, nested.top or exp.options.top
            exp.options.filter += nested.filter
            exp.options.orderby += nested.orderby
            exp.options.expand = _merge(exp.options.expand, nested.expand)
        if rest:
            exp.options.expand = _merge(exp.options.expand, parse_expand(rest))
    return list(merged.values())


def _merge(a: list[Expand], b: list[Expand]) -> list[Expand]:
    out = {e.nav: e for e in a}
    for e in b:
        if e.nav in out:
            out[e.nav].options.expand = _merge(out[e.nav].options.expand, e.options.expand)
        else:
            out[e.nav] = e
    return list(out.values())


def _inline(text: str) -> Callable[[str], str | None]:
    values = {}
    for part in split_top(text, ";"):
        key, eq, value = part.partition("=")
        if not eq:
            raise QueryError(f"cannot read the nested option {part!r}")
        values[key.strip()] = value.strip()
    return values.get
