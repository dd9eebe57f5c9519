"""A person in the room plays the organisation (workshop mode).

The Solara app asks the person to accept or reject each proposal; the
aspiration below is only used to propose on their behalf when it is their
turn, and when a scripted run has no person attached (then it behaves like
``linear``), so a scenario naming a human player still runs from the CLI.
"""

from __future__ import annotations

from negotiation.strategies.time_dependent import TimeDependent


class Human(TimeDependent):
    name = "human"
    classifier = {"concedes": True, "time_dependent": False, "behaviour_dependent": False, "human": True}
    default_beta = 1.0
    history_free = False
