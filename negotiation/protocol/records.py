"""Small frozen records of what happened in a round: the protocol's vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class Response(NamedTuple):  # a NamedTuple: made millions of times in a sweep, and cheap to make
    org_id: str
    accepted: bool
    utility: float  # £m-equivalent per year
    threshold: float  # the least it would accept from this proposer this round
    reason: str = ""  # why it rejected, in a sentence
    grounds: str = ""  # "duty", "no_deal" or "aspiration" when rejected


@dataclass(frozen=True, slots=True)
class RoundRecord:
    round: int
    proposer: str  # an organisation id, or "chair" under the mediator protocol
    plan_index: int
    responses: tuple[Response, ...]

    @property
    def signed(self) -> bool:
        return all(r.accepted for r in self.responses)

    @property
    def rejecters(self) -> list[str]:
        return [r.org_id for r in self.responses if not r.accepted]

    @property
    def hard_rejecters(self) -> list[str]:
        """Those who could not sign at all: the plan broke their duty or was worse than no deal."""
        return [r.org_id for r in self.responses if not r.accepted and r.grounds in ("duty", "no_deal")]
