"""What a sweep varies: parsing ``--vary``/``--choose``, checking them against the scenario, and the design.

A sweep is a list of *points* (one value for each varied key) times a range
of seeds. The design is deterministic (Latin hypercube samples come from a
fixed seed), so the same command always means the same runs: that is what
makes a sweep resumable and comparable across machines.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from negotiation.boards.rows import area_columns, validate_raw
from negotiation.errors import SweepError
from negotiation.scenario import ScenarioError, apply_overrides, get_path, parse_value

LHS_SEED = 20141027  # fixed: a Latin hypercube design must be the same every time the command is run
# Limits, checked before anything is built or run (the README documents them). Every setting is
# validated before the first run (~0.2 ms each) and the design is held in memory (~0.5 KB a setting),
# so 100,000 settings cost ~20 s and ~50 MB up front; 10 million runs take days on a laptop.
MAX_POINTS = 100_000  # settings (combinations of the varied values, or Latin hypercube samples)
MAX_RUNS = 10_000_000  # settings x seeds
CHUNK_SIZE = 640  # most runs a part: each part's write (Parquet, manifest, fsync) and batch set-up amortised
PARTS_WANTED = 16  # parts a sweep is cut into when it is small: workers share the load and progress moves
MIN_CHUNK = 200  # fewest runs a part (whole settings permitting): a sweep of a few hundred runs is one part, run here
MAX_PARTS = 5_000  # bigger sweeps get bigger chunks, so the manifest (rewritten per part) stays small


def default_chunk_size(total_runs: int, seeds: int = 1) -> int:
    """Runs per part: whole settings, about 16 parts of 200 to ~640 runs; above ~3 million runs, at most
    5,000 parts.

    Whole settings, because a setting's seeds split across two parts would have its plan space valued twice;
    ~640 runs, because each part costs a write in the main process and a batch set-up in its worker (the
    10,000-run Oxfordshire sweep: 3.4 s of CPU with 200-run parts, 3.0 s with 640, README "Fourth pass");
    a kill loses at most one part a worker. It depends on the design alone, never on ``--workers``, so an
    interrupted sweep resumes whatever the workers (a folder written with another default keeps its own:
    ``run_sweep`` reads it back).
    """
    seeds = max(1, seeds)
    settings = math.ceil(total_runs / seeds)
    per_part = max(math.ceil(MIN_CHUNK / seeds), math.ceil(settings / PARTS_WANTED))  # ~16 parts, not tiny ones
    per_part = min(max(1, CHUNK_SIZE // seeds), per_part)  # nor large ones
    return max(per_part, math.ceil(settings / MAX_PARTS)) * seeds


@dataclass(frozen=True)
class Vary:
    key: str
    start: float
    stop: float
    n: int
    integer: bool = False

    def values(self) -> list:
        vals = np.linspace(self.start, self.stop, self.n) if self.n > 1 else np.array([self.start])
        return [int(round(v)) for v in vals] if self.integer else [float(v) for v in vals]


@dataclass(frozen=True)
class Choose:
    key: str
    options: tuple


@dataclass(frozen=True)
class SweepSpec:
    scenario_path: str
    raw: dict  # the scenario file's contents (so remote workers need no file)
    vary: tuple[Vary, ...] = ()
    choose: tuple[Choose, ...] = ()
    seeds: int = 1
    design: str = "factorial"
    samples: int | None = None
    chunk_size: int = CHUNK_SIZE
    points: list[dict] = field(default_factory=list, compare=False)

    @property
    def keys(self) -> list[str]:
        return [v.key for v in self.vary] + [c.key for c in self.choose]

    @property
    def total_runs(self) -> int:
        return len(self.points) * self.seeds

    @property
    def n_chunks(self) -> int:
        return math.ceil(self.total_runs / self.chunk_size)

    def definition(self) -> dict:
        """What identifies the sweep's rows; workers, backend and scheduler are not part of it."""
        given = {"points": self.points} if self.design == "points" else {}  # an explicit design is its points
        return given | {
            "scenario_path": self.scenario_path,
            "scenario": self.raw,
            "vary": [asdict(v) for v in self.vary],
            "choose": [{"key": c.key, "options": list(c.options)} for c in self.choose],
            "seeds": self.seeds,
            "design": self.design,
            "samples": self.samples,
            "chunk_size": self.chunk_size,
        }

    def definition_json(self) -> str:
        return json.dumps(self.definition(), sort_keys=True, default=str)

    def schema(self) -> pa.Schema:
        """The one Parquet schema of every part: from the spec, never inferred from a chunk's values
        (a chunk holding only ``mret_rate = 1`` would otherwise be written as integers)."""
        fields = [pa.field("run_id", pa.int64(), nullable=False)]
        fields += [pa.field(v.key, pa.int64() if v.integer else pa.float64()) for v in self.vary]
        fields += [pa.field(c.key, _option_type(c.key, c.options)) for c in self.choose]
        fields += [pa.field(name, kind) for name, kind in FIXED_COLUMNS]
        orgs, boards = area_columns(self.raw) if "boards" in self.raw else (list(self.raw.get("organisations", {})), [])
        fields += [pa.field(f"outcome.{board}", pa.string()) for board in boards]  # multi-board files only
        for org_id in orgs:
            fields += [pa.field(f"contribution.{org_id}", pa.float64()), pa.field(f"utility.{org_id}", pa.float64())]
        return pa.schema(fields)

    def run(self, run_id: int) -> tuple[int, dict, int]:
        """(point index, parameter values, seed) of a run; runs of one point are consecutive."""
        point, seed = divmod(run_id, self.seeds)
        return point, self.points[point], seed


