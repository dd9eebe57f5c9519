"""Several boards, one ICB: one :class:`~negotiation.model.NegotiationModel` per board, the ICB's headroom shared.

The per-board model is not changed: this composes them. An organisation sitting on several boards (an
ICB) has one budget and one statutory duty, so what a plan in force in one board costs it is taken out
of its headroom in every board still negotiating (its committed spend rises by that much); a plan that
leaves it better off does not add headroom elsewhere (savings and avoided costs are not cash in hand).

* **sequential**: board by board in ``negotiation.sequence``, each to its end (its own deadline) before the
  next opens with what is left.
* **simultaneous**: rounds interleaved, one round of each open board in turn; when a board's plan is
  signed (or imposed by an arbiter), every board still open that shares an organisation with it continues
  from the same round with the reduced headroom (a new per-board model, its evaluation rebuilt).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from negotiation.boards.spec import Area
from negotiation.limits import check_rounds, check_seed
from negotiation.model import NegotiationModel
from negotiation.result import NegotiationResult, collect


@dataclass
class BoardRun:
    board: str
    name: str
    result: NegotiationResult
    segments: list[NegotiationModel] = field(default_factory=list)  # earlier models, before a headroom change
    headroom_at_start: dict[str, float] = field(default_factory=dict)  # shared organisation -> £m when it opened


class MultiBoardModel:
    """Run every board of an :class:`Area`; ``order`` overrides the file's (simultaneous | sequential)."""

    def __init__(self, area: Area, seed: int | None = 0, rounds: int | None = None, order: str | None = None):
        self.area = area
        self.seed = check_seed(seed, "MultiBoardModel")
        self.rounds = check_rounds(rounds, "MultiBoardModel") if rounds else None
        self.order = order or area.order
        if self.order not in ("simultaneous", "sequential"):
            raise ValueError(f"order must be simultaneous or sequential (got {self.order!r})")
        self.used: dict[str, float] = dict.fromkeys(area.shared, 0.0)  # £m committed so far, by shared organisation
        self.runs: dict[str, BoardRun] = {}  # each board once it has finished
        self.models: dict[str, NegotiationModel] = {}  # each board's current model, once it has opened
        self.starts: dict[str, dict[str, float]] = {}  # shared organisations' headroom when each board opened
        self.segments: dict[str, list[NegotiationModel]] = {b: [] for b in area.sequence}
        self._open()  # round 0: the boards that negotiate first are open (the app shows them before any Step)

    def _model(self, board: str) -> NegotiationModel:
        return NegotiationModel(self.area.board_scenario(board, self.used), seed=self.seed, rounds=self.rounds)

    def _headroom(self, board: str) -> dict[str, float]:
        s = self.area.board_scenario(board, self.used)
        return {org: s.organisations[org].headroom for org in self.area.shared if org in s.organisations}

    def _commit(self, model: NegotiationModel) -> bool:
        """Take the cost of a board's plan in force out of the shared organisations' headroom; True if any moved."""
        plan = model.outcome.plan_index if model.outcome else None
        if plan is None:
            return False
        moved = False
        for org in self.area.shared:
            if org in model.ids:
                cost = -float(model.evaluation.money[model.ids.index(org), plan])
                if cost > 1e-9:
                    self.used[org] += cost
                    moved = True
        return moved

    # ------------------------------------------------------------ stepping (the app steps round by round)
    def _open(self) -> None:
        """Open the boards that negotiate first: all of them (simultaneous) or the first (sequential)."""
        if self.models:
            return
        opening = self.area.sequence if self.order == "simultaneous" else self.area.sequence[:1]
        for board in opening:
            self.starts[board] = self._headroom(board)
            self.models[board] = self._model(board)

    @property
    def finished(self) -> bool:
        return len(self.runs) == len(self.area.sequence)

    def step(self) -> None:
        """One round: of each open board in turn (simultaneous), or of the board negotiating now (sequential)."""
        self._open()
        if self.finished:
            return
        if self.order == "sequential":
            board = next(b for b in self.area.sequence if b not in self.runs)
            model = self.models[board]
            model.step()
            if model.finished:
                self._commit(model)
                self._close(board)
                later = [b for b in self.area.sequence if b not in self.runs]
                if later:  # the next board opens with what is left
                    self.starts[later[0]] = self._headroom(later[0])
                    self.models[later[0]] = self._model(later[0])
            return
        for board in self.area.sequence:
            model = self.models[board]
            if model.finished:
                continue
            model.step()
            if model.finished and self._commit(model):
                for other, m in self.models.items():
                    if not m.finished and set(m.ids) & {o for o in self.area.shared if o in model.ids}:
                        fresh = self._model(other)
                        fresh.round = m.round  # continue from the same round, with less headroom
                        self.segments[other].append(m)
                        self.models[other] = fresh
        if all(m.finished for m in self.models.values()):
            for board in self.area.sequence:
                self._close(board)

    def _close(self, board: str) -> None:
        model = self.models[board]
        self.runs[board] = BoardRun(board, self.area.board_names[board], collect(model), self.segments[board],
                                    self.starts[board])

    def run(self) -> MultiBoardModel:
        self._open()
        while not self.finished:
            self.step()
        return self

    def committed_in(self, board: str) -> dict[str, float]:
        """What the plan in force in ``board`` costs each shared organisation (£m per year; 0 until one is)."""
        model = self.models.get(board)
        plan = model.outcome.plan_index if model is not None and model.finished and model.outcome else None
        out = {}
        for org in self.area.shared:
            if model is not None and org in model.ids and plan is not None:
                out[org] = max(0.0, -float(model.evaluation.money[model.ids.index(org), plan]))
        return out

    # ------------------------------------------------------------ results
    def shared_position(self) -> dict[str, dict]:
        """Each shared organisation overall: headroom at the start, what each board's plan costs it, what is left."""
        out = {}
        for org, on in self.area.shared.items():
            first = self.area.boards[on[0]].organisations[org]
            by_board = {}
            for board in on:
                r = self.runs[board].result
                by_board[board] = {"outcome": r.outcome, "net_money": r.organisations[org]["net_money"],
                                   "pays_in": round(r.contributions.get(org, 0.0), 4)}
            net = sum(b["net_money"] for b in by_board.values())
            out[org] = {
                "name": first.name, "kind": first.kind, "headroom": round(first.headroom, 4),
                "boards": by_board, "net_money": round(net, 4), "committed": round(self.used[org], 4),
                "headroom_left": round(first.headroom - self.used[org], 4),
                "within_duty": bool(max(0.0, first.headroom) + net >= -1e-9),
            }
        return out

    def to_dict(self, with_history: bool = True) -> dict:
        return {
            "scenario": self.area.name,
            "seed": self.seed,
            "order": self.order,
            "sequence": list(self.area.sequence),
            "outcomes": {b: r.result.outcome for b, r in self.runs.items()},
            "boards": {b: {"name": r.name, "headroom_at_start": {k: round(v, 4) for k, v in r.headroom_at_start.items()},
                           "restarts": len(r.segments), **r.result.to_dict(with_history)}
                       for b, r in self.runs.items()},
            "shared": self.shared_position(),
        }


def run_area(path_or_area, seed: int | None = 0, rounds: int | None = None, order: str | None = None,
             overrides=None) -> MultiBoardModel:
    """Load (if a path) and run a multi-board scenario."""
    from negotiation.boards.spec import load_area

    area = path_or_area if isinstance(path_or_area, Area) else load_area(path_or_area, overrides)
    return MultiBoardModel(area, seed=seed, rounds=rounds, order=order).run()
