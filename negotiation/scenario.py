"""Scenario files: TOML in, a validated, immutable :class:`Scenario` out.

Every number a policy analyst might question lives in a scenario file with a
comment naming its source; this module makes sure a typo or an impossible
figure is caught on load with the file, the field and the value named, never
half-way through a sweep. Money is £m per year unless a field says otherwise.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from negotiation.catalogue import resolve
from negotiation.errors import ScenarioError, show_value
from negotiation.limits import (
    MAX_ADMISSIONS,
    MAX_FILE_BYTES,
    MAX_GBP_PER_ADMISSION,
    MAX_MONEY_M,
    MAX_NESTING,
    MAX_ROUNDS,
    MAX_TEXT,
    MIN_MRET_RATE,
    MIN_TARIFF,
    check_nesting,
    check_size,
    read_scenario_bytes,
)
from negotiation.overrides import apply_overrides, get_path, parse_assignment, parse_value, set_path  # noqa: F401 (re-exported)
from negotiation.strategies import STRATEGIES

Kind = Literal["ccg", "icb", "council", "unitary_council", "district_council", "acute_trust", "community_trust"]
Policy = Literal["bcf_2015_16", "bcf_2023_25", "bcf_2025_26"]  # rule sets: negotiation/rules/<name>.toml
Money = Annotated[float, Field(ge=0.0, le=MAX_MONEY_M)]  # £m per year
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Admissions = Annotated[float, Field(ge=1.0, le=MAX_ADMISSIONS)]  # emergency admissions a year
PerAdmission = Annotated[float, Field(ge=0.0, le=MAX_GBP_PER_ADMISSION)]  # £ per admission
Text = Annotated[str, Field(max_length=MAX_TEXT)]
ORG_ID = re.compile(r"[a-z][a-z0-9_]*")  # matched with fullmatch: no trailing newline slips through
# Names the results use for someone other than an organisation: negotiation.model.CHAIR, the HWB
# chair who proposes under the mediator protocol. An organisation with such an id would be confused with it.
RESERVED_IDS = frozenset({"chair"})


def _org_id(value: str) -> str:
    if not ORG_ID.fullmatch(value):
        raise ValueError(f"organisation id {value!r} must be lower-case letters, digits and _, starting with a letter")
    if value in RESERVED_IDS:
        raise ValueError(f"organisation id {value!r} is reserved (the results use it for the HWB chair)")
    return value


OrgId = Annotated[str, AfterValidator(_org_id)]


class _Strict(BaseModel):
    # strict: a number must be a number, a flag true or false (TOML's own types); pydantic's strict
    # mode still accepts a whole number where a float is expected (budget = 646).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class Info(_Strict):
    name: Text
    area: Text = ""
    year: Text = ""
    description: Annotated[str, Field(max_length=10 * MAX_TEXT)] = ""


class Rules(_Strict):
    """National BCF conditions and the negotiation's procedural rules."""

    minimum_fund: Money  # £m: the area's minimum pooled amount, existing + new money
    asc_protection_min: Money = 0.0  # £m of new money a plan must spend protecting adult social care
    national_admissions_target: Annotated[float, Field(ge=0.0, le=0.5)] = 0.035  # cut on last year
    # share of tariff paid for emergency admissions above the baseline; at least 1%, since at 0 cutting
    # admissions above the baseline releases no cash at all (the policy never went below 30%)
    mret_rate: Annotated[float, Field(ge=MIN_MRET_RATE, le=1.0)] = 0.3
    p4p_fraction: Fraction = 0.26  # share of the fund paid only if the admissions target is met
    deadline_rounds: Annotated[int, Field(ge=1, le=MAX_ROUNDS)] = 12
    protocol: Literal["rotating", "mediator"] = "rotating"
    # After the deadline without sign-off, an independent arbiter may impose a plan (negotiation.protocol.arbitration).
    arbitration: Literal["none", "final_offer", "nash"] = "none"
    policy: Policy = "bcf_2015_16"  # the rule set (negotiation/rules/): national conditions, streams, metrics, sign-off
    # 2023/24 onwards: £m of the NHS minimum contribution spent on adult social care last year; the rule set's
    # uplift of it is what the plan must add (the asc_uplift assurance check)
    nhs_asc_contribution_last_year: Money | None = None
    # 2023/24 onwards (no MRET): share of tariff an ICB saves in cash per emergency admission avoided
    emergency_saving_rate: Fraction | None = None
    trust_effect: Fraction = 0.5  # how far full trust lowers what one asks of a partner's proposal
    pooling_friction: Fraction = 0.1  # value lost on each £ pooled but not spent on schemes
    unapproved_cost_share: Fraction = 0.5  # share of intervention cost a signed but unapproved plan still incurs
    # How far (a fraction: 0.02 = 2 percentage points) an admissions target may go beyond the cut on last year
    # that the plan's own schemes achieve and still count as credible at assurance. Default: the March 2015
    # BCF operationalisation guidance left targets within 2 percentage points of the CCG operational plan
    # unchanged (research bcf_facts_and_models.txt §2 timeline; bcf_2015_2026_facts.txt, 20 Mar 2015).
    credibility_tolerance: Annotated[float, Field(ge=0.0, le=0.5)] = 0.02


