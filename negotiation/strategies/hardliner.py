"""Hard-liner: asks for its ideal every round and never concedes.

The classic foil in negotiation tournaments; with a hard-liner at the table a
deal happens only if some plan gives it its ideal.
"""

from __future__ import annotations

from negotiation.strategies.base import Strategy, View


class Hardliner(Strategy):
    history_free = True
    name = "hardliner"
    classifier = {"concedes": False, "time_dependent": False, "behaviour_dependent": False, "human": False}

    def aspiration(self, view: View) -> float:
        return view.ideal
