"""``assess``: run the model across a scenario's ranges and say how sure its verdict is, and why.

Example::

    from negotiation.uncertainty import assess
    a = assess("scenarios/northamptonshire_2014.toml", samples=32)
    a.summary          # "Deadlock in ...% of plausible figures (95% interval ...); ...% of the variance ..."
    a.probabilities    # outcome, probability, ci_low, ci_high, points
    a.indices          # outcome, key, label, S1, S1_conf, ST, ST_conf (morris: mu_star, mu_star_conf, sigma)
    a.rows             # one row per run (the sweep engine's rows, with efficiency and distance_to_frontier)
    a.efficiency       # among signed runs: median and 10-90% efficiency, share on the Pareto frontier

The runs go through the sweep engine (:func:`negotiation.batch.run_sweep` with
an explicit design), so they are written to Parquet chunk by chunk, resume
after an interruption, and are identical on any number of workers or backend.
By default an assessment lives in ``assessments/<file stem>-<fingerprint>/<method>-n<N>-k<K>/``
under the current folder, the fingerprint being that of the file's figures
and ranges: ``negotiation run`` looks there to say how often its verdict holds.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from negotiation.uncertainty.ranges import RangedScenario, read_ranged
from negotiation.uncertainty.sampling import check_options, check_points, draw, problem
from negotiation.uncertainty.words import label, summary

ASSESSMENTS = Path("assessments")  # default root, relative to the current folder
RESULT = "assessment.json"
RUNS = "runs"
DEFAULTS = {"sobol": 16, "morris": 8}  # base samples / trajectories; see README "How sure is the verdict?"


@dataclass
class Assessment:
    """What ``assess`` found: DataFrames and a paragraph in words."""

    scenario: str  # scenario name
    path: str  # scenario file
    fingerprint: str
    method: str
    samples: int
    seeds: int
    ranges: pd.DataFrame  # key, label, value, low, high, basis
    rows: pd.DataFrame  # one per run: run_id, every ranged key, seed, outcome, ...
    probabilities: pd.DataFrame
    indices: pd.DataFrame
    summary: str
    out: Path
    resumed: int = 0  # runs found on disk (an earlier, possibly interrupted, run of the same command)
    efficiency: dict = field(default_factory=dict)  # batch.efficiency.efficiency_summary over the signed runs

    @property
    def efficiency_sentence(self) -> str:
        from negotiation.batch.efficiency import efficiency_sentence

        return efficiency_sentence(self.efficiency)

    @property
    def most_likely(self) -> str:
        return str(self.probabilities.set_index("outcome").probability.idxmax())

    def probability(self, outcome: str) -> float:
        return dict(zip(self.probabilities.outcome, self.probabilities.probability.astype(float)))[outcome]

    def to_dict(self) -> dict:
        """Everything but the rows (they are in ``out/runs``), JSON-ready."""
        def records(frame: pd.DataFrame) -> list[dict]:
            return json.loads(frame.to_json(orient="records"))  # NaN → null

        return {
            "scenario": self.scenario, "file": self.path, "fingerprint": self.fingerprint,
            "method": self.method, "samples": self.samples, "seeds": self.seeds,
            "points": int(self.rows.run_id.max() + 1) // self.seeds if len(self.rows) else 0,
            "runs": len(self.rows), "most_likely": self.most_likely, "summary": self.summary,
            "probabilities": records(self.probabilities), "indices": records(self.indices),
            "ranges": records(self.ranges), "rows": str(self.out / RUNS),
            "efficiency": self.efficiency, "efficiency_sentence": self.efficiency_sentence,
        }


def default_folder(ranged: RangedScenario, method: str, samples: int, seeds: int, root: Path = ASSESSMENTS) -> Path:
    return Path(root) / f"{ranged.stem}-{ranged.fingerprint}" / f"{method}-n{samples}-k{seeds}"


def chunk_size(points: int, seeds: int) -> int:
    """Runs per part: whole settings (a setting's seeds never split across parts, so no setting is valued twice),
    about 32 parts in all so two workers share the load evenly, and at most ~400 runs a part, so each part's write
    (Parquet, manifest, fsync: ~10 ms in the main process) is amortised. It depends on the design alone, never on
    ``--workers``, so an interrupted assessment resumes whatever the workers."""
    per_part = max(1, min(400 // seeds, math.ceil(points / 32)))
    return per_part * seeds


def assess(
    scenario: str | Path,
    samples: int | None = None,
    seeds: int = 1,
    method: str = "sobol",
    workers: int = 1,
    backend: str = "processes",
    out: str | Path | None = None,
    progress: bool = False,
    root: str | Path = ASSESSMENTS,
) -> Assessment:
    """Sample the scenario's ranges, run each point over ``seeds`` seeds, and analyse (resumes if interrupted)."""
    from negotiation.batch import load_sweep, run_sweep

    samples = DEFAULTS.get(method, 16) if samples is None else samples
    check_options(method, samples, seeds, workers, backend)
    ranged = read_ranged(os.path.normpath(scenario))  # one spelling of the path: the sweep records it
    design = draw(ranged.ranges, method, samples)
    check_points(ranged.raw, design.points, ranged.path)
    folder = Path(out) if out is not None else default_folder(ranged, method, samples, seeds, Path(root))
    swept = run_sweep(ranged.path, folder / RUNS, seeds=seeds, workers=workers, backend=backend, progress=progress,
                      chunk_size=chunk_size(len(design.points), seeds), points=design.points, points_checked=True)
    rows = load_sweep(folder / RUNS)
    from negotiation.uncertainty.stats import morris_indices, outcome_shares, probabilities, sobol_indices

    shares = outcome_shares(rows, len(design.points), seeds)
    prob = problem(ranged.ranges)
    probs = probabilities(shares, design.independent)
    indices = sobol_indices(prob, shares) if method == "sobol" else morris_indices(prob, design, shares)
    indices.insert(2, "label", [label(k, ranged.raw) for k in indices.key])
    name = ranged.raw["scenario"]["name"]
    ranges = pd.DataFrame([
        dict(key=r.key, label=label(r.key, ranged.raw), value=r.value, low=r.low, high=r.high, basis=r.basis)
        for r in ranged.ranges.values()
    ])
    text = summary(name, len(ranged.ranges), method, probs, indices, ranged.raw)
    from negotiation.batch.efficiency import efficiency_summary

    result = Assessment(name, ranged.path, ranged.fingerprint, method, samples, seeds, ranges, rows, probs,
                        indices, text, folder, swept.already_done, efficiency_summary(rows))
    _save(result)
    return result


def _save(a: Assessment) -> None:
    """assessment.json (written last, atomically: its presence means the assessment finished) and CSVs."""
    a.out.mkdir(parents=True, exist_ok=True)
    a.probabilities.to_csv(a.out / "probabilities.csv", index=False)
    a.indices.to_csv(a.out / "indices.csv", index=False)
    tmp = a.out / f".{RESULT}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(a.to_dict(), indent=2))
    os.replace(tmp, a.out / RESULT)


def previous(scenario: str | Path, root: str | Path = ASSESSMENTS) -> dict | None:
    """The most thorough finished assessment of this file's current figures and ranges, or None.

    Looks in ``root/<stem>-<fingerprint>/*/assessment.json``; prefers Sobol over Morris, then the
    most runs, then the newest.
    """
    ranged = read_ranged(scenario)
    found = []
    for path in (Path(root) / f"{ranged.stem}-{ranged.fingerprint}").glob(f"*/{RESULT}"):
        try:
            saved = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        found.append(((saved.get("method") == "sobol", saved.get("runs", 0), path.stat().st_mtime), saved))
    return max(found, key=lambda f: f[0])[1] if found else None


def command_for(scenario: str | Path) -> str:
    return f"negotiation assess {scenario}"
