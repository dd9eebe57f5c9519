"""What the app shows, as plain Python: build a model from a scenario and the sliders, read its state.

Kept apart from Solara so it can be tested without a browser, and so the
Solara components stay small. Each browser session builds its own model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from negotiation import catalogue
from negotiation.errors import ScenarioError
from negotiation.explain import LABELS, explain
from negotiation.limits import MAX_FILE_BYTES, check_size
from negotiation.model import NegotiationModel
from negotiation.scenario import Scenario, apply_overrides, get_path, parse_toml, read_raw, scenario_from_dict

SCENARIOS = catalogue.folder()  # the checkout's scenarios/, or the installed package's copy
MAX_UPLOAD_BYTES = MAX_FILE_BYTES
STRATEGY_CHOICES = ["boulware", "linear", "conceder", "hardliner", "tit_for_tat"]


def shipped() -> dict[str, Path]:
    """Shipped scenarios by display name, Oxfordshire first (the default)."""
    paths = sorted(SCENARIOS.glob("*.toml"), key=lambda p: (not p.name.startswith("oxfordshire"), p.name))
    raws = {p: read_raw(p) for p in paths}
    return {raw["scenario"]["name"]: p for p, raw in raws.items()}


def one_board(names: dict[str, Path]) -> dict[str, Path]:
    """The one-board files among ``names`` (the Compare tab's sweep varies one board's sliders)."""
    return {name: p for name, p in names.items() if "boards" not in read_raw(p)}


def raw_from_upload(name: str, data: bytes, size: int | None = None) -> dict:
    """Parse and validate an uploaded scenario; errors name the file, the field and the problem.

    ``size`` is the file's real size in bytes when ``data`` was not read because it is too large.
    """
    check_size(name, len(data) if size is None else max(size, len(data)))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(name, "", "not a text file (UTF-8)") from None
    raw = parse_toml(text, name)
    if "boards" in raw:  # several boards, one ICB (issue 8): validated as an area
        from negotiation.boards import area_from_dict

        area_from_dict(raw, name)
    else:
        scenario_from_dict(raw, name)
    return raw


@dataclass(frozen=True)
class Knob:
    """One slider: a dotted key, its label, and its range around the scenario's own value."""

    key: str
    label: str
    low: float
    high: float
    step: float


value_at = get_path


def mover(raw: dict, overrides, key: str, to_file=lambda v: v, step: float | None = None):
    """A control's on_value: records a figure moved from the file's (a slider reports its value when it is drawn
    as well as when moved: only a real move counts). Shared by the one-board and multi-board pages."""

    def set_value(v):
        value = to_file(v)
        current = overrides.value.get(key, value_at(raw, key, value))
        if step is not None and isinstance(current, (int, float)) and abs(float(current) - float(value)) < step / 2:
            return
        if value == current:
            return
        overrides.set({**overrides.value, key: value})

    return set_value


def _around(value: float, step: float, below: float, above: float, floor: float = 0.0) -> tuple[float, float]:
    """A slider range whose grid (low + k·step) passes exactly through ``value``, so that drawing the
    slider never snaps the scenario's own figure to a neighbouring one.

    >>> _around(646.2, 3.2, 129.0, 129.0)
    (518.2, 774.2)
    >>> _around(12.9, 0.5, 12.9, 12.9)
    (0.4, 25.9)
    """
    k_down = min(round(below / step), math.floor((value - floor) / step + 1e-9))
    k_up = max(1, round(above / step))
    return round(value - k_down * step, 6), round(value + k_up * step, 6)


