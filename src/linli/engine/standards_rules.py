"""Planning standards as data: the rules file (TOML) read and checked into frozen `Rules`.

Four rule kinds:

- ``one_per_area``: every area (of `level` and `area_kind`) has at least `min_count` facilities of `types`;
- ``max_residents_per_facility``: residents / facilities of `types` <= `n` x `per` (N x 10,000);
- ``circle_set``: every residential point reaches each required type within its walking distance; an area
  passes when the share of its residents with a complete circle is at least `min_share`;
- ``floor_area_per_households``: floor area of `types` per 100 households >= `min_m2_per_100_households`
  (areas without households are not applicable).

A bad file is refused with a `RulesError` naming the rule and the field. `linli.engine.standards` checks
the rules on arrays.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

# Significant digits of the 12-digit area code per level.
LEVEL_DIGITS: Mapping[str, int] = {"province": 2, "city": 4, "county": 6, "town": 9, "village": 12}
AREA_KINDS = ("urban", "rural", "any")
RULE_KINDS = ("one_per_area", "max_residents_per_facility", "circle_set", "floor_area_per_households")


class RulesError(ValueError):
    """A bad rules file; `rule` (id or position) and `field` name what is wrong."""

    def __init__(self, message: str, *, rule: str | None = None, field: str | None = None) -> None:
        self.rule = rule
        self.field = field
        where = " ".join(p for p in (f"rule {rule}" if rule else "", f"field {field!r}" if field else "") if p)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Requirement:
    """One facility of a living circle: the standard's `name`, the linli `type` code, the distance."""

    type: str
    name: str
    distance_m: float


@dataclass(frozen=True)
class NotChecked:
    """A facility the standard requires that linli cannot check (no facility type, no radius …)."""

    name: str
    reason: str


