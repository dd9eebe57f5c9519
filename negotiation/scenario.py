"""Scenario files: TOML in, a validated, immutable :class:`Scenario` out.

Every number a policy analyst might question lives in a scenario file with a
comment naming its source; this module makes sure a typo or an impossible
figure is caught on load with the file, the field and the value named, never
half-way through a sweep. Money is £m per year unless a field says otherwise.
"""

from __future__ import annotations

import copy
import json
import math
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from negotiation.errors import ScenarioError
from negotiation.strategies import STRATEGIES

Kind = Literal["ccg", "council", "acute_trust", "community_trust"]
Money = Annotated[float, Field(ge=0.0)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
ORG_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=False)


class Info(_Strict):
    name: str
    area: str = ""
    year: str = ""
    description: str = ""


class Rules(_Strict):
    """National BCF conditions and the negotiation's procedural rules."""

    minimum_fund: Money  # £m: the area's minimum pooled amount, existing + new money
    asc_protection_min: Money = 0.0  # £m of new money a plan must spend protecting adult social care
    national_admissions_target: Annotated[float, Field(ge=0.0, le=0.5)] = 0.035  # cut on last year
    mret_rate: Fraction = 0.3  # share of tariff paid for emergency admissions above the baseline
    p4p_fraction: Fraction = 0.26  # share of the fund paid only if the admissions target is met
    deadline_rounds: Annotated[int, Field(ge=1, le=500)] = 12
    protocol: Literal["rotating", "mediator"] = "rotating"
    trust_effect: Fraction = 0.5  # how far full trust lowers what one asks of a partner's proposal
    pooling_friction: Fraction = 0.1  # value lost on each £ pooled but not spent on schemes
    unapproved_cost_share: Fraction = 0.5  # share of intervention cost a signed but unapproved plan still incurs


class Activity(_Strict):
    """The area's emergency (non-elective) activity and what schemes can do to it."""

    admissions_last_year: Annotated[float, Field(gt=0.0)]
    admissions_this_year: Annotated[float, Field(gt=0.0)]  # forecast outturn
    baseline_admissions: Annotated[float, Field(ge=0.0)]  # MRET baseline volume
    tariff: Annotated[float, Field(gt=0.0)]  # £ per admission, full tariff
    achievable_reduction: Fraction  # share of this year's activity the area can credibly avoid with no new schemes
    reduction_per_scheme: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0  # extra share avoided per £m of schemes
    max_reduction: Fraction = 0.15
    acute_marginal_cost: Fraction = 0.4  # short-run cost the hospital sheds per admission avoided, share of tariff
    community_cost_per_admission: Money = 0.0  # £ of community work per admission avoided
    asc_spillover: Fraction = 0.5  # £ of NHS cost avoided per £ of social care protected

    @model_validator(mode="after")
    def _reduction_bounds(self):
        if self.achievable_reduction > self.max_reduction:
            raise ValueError(
                f"achievable_reduction ({self.achievable_reduction}) exceeds max_reduction ({self.max_reduction})"
            )
        return self


class Organisation(_Strict):
    """One organisation's money and duties (DESIGN.md §2)."""

    name: str
    kind: Kind
    budget: Money  # £m per year
    committed_spend: Money  # £m already committed before any new pooling
    savings_obligation: Money = 0.0  # £m it must still deliver this year
    required_surplus: float = 0.0  # £m its statutory duty demands (0 = break even / balanced budget)
    existing_pooled: Money = 0.0  # £m already pooled or transferred; counts towards the fund
    asc_need: Money = 0.0  # £m of new money adult social care needs this year (councils only)
    activity_share: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0  # share of its kind's activity
    intervention_cost: Money = 0.0  # £m-equivalent cost to it of no approved plan
    strategy: str = "linear"
    beta: Annotated[float, Field(gt=0.0, le=50.0)] | None = None
    breach_duty: bool = False  # the strategy accepts breaching its statutory duty

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        if value not in STRATEGIES:
            raise ValueError(f"unknown strategy {value!r}; choose one of {', '.join(sorted(STRATEGIES))}")
        return value

    @model_validator(mode="after")
    def _council_only_asc_need(self):
        if self.asc_need and self.kind != "council":
            raise ValueError(f"asc_need is for councils only, not a {self.kind}")
        return self

    @property
    def headroom(self) -> float:
        """£m it could give away and still meet its duty: budget − commitments − savings − surplus."""
        return self.budget - self.committed_spend - self.savings_obligation - self.required_surplus


class Relationship(_Strict):
    a: str
    b: str
    trust: Fraction = 0.5
    kind: str = "partnership"