# What every run reports (see rows.run_row), after the run id, the varied keys and the seed.
FIXED_COLUMNS = (
    ("seed", pa.int64()),
    ("outcome", pa.string()),
    ("signed_off", pa.bool_()),
    ("rounds", pa.int64()),
    ("fund_total", pa.float64()),
    ("blockers", pa.string()),
    ("failed_conditions", pa.string()),
    ("efficiency", pa.float64()),  # rows.analysis_columns: share of the zone's utilitarian maximum, NaN if none
    ("distance_to_frontier", pa.float64()),  # £m to the zone's Pareto frontier, NaN if none
)


def _option_type(key: str, options: tuple) -> pa.DataType:
    """One column type for a ``--choose`` key's options: 1 and 0.5 make a float column."""
    kinds = {
        bool
        if isinstance(o, bool)
        else int
        if isinstance(o, int)
        else float
        if isinstance(o, float)
        else str
        if isinstance(o, str)
        else object
        for o in options
    }
    if kinds == {bool}:
        return pa.bool_()
    if kinds == {int}:
        return pa.int64()
    if kinds <= {int, float}:
        return pa.float64()
    if kinds == {str}:
        return pa.string()
    shown = ", ".join(repr(o) for o in options)
    raise SweepError(f"--choose {key}: the options mix kinds ({shown}); give numbers, words or true/false, not a mix")


def grid_size(varies: list[Vary], chooses: list[Choose], design: str, samples: int | None) -> int:
    """How many settings a design has, computed without building it."""
    if design == "lhs":
        return int(samples or 0)
    return math.prod(v.n for v in varies) * math.prod(len(c.options) for c in chooses)


def check_grid_size(points: int, seeds: int, shape: str) -> None:
    if points > MAX_POINTS:
        raise SweepError(
            f"the sweep has {points:,} settings ({shape}); the limit is {MAX_POINTS:,} settings per sweep: "
            "use fewer values, or --samples N for a Latin hypercube"
        )
    if points * seeds > MAX_RUNS:
        raise SweepError(
            f"the sweep has {points * seeds:,} runs ({points:,} settings x {seeds:,} seeds); "
            f"the limit is {MAX_RUNS:,} runs per sweep: use fewer seeds or settings"
        )


def check_points(spec: SweepSpec) -> None:
    """Validate every setting before any run, so a bad combination in the middle of a grid (e.g. an
    achievable reduction above the maximum) is refused before a part is written."""
    for point in spec.points:
        try:
            validate_raw(apply_overrides(spec.raw, point, spec.scenario_path), spec.scenario_path)
        except ScenarioError as exc:
            shown = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in point.items())
            raise SweepError(f"the setting {shown} is not a valid scenario: {exc}") from None


def parse_vary(text: str) -> tuple[str, float, float, int]:
    if "=" not in text:
        raise SweepError(f"--vary {text!r}: expected KEY=START:STOP:N")
    key, _, rng = text.partition("=")
    parts = rng.split(":")
    if len(parts) != 3:
        raise SweepError(f"--vary {text!r}: expected KEY=START:STOP:N, e.g. rules.mret_rate=0.3:0.7:5")
    try:
        start, stop = float(parts[0]), float(parts[1])
    except ValueError:
        raise SweepError(f"--vary {key}: START and STOP must be numbers (got {parts[0]!r}, {parts[1]!r})") from None
    try:
        n = int(parts[2])
    except ValueError:
        raise SweepError(f"--vary {key}: N must be a whole number (got {parts[2]!r})") from None
    if not (math.isfinite(start) and math.isfinite(stop)):
        raise SweepError(f"--vary {key}: START and STOP must be finite")
    if n < 1:
        raise SweepError(f"--vary {key}: N must be at least 1 (got {n})")
    if start > stop:
        raise SweepError(f"--vary {key}: START ({parts[0]}) is greater than STOP ({parts[1]}); write them low to high")
    return key.strip(), start, stop, n


def parse_choose(text: str) -> tuple[str, tuple]:
    if "=" not in text:
        raise SweepError(f"--choose {text!r}: expected KEY=a,b,c")
    key, _, opts = text.partition("=")
    options = tuple(parse_value(o.strip()) for o in opts.split(",") if o.strip())
    if not options:
        raise SweepError(f"--choose {key}: give at least one option")
    return key.strip(), options