class Activity(_Strict):
    """The area's emergency (non-elective) activity and what schemes can do to it."""

    admissions_last_year: Admissions
    admissions_this_year: Admissions  # forecast outturn
    baseline_admissions: Annotated[float, Field(ge=0.0, le=MAX_ADMISSIONS)] = 0.0  # MRET baseline volume (2015/16 only; required there)
    tariff: Annotated[float, Field(ge=MIN_TARIFF, le=MAX_GBP_PER_ADMISSION)]  # £ per admission, full tariff
    achievable_reduction: Fraction  # share of this year's activity the area can credibly avoid with no new schemes
    reduction_per_scheme: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0  # extra share avoided per £m of schemes
    max_reduction: Fraction = 0.15
    acute_marginal_cost: Fraction = 0.4  # short-run cost the hospital sheds per admission avoided, share of tariff
    community_cost_per_admission: PerAdmission = 0.0  # £ of community work per admission avoided
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

    name: Text
    kind: Kind
    budget: Money  # £m per year
    committed_spend: Money  # £m already committed before any new pooling
    savings_obligation: Money = 0.0  # £m it must still deliver this year
    required_surplus: Annotated[float, Field(ge=-MAX_MONEY_M, le=MAX_MONEY_M)] = 0.0  # £m its statutory duty demands (0 = break even / balanced budget)
    existing_pooled: Money = 0.0  # £m already pooled or transferred; counts towards the fund
    asc_need: Money = 0.0  # £m of new money adult social care needs this year (councils only)
    activity_share: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0  # share of its kind's activity
    intervention_cost: Money = 0.0  # £m-equivalent cost to it of no approved plan
    # 2023/24 onwards: the mandated streams it pools (count towards the fund like existing_pooled; not negotiated)
    nhs_minimum_contribution: Money = 0.0  # ICBs: the NHS minimum contribution to this board's fund
    better_care_grant: Money = 0.0  # councils: the Local Authority Better Care Grant (ex-iBCF)
    dfg: Money = 0.0  # councils: the Disabled Facilities Grant (districts: the share passed on to them)
    strategy: Text = "linear"
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
        if self.asc_need and self.kind not in ("council", "unitary_council"):
            raise ValueError(f"asc_need is for councils only, not a {self.kind}")
        if self.nhs_minimum_contribution and self.kind != "icb":
            raise ValueError(f"nhs_minimum_contribution is paid by an ICB, not a {self.kind}")
        if self.better_care_grant and self.kind not in ("council", "unitary_council"):
            raise ValueError(f"better_care_grant is paid to a county or unitary council, not a {self.kind}")
        if self.dfg and self.kind not in ("council", "unitary_council", "district_council"):
            raise ValueError(f"dfg goes to councils (passed to districts), not a {self.kind}")
        return self

    @property
    def pooled(self) -> float:
        """£m it puts into the fund before any negotiation: existing money and the mandated streams."""
        return self.existing_pooled + self.nhs_minimum_contribution + self.better_care_grant + self.dfg

    @property
    def headroom(self) -> float:
        """£m it could give away and still meet its duty: budget − commitments − savings − surplus."""
        return self.budget - self.committed_spend - self.savings_obligation - self.required_surplus


class Relationship(_Strict):
    a: Text
    b: Text
    trust: Fraction = 0.5
    kind: Text = "partnership"