def knobs(raw: dict) -> list[Knob]:
    target = float(value_at(raw, "rules.national_admissions_target", 0.035))
    mret = float(value_at(raw, "rules.mret_rate", 0.3))
    out = [
        Knob("rules.national_admissions_target", "National admissions target (cut on last year)",
             *_around(target, 0.005, target, max(0.08 - target, 0.005)), 0.005),
        Knob("rules.mret_rate", "Marginal rate of the emergency tariff",
             *_around(mret, 0.05, mret, 1.0 - mret, floor=0.05), 0.05),  # the scenario refuses a rate of 0
    ]
    if value_at(raw, "rules.policy", "bcf_2015_16") != "bcf_2015_16":
        out = []  # no national target and no MRET after 2015/16 (issue 8): the rule set refuses both fields
    for org_id, org in raw["organisations"].items():
        name = org.get("name", org_id)
        budget = float(org.get("budget", 0))
        step = max(0.1, round(budget / 200, 1))
        out.append(Knob(f"organisations.{org_id}.budget", f"{name}: budget (£m)",
                        *_around(budget, step, budget * 0.2, budget * 0.2), step))
        saving = float(org.get("savings_obligation", 0))
        out.append(Knob(f"organisations.{org_id}.savings_obligation", f"{name}: savings obligation (£m)",
                        *_around(saving, 0.5, saving, max(10.0, saving)), 0.5))
        if org.get("kind") in ("council", "unitary_council"):
            need = float(org.get("asc_need", 0))
            out.append(Knob(f"organisations.{org_id}.asc_need", f"{name}: social-care need (£m)",
                            *_around(need, 0.5, need, max(20.0 - need, need)), 0.5))
    return out


def build(raw: dict, overrides: dict, source: str) -> Scenario:
    return scenario_from_dict(apply_overrides(raw, overrides, source), source)


@dataclass
class Snapshot:
    """Everything the views draw, read from the model after a round."""

    round: int
    deadline: int
    finished: bool
    outcome: str | None
    banner: str
    details: list[str]
    log: list[dict] = field(default_factory=list)


BANNERS = {"approved": "Approved", "not_approved": "Not approved", "deadlock": "Deadlock",
           "approved_with_conditions": "Approved with conditions", "arbitrated": "Plan imposed by an arbiter"}


def snapshot(model: NegotiationModel, earlier: list[dict] | None = None) -> Snapshot:
    """``earlier``: the log of an earlier snapshot of the same run (a round's entry never changes once it
    is closed, so only the rounds since are written: a Step's log no longer grows with the rounds)."""
    names = {a.org_id: a.name for a in model.organisations}
    log = list(earlier[: len(model.history)]) if earlier else []
    ev = model.evaluation
    goal = "target" if model.spec.rules.policy == "bcf_2015_16" else "local goal"  # 2023/24 on: nothing paid on it
    for record in model.history[len(log):]:
        plan = ev.space.plan(record.plan_index)
        log.append(
            {
                "round": record.round,
                "proposer": names.get(record.proposer, "HWB chair"),
                "summary": (
                    f"£{plan.fund_total:.1f}m fund; £{plan.asc_protection:.1f}m social care; "
                    f"£{plan.community_schemes:.1f}m schemes; £{plan.acute_support:.1f}m acute support; "
                    f"{goal} {plan.admissions_target:+.1%}"
                ),
                "accepted": [names[r.org_id] for r in record.responses if r.accepted],
                "rejections": [r.reason for r in record.responses if not r.accepted],
            }
        )
    if model.outcome is None:
        banner = f"Negotiating: round {model.round} of {model.deadline}"
        details = []
    else:
        o = model.outcome
        banner = BANNERS[o.outcome]
        if o.outcome == "not_approved":
            banner += ": failed " + ", ".join(c.replace("_", " ") for c in o.failed_conditions)
        if o.outcome == "deadlock":
            banner += ": blocked by " + ", ".join(names[b] for b in o.blockers)
        details = list(o.reasons)
    return Snapshot(model.round, model.deadline, model.finished, model.outcome and model.outcome.outcome, banner,
                    details, log)


def explain_rows(scenario: Scenario) -> list[tuple[str, str]]:
    figures = explain(scenario)
    if "rule_set" in figures:  # 2023/24 on: the streams and the social-care uplift (issue 8)
        from negotiation.rules.explain_pooled import LABELS as labels
    else:
        labels = LABELS
    return [
        (label, f"{figures[key]:.1%}" if unit == "pct" else f"£{figures[key]:.1f}m")
        for key, (label, unit) in labels.items()
    ]