def _check_key(raw: dict, key: str, value: Any, source: str) -> None:
    try:
        validate_raw(apply_overrides(raw, {key: value}, source), source)
    except ScenarioError as exc:
        raise SweepError(f"{exc}") from None


def build_spec(
    scenario_path: str,
    raw: dict,
    vary: list[str] | tuple[str, ...] = (),
    choose: list[str] | tuple[str, ...] = (),
    seeds: int = 1,
    design: str = "factorial",
    samples: int | None = None,
    chunk_size: int | None = None,
    points: list[dict] | None = None,
) -> SweepSpec:
    if points is not None:  # an explicit design (e.g. negotiation.uncertainty's Sobol samples)
        return _explicit(scenario_path, raw, points, seeds, chunk_size)
    if seeds < 1:
        raise SweepError(f"--seeds must be at least 1 (got {seeds})")
    if chunk_size is not None and chunk_size < 1:
        raise SweepError(f"chunk_size must be at least 1 (got {chunk_size})")
    if design not in ("factorial", "lhs"):
        raise SweepError(f"--design must be factorial or lhs (got {design!r})")
    if samples is not None and samples < 1:
        raise SweepError(f"--samples must be at least 1 (got {samples})")
    if samples is not None and design == "factorial":
        design = "lhs"  # --samples asks for a sampled design
    if design == "lhs" and samples is None:
        raise SweepError("--design lhs needs --samples N")
    varies, chooses = [], []
    for text in vary:
        key, start, stop, n = parse_vary(text)
        base = get_path(raw, key)
        if isinstance(base, bool) or (base is not None and not isinstance(base, (int, float))):
            raise SweepError(f"--vary {key}: not a numeric field (its value is {base!r}); use --choose")
        integer = isinstance(base, int)
        for probe in (start, stop):
            _check_key(raw, key, int(round(probe)) if integer else probe, scenario_path)
        varies.append(Vary(key, start, stop, n, integer))
    for text in choose:
        key, options = parse_choose(text)
        _option_type(key, options)
        for option in options:
            _check_key(raw, key, option, scenario_path)
        chooses.append(Choose(key, options))
    keys = [v.key for v in varies] + [c.key for c in chooses]
    if len(set(keys)) != len(keys):
        raise SweepError("a key is varied twice")
    shape = " x ".join([str(v.n) for v in varies] + [str(len(c.options)) for c in chooses]) or "1"
    n_points = grid_size(varies, chooses, design, samples)
    check_grid_size(n_points, seeds, shape if design == "factorial" else "samples")
    chunk_size = chunk_size or default_chunk_size(n_points * seeds, seeds)
    spec = SweepSpec(scenario_path, raw, tuple(varies), tuple(chooses), seeds, design, samples, chunk_size)
    points = _factorial(spec) if design == "factorial" else _latin_hypercube(spec)
    return SweepSpec(scenario_path, raw, tuple(varies), tuple(chooses), seeds, design, samples, chunk_size, points)


def _factorial(spec: SweepSpec) -> list[dict]:
    axes = [[(v.key, x) for x in v.values()] for v in spec.vary] + [
        [(c.key, o) for o in c.options] for c in spec.choose
    ]
    return [dict(combo) for combo in itertools.product(*axes)] if axes else [{}]


def _latin_hypercube(spec: SweepSpec) -> list[dict]:
    """One stratum per sample on every axis, strata shuffled independently (McKay et al., 1979)."""
    n = spec.samples
    assert n is not None  # an LHS design always has a sample count
    rng = np.random.default_rng(LHS_SEED)
    points: list[dict] = [dict() for _ in range(n)]
    for v in spec.vary:
        u = (rng.permutation(n) + rng.random(n)) / n
        for p, x in zip(points, v.start + u * (v.stop - v.start)):
            p[v.key] = int(round(x)) if v.integer else float(x)
    for c in spec.choose:
        picks = rng.permutation(np.arange(n) % len(c.options))
        for p, i in zip(points, picks):
            p[c.key] = c.options[int(i)]
    return points


def _explicit(scenario_path: str, raw: dict, points: list[dict], seeds: int, chunk_size: int | None) -> SweepSpec:
    """A sweep over given points (one value per numeric key each); keys are checked like ``--vary``."""
    if seeds < 1:
        raise SweepError(f"--seeds must be at least 1 (got {seeds})")
    if not points:
        raise SweepError("an explicit design needs at least one point")
    varies = []
    for key in points[0]:
        base = get_path(raw, key)
        if isinstance(base, bool) or not isinstance(base, (int, float)):
            raise SweepError(f"{key}: not a numeric field (its value is {base!r})")
        values = [p[key] for p in points]
        varies.append(Vary(key, float(min(values)), float(max(values)), len(points), isinstance(base, int)))
    points = [{v.key: int(round(p[v.key])) if v.integer else float(p[v.key]) for v in varies} for p in points]
    check_grid_size(len(points), seeds, "points")
    chunk_size = chunk_size or default_chunk_size(len(points) * seeds, seeds)
    return SweepSpec(scenario_path, raw, tuple(varies), (), seeds, "points", len(points), chunk_size, points)
