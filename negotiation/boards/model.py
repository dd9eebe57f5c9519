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

A person may play one organisation (``human``: an ICB in every board it sits on, or one council in its
board), answering each plan put to it as on the one-board page. A step then waits for them: :meth:`begin`
opens the step's rounds in the person's boards (every plan they must answer is on the table at once),
:meth:`give` records an answer and :meth:`advance` plays the boards in order as far as the answers given
allow. A board restarted mid-step (another board's plan came into force first) puts a new plan to the
person: the answer they gave to the old one no longer counts. A person who answers as the organisation's
agent would gets the run nobody plays.
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

    def __init__(self, area: Area, seed: int | None = 0, rounds: int | None = None, order: str | None = None,
                 human: str | None = None):
        self.area = area
        self.human = human or None
        if self.human and not any(self.human in s.organisations for s in area.boards.values()):
            raise ValueError(f"unknown human player: {self.human}")
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
        self.steps = 0  # steps finished (a step: one round of each open board, or of the board negotiating now)
        self.answers = ""  # the person's answers in the order the boards used them: "a" accept, "r" reject
        self._at: int | None = None  # next board (index into the sequence) of the step under way; None: none is
        self._given: dict[str, bool] = {}  # answers given in the step under way, not used yet
        self._open()  # round 0: the boards that negotiate first are open (the app shows them before any Step)

    def _model(self, board: str) -> NegotiationModel:
        plays = [self.human] if self.human and self.human in self.area.boards[board].organisations else []
        return NegotiationModel(self.area.board_scenario(board, self.used), seed=self.seed, rounds=self.rounds,
                                human_players=plays)

    def plays_in(self, board: str) -> bool:
        """Does the person play an organisation on this board?"""
        return bool(self.human) and self.human in self.area.boards[board].organisations

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

    @property
    def in_step(self) -> bool:
        """A step is under way, waiting for the person's answer in :attr:`waiting_on`."""
        return self._at is not None

    @property
    def waiting_on(self) -> str | None:
        """The board whose plan the step waits for the person to answer (None: not waiting)."""
        if self._at is None:
            return None
        for board in self._this_step()[self._at:]:
            if not self.models[board].finished and self.plays_in(board) and board not in self._given:
                return board
        return None

    def to_answer(self) -> list[str]:
        """Boards with a plan put to the person this step and not yet answered, in order."""
        if self._at is None:
            return []
        return [b for b in self._this_step() if b in self.models and self.models[b].pending is not None
                and self.plays_in(b) and b not in self._given]

    def _this_step(self) -> list[str]:
        if self.order == "sequential":
            return [next(b for b in self.area.sequence if b not in self.runs)]
        return list(self.area.sequence)

    def begin(self) -> None:
        """Start a step (if none is under way): the rounds of the person's boards open, their plans put."""
        self._open()
        if self.finished or self._at is not None:
            return
        self._at, self._given = 0, {}
        for board in self._this_step():
            model = self.models[board]
            if self.plays_in(board) and not model.finished:
                model.open_round()

    def give(self, board: str, accept: bool) -> None:
        """The person's answer to the plan put to them in ``board`` this step (used when the board's turn comes)."""
        if board not in self.to_answer():
            raise ValueError(f"no plan awaits an answer in {board}")
        self._given[board] = bool(accept)

    def step(self, answers: dict[str, bool] | None = None) -> None:
        """One round: of each open board in turn (simultaneous), or of the board negotiating now (sequential).

        With a person playing, ``answers`` ({board: accept}) answers the plans put to them; without an answer
        for a board the step stops there, waiting (:attr:`waiting_on`), until :meth:`give` and :meth:`advance`.
        """
        self.begin()
        for board, accept in (answers or {}).items():
            self.give(board, accept)
        self.advance()

    def advance(self) -> None:
        """Play the step under way, board by board, as far as the person's answers allow."""
        if self._at is None:
            return
        boards = self._this_step()
        while self._at < len(boards):
            board = boards[self._at]
            model = self.models[board]
            if not model.finished:
                if self.plays_in(board):
                    if model.pending is None:  # restarted with less headroom this step: a new plan for the person
                        model.open_round()
                    if board not in self._given:
                        return
                    accept = self._given.pop(board)
                    self.answers += "a" if accept else "r"
                    model.close_round({str(self.human): accept})  # (plays_in: a person plays)
                else:
                    model.step()
                if model.finished:
                    self._settled(board, model)
            self._at += 1
        self._at, self._given = None, {}
        self.steps += 1
        if self.order == "simultaneous" and all(m.finished for m in self.models.values()):
            for board in self.area.sequence:
                self._close(board)

    def _settled(self, board: str, model: NegotiationModel) -> None:
        """A board has finished: its plan's cost leaves the shared headroom; the boards it touches go on with less."""
        if self.order == "sequential":
            self._commit(model)
            self._close(board)
            later = [b for b in self.area.sequence if b not in self.runs]
            if later:  # the next board opens with what is left
                self.starts[later[0]] = self._headroom(later[0])
                self.models[later[0]] = self._model(later[0])
            return
        if self._commit(model):
            for other, m in self.models.items():
                if not m.finished and set(m.ids) & {o for o in self.area.shared if o in model.ids}:
                    fresh = self._model(other)
                    # continue from the same round, with less headroom (a round opened for the person and not
                    # yet played is put again, with the new figures)
                    fresh.round = m.round - (1 if m.pending is not None else 0)
                    self._given.pop(other, None)
                    self.segments[other].append(m)
                    self.models[other] = fresh

    def _close(self, board: str) -> None:
        model = self.models[board]
        self.runs[board] = BoardRun(board, self.area.board_names[board], collect(model), self.segments[board],
                                    self.starts[board])

    def run(self) -> MultiBoardModel:
        """Play to the end (nobody playing: a person's answers cannot be made up)."""
        if self.human:
            raise ValueError("a person plays in this run: step it with their answers")
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