class Scenario(_Strict):
    scenario: Info
    rules: Rules
    activity: Activity
    organisations: dict[str, Organisation]
    relationships: list[Relationship] = []

    @model_validator(mode="after")
    def _cross_checks(self):
        ids = list(self.organisations)
        for org_id in ids:
            if not ORG_ID.match(org_id):
                raise ValueError(f"organisation id {org_id!r} must be lower-case letters, digits and _")
        kinds = [o.kind for o in self.organisations.values()]
        for needed in ("ccg", "council"):
            if needed not in kinds:
                raise ValueError(f"an area needs at least one {needed}")
        for i, rel in enumerate(self.relationships):
            for end in (rel.a, rel.b):
                if end not in self.organisations:
                    raise ValueError(f"relationships[{i}] names unknown organisation {end!r}")
            if rel.a == rel.b:
                raise ValueError(f"relationships[{i}] links {rel.a!r} to itself")
        if self.activity.baseline_admissions > self.activity.admissions_this_year * 2:
            raise ValueError("activity.baseline_admissions is more than twice this year's admissions")
        return self

    @property
    def ids(self) -> list[str]:
        return list(self.organisations)

    @property
    def existing_pooled(self) -> float:
        return sum(o.existing_pooled for o in self.organisations.values())

    @cached_property
    def fingerprint(self) -> str:
        """Canonical JSON: equal for equal scenarios, used to cache evaluated plan spaces."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True)


# ---------------------------------------------------------------- loading


def _loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-")))


def _pydantic_to_scenario_error(source: str, err: ValidationError) -> ScenarioError:
    first = err.errors()[0]
    field = _loc(first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    elif first["type"] == "missing":
        msg = "missing required field"
    elif "input" in first and not isinstance(first["input"], dict) and "got " not in msg and repr(first["input"]) not in msg:
        msg = f"{msg} (got {first['input']!r})"
    return ScenarioError(source, field, msg)


def _check_finite(source: str, value: Any, path: str = "") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(source, path, f"must be a finite number (got {value})")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_finite(source, v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_finite(source, v, f"{path}[{i}]")


def scenario_from_dict(raw: dict, source: str = "<scenario>") -> Scenario:
    _check_finite(source, raw)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as err:
        raise _pydantic_to_scenario_error(source, err) from None


def read_raw(path: str | Path) -> dict:
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise ScenarioError(source, "", "no such file")
    if path.is_dir():
        raise ScenarioError(source, "", "is a folder, not a scenario file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(source, "", f"cannot be read ({exc.__class__.__name__})") from None
    return parse_toml(text, source)


def parse_toml(text: str, source: str) -> dict:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem = str(exc)
        if "Cannot overwrite" in problem or "Cannot declare" in problem:
            problem = f"a key or organisation id is defined twice ({problem})"
        raise ScenarioError(source, "", f"not valid TOML: {problem}") from None
    # A figure may be a range { value, low, high, basis }: the model sees only its value (the ranges
    # are read beside the scenario by negotiation.uncertainty.read_ranged).
    from negotiation.uncertainty.ranges import split_ranges

    return split_ranges(raw, source)[0]


def load_scenario(path: str | Path, overrides: list[str] | dict[str, Any] | None = None) -> Scenario:
    """Read, override and validate a scenario file.

    ``overrides`` are ``KEY=VALUE`` strings or a ``{dotted.path: value}`` dict,
    e.g. ``{"organisations.oxfordshire_ccg.budget": 700}``.
    """
    raw = read_raw(path)
    if overrides:
        raw = apply_overrides(raw, overrides, str(path))
    return scenario_from_dict(raw, str(path))


def parse_value(text: str) -> Any:
    """A ``--set`` value: TOML syntax if it parses (numbers, booleans), else a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_assignment(item: str, source: str = "--set") -> tuple[str, Any]:
    if "=" not in item:
        raise ScenarioError(source, item, "expected KEY=VALUE")
    key, _, value = item.partition("=")
    key = key.strip()
    if not key:
        raise ScenarioError(source, item, "empty key")
    return key, parse_value(value.strip())


def apply_overrides(raw: dict, overrides: list[str] | dict[str, Any], source: str) -> dict:
    """Return a copy of ``raw`` with dotted-path values replaced; unknown paths are errors."""
    pairs = overrides.items() if isinstance(overrides, dict) else (parse_assignment(o) for o in overrides)
    out = copy.deepcopy(raw)
    for key, value in pairs:
        set_path(out, key, value, source)
    return out


def get_path(raw: dict, key: str, default: Any = None) -> Any:
    """The value at a dotted path in a raw scenario dict, or ``default`` if there is none."""
    node = raw
    for part in key.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):  # relationships.0.trust
            node = node[int(part)]
            continue
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def set_path(raw: dict, key: str, value: Any, source: str) -> None:
    parts = key.split(".")
    node = raw
    for depth, part in enumerate(parts[:-1]):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):  # relationships.0.trust
            node = node[int(part)]
            continue
        if not isinstance(node, dict) or part not in node:
            where = ".".join(parts[: depth + 1])
            what = "no organisation with that id" if parts[0] == "organisations" and depth == 1 else "unknown key"
            raise ScenarioError(source, where, what)
        node = node[part]
    if not isinstance(node, dict):
        raise ScenarioError(source, key, "unknown key")
    # New leaf keys are allowed only where the schema has an optional field; validation decides.
    node[parts[-1]] = value


_LOADED: dict[tuple, Scenario] = {}


def load_scenario_cached(path: str, overrides: dict[str, Any] | None = None) -> Scenario:
    """:func:`load_scenario`, remembered per (file, modification time, overrides): for batch runners
    that build one model per run from a path."""
    stat = Path(path).stat() if Path(path).exists() else None
    key = (str(Path(path).resolve()), stat.st_mtime_ns if stat else None, json.dumps(overrides or {}, sort_keys=True))
    found = _LOADED.get(key)
    if found is None:
        if len(_LOADED) > 256:
            _LOADED.clear()
        found = _LOADED[key] = load_scenario(path, overrides or None)
    return found