@dataclass(frozen=True)
class Rule:
    """One rule. The common fields describe it; the kind's parameters are set, the others keep defaults."""

    id: str
    kind: str
    title_zh: str
    title_en: str
    source: str
    verified: bool
    level: str
    area_kind: str = "any"
    note: str = ""
    types: tuple[str, ...] = ()
    min_count: int = 1
    n: float = 1.0
    per: int = 10_000
    distance_m: float = 0.0
    required: tuple[Requirement, ...] = ()
    not_checked: tuple[NotChecked, ...] = ()
    min_share: float = 1.0
    min_m2_per_100_households: float = 0.0
    preferred_m2_per_100_households: float | None = None

    @property
    def max_residents(self) -> float:
        return self.n * self.per

    def parameters(self) -> dict[str, Any]:
        """The kind's parameters as plain values (what the rules file says)."""
        names = [name for name, *_ in _KIND_FIELDS[self.kind]]
        out: dict[str, Any] = {}
        for name in names:
            value = getattr(self, name)
            if name == "required":
                value = [{"type": r.type, "name": r.name, "distance_m": r.distance_m} for r in value]
            elif name == "not_checked":
                value = [{"name": r.name, "reason": r.reason} for r in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


@dataclass(frozen=True)
class Rules:
    """The rules of one file, in file order."""

    rules: tuple[Rule, ...]
    walking_speed_mps: float = 1.333
    source: str = ""

    def __iter__(self) -> Any:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def circle_types(self) -> tuple[str, ...]:
        """Facility types the circle rules need distances to."""
        return tuple(sorted({r.type for rule in self.rules if rule.kind == "circle_set" for r in rule.required}))

    def max_distance(self) -> float:
        return max((r.distance_m for rule in self.rules for r in rule.required), default=0.0)


Check = Callable[[Any], str | None]  # returns a problem, or None


def _str(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _positive(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    return None if ok else f"must be a number > 0, got {value!r}"


def _count(value: Any) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else "must be an integer >= 1"


def _share(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1
    return None if ok else f"must be a number in (0, 1], got {value!r}"


def _types(value: Any) -> str | None:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        return "must be a non-empty list of facility type codes"
    return None


def _choice(choices: tuple[str, ...] | Mapping[str, Any]) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {list(choices)}, got {value!r}"

    return check


def _tables(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return None if ok else "must be a list of tables ({ ... })"


_MISSING = object()
# name, check, default (_MISSING: required)
_COMMON: list[tuple[str, Check, Any]] = [
    ("id", _str, _MISSING),
    ("kind", _choice(RULE_KINDS), _MISSING),
    ("title_zh", _str, _MISSING),
    ("title_en", _str, _MISSING),
    ("source", _str, _MISSING),
    ("verified", _bool, _MISSING),
    ("level", _choice(LEVEL_DIGITS), _MISSING),
    ("area_kind", _choice(AREA_KINDS), "any"),
    ("note", lambda v: None if isinstance(v, str) else "must be a string", ""),
]
_KIND_FIELDS: dict[str, list[tuple[str, Check, Any]]] = {
    "one_per_area": [("types", _types, _MISSING), ("min_count", _count, 1)],
    "max_residents_per_facility": [("types", _types, _MISSING), ("n", _positive, _MISSING), ("per", _count, 10_000)],
    "circle_set": [
        ("distance_m", _positive, _MISSING),
        ("required", _tables, _MISSING),
        ("not_checked", _tables, []),
        ("min_share", _share, 1.0),
    ],
    "floor_area_per_households": [
        ("types", _types, _MISSING),
        ("min_m2_per_100_households", _positive, _MISSING),
        ("preferred_m2_per_100_households", _positive, None),
    ],
}


def _fields(raw: dict[str, Any], spec: list[tuple[str, Check, Any]], rule: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, check, default in spec:
        if name not in raw:
            if default is _MISSING:
                raise RulesError("is missing", rule=rule, field=name)
            out[name] = default
            continue
        problem = check(raw[name])
        if problem:
            raise RulesError(problem, rule=rule, field=name)
        out[name] = raw[name]
    return out


def _requirements(values: list[dict[str, Any]], distance: float, rule: str) -> tuple[Requirement, ...]:
    if not values:
        raise RulesError("must list at least one facility", rule=rule, field="required")
    out = []
    for i, item in enumerate(values):
        where = f"required[{i}]"
        unknown = sorted(set(item) - {"type", "name", "distance_m"})
        if unknown:
            raise RulesError(f"unknown key(s) {unknown}", rule=rule, field=where)
        for key in ("type", "name"):
            if _str(item.get(key)):
                raise RulesError("must be a non-empty string", rule=rule, field=f"{where}.{key}")
        d = item.get("distance_m", distance)
        if problem := _positive(d):
            raise RulesError(problem, rule=rule, field=f"{where}.distance_m")
        out.append(Requirement(type=item["type"], name=item["name"], distance_m=float(d)))
    seen = [r.type for r in out]
    dupes = sorted({t for t in seen if seen.count(t) > 1})
    if dupes:
        raise RulesError(f"type(s) {dupes} listed twice", rule=rule, field="required")
    return tuple(out)


def _not_checked(values: list[dict[str, Any]], rule: str) -> tuple[NotChecked, ...]:
    out = []
    for i, item in enumerate(values):
        for key in ("name", "reason"):
            if _str(item.get(key)):
                raise RulesError("must be a non-empty string", rule=rule, field=f"not_checked[{i}].{key}")
        out.append(NotChecked(name=item["name"], reason=item["reason"]))
    return tuple(out)


def _rule(raw: Any, position: int) -> Rule:
    label = f"#{position}"
    if not isinstance(raw, dict):
        raise RulesError("must be a table", rule=label)
    if isinstance(raw.get("id"), str) and raw["id"].strip():
        label = f"{raw['id']!r} (#{position})"
    common = _fields(raw, _COMMON, label)
    spec = _KIND_FIELDS[common["kind"]]
    unknown = sorted(set(raw) - {name for name, *_ in _COMMON} - {name for name, *_ in spec})
    if unknown:
        raise RulesError(f"unknown field(s) {unknown} for kind {common['kind']!r}", rule=label, field=unknown[0])
    params = _fields(raw, spec, label)
    if "types" in params:
        params["types"] = tuple(params["types"])
    if common["kind"] == "circle_set":
        params["distance_m"] = float(params["distance_m"])
        params["required"] = _requirements(params["required"], params["distance_m"], label)
        params["not_checked"] = _not_checked(params["not_checked"], label)
    for name in ("n", "min_share", "min_m2_per_100_households", "preferred_m2_per_100_households"):
        if params.get(name) is not None:
            params[name] = float(params[name])
    return Rule(**common, **params)


def parse_rules(text: str, *, source: str = "<string>") -> Rules:
    """Rules from TOML text: optional `walking_speed_mps`, then `[[rule]]` tables."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{source} is not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"version", "walking_speed_mps", "rule"})
    if unknown:
        raise RulesError(f"unknown top-level key(s) {unknown}", field=unknown[0])
    speed = data.get("walking_speed_mps", 1.333)
    if problem := _positive(speed):
        raise RulesError(problem, field="walking_speed_mps")
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError(f"{source} has no [[rule]] tables", field="rule")
    rules = tuple(_rule(raw, i + 1) for i, raw in enumerate(raw_rules))
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RulesError(f"rule id(s) {dupes} used more than once", field="id")
    return Rules(rules=rules, walking_speed_mps=float(speed), source=source)


def load_rules(path: str | PathLike[str]) -> Rules:
    """Read and check a rules file; raises `RulesError` naming the rule and field of the first problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"cannot read rules file {p}: {exc.strerror or exc}") from exc
    return parse_rules(text, source=str(p))