class Scenario(_Strict):
    scenario: Info
    rules: Rules
    activity: Activity
    organisations: dict[OrgId, Organisation]
    relationships: list[Relationship] = []

    @model_validator(mode="after")
    def _cross_checks(self):
        from negotiation.rules.checks import check_rule_set

        check_rule_set(self)
        for i, rel in enumerate(self.relationships):
            for end in (rel.a, rel.b):
                if end not in self.organisations:
                    raise ValueError(f"relationships.{i} names unknown organisation {end!r}")
            if rel.a == rel.b:
                raise ValueError(f"relationships.{i} links {rel.a!r} to itself")
        if self.activity.baseline_admissions > self.activity.admissions_this_year * 2:
            raise ValueError("activity.baseline_admissions is more than twice this year's admissions")
        return self

    @property
    def ids(self) -> list[str]:
        return list(self.organisations)

    @property
    def existing_pooled(self) -> float:
        """£m in the fund before negotiation: existing pooled money and (2023/24 on) the mandated streams."""
        return sum(o.pooled for o in self.organisations.values())

    @property
    def rule_set(self):
        """The policy year's rules (:mod:`negotiation.rules`)."""
        from negotiation.rules import rule_set

        return rule_set(self.rules.policy)

    @cached_property
    def fingerprint(self) -> str:
        """Canonical JSON: equal for equal scenarios, used to cache evaluated plan spaces."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True)


# ---------------------------------------------------------------- loading

MAX_LISTED = 20  # problems listed for one file; a file with more is probably not a scenario at all


def _part(p: Any) -> str:
    """One element of a dotted key, quoted (TOML style) when it is not a plain name."""
    text = str(p)
    return text if re.fullmatch(r"[A-Za-z0-9_-]+", text) else json.dumps(text, ensure_ascii=False)


def _loc(loc: tuple) -> str:
    return ".".join(_part(p) for p in loc if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]")))


def _problem(e: Mapping[str, Any]) -> str:
    kind, msg = e["type"], e["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing required field"
    if "input" in e and not isinstance(e["input"], dict):
        value = e["input"]
        if "got " not in msg and not (isinstance(value, str) and repr(value) in msg):
            msg = f"{msg} (got {show_value(value)})"
        if kind == "string_type" and isinstance(e["input"], (int, float)):
            msg += '; write text in quotes, e.g. "2015"'
    return msg


def _non_finite(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every NaN or infinity in a raw scenario, by dotted path (lists by index: relationships.0.trust)."""
    found, stack = [], [(path, value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            found.append((where, f"must be a finite number (got {node})"))
        elif isinstance(node, dict):
            stack.extend((f"{where}.{_part(k)}" if where else _part(k), v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((f"{where}.{i}" if where else str(i), v) for i, v in reversed(list(enumerate(node))))
    return found


def _listing(source: str, problems: list[tuple[str, str]]) -> ScenarioError:
    """One error carrying every problem found, one per field, at most :data:`MAX_LISTED`."""
    seen: dict[str, str] = {}
    for field, problem in problems:  # one line per field: the first problem found with it
        seen.setdefault(field, problem)
    listed = list(seen.items())
    if len(listed) > MAX_LISTED:
        listed = listed[:MAX_LISTED] + [("", f"and {len(listed) - MAX_LISTED} more problems")]
    (field, problem), *more = listed
    return ScenarioError(source, field, problem, more)


def scenario_from_dict(raw: dict, source: str = "<scenario>") -> Scenario:
    """Validate a raw scenario (as TOML gives it); every problem found is reported, one line each."""
    check_nesting(source, raw)
    problems: list[tuple[str, str]] = []
    try:
        return Scenario.model_validate(raw)
    except ValidationError as err:
        problems = [(_loc(e["loc"]), _problem(e)) for e in err.errors()]
    non_finite = dict(_non_finite(raw))  # clearer than pydantic's words, and found in unknown keys too
    reported = {field for field, _ in problems}
    problems = [(field, non_finite.get(field, problem)) for field, problem in problems]
    inside = [p for p in non_finite.items() if not any(p[0] == f or p[0].startswith(f"{f}.") for f in reported if f)]
    raise _listing(source, problems + inside)  # a NaN inside a value already refused is not news


def read_raw(path: str | Path) -> dict:
    """The raw contents of a scenario file: a regular file of at most 256 KB of UTF-8 TOML."""
    path = resolve(path)  # a shipped scenario's name (``oxfordshire_2014``) works wherever a path does
    source = str(path)
    data = read_scenario_bytes(path)
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ScenarioError(source, "", f"not a text file (UTF-8): byte {exc.start} cannot be decoded") from None
    return parse_toml(text, source)


def parse_toml(text: str, source: str) -> dict:
    if len(text) > MAX_FILE_BYTES // 4:  # only long texts can be over the limit in bytes
        check_size(source, len(text.encode("utf-8", "surrogatepass")))
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem = str(exc)
        if "Cannot overwrite" in problem or "Cannot declare" in problem:
            problem = f"a key or organisation id is defined twice ({problem})"
        raise ScenarioError(source, "", f"not valid TOML: {problem}") from None
    except RecursionError:
        raise ScenarioError(source, "", f"tables or lists nested more than {MAX_NESTING} levels deep") from None
    except ValueError as exc:  # e.g. a whole number of more than 4,300 digits
        raise ScenarioError(source, "", f"not valid TOML: {exc}") from None
    check_nesting(source, raw)
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
    if "boards" in raw:
        raise ScenarioError(str(path), "boards", MULTI_BOARD)
    if overrides:
        raw = apply_overrides(raw, overrides, str(path))
    return scenario_from_dict(raw, str(path))


MULTI_BOARD = ("a multi-board scenario ([boards.<id>]): `negotiation run`, `explain`, `sweep` and `compare` take it; "
               "from Python use negotiation.boards.load_area and run_area")


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
