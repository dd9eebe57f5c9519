"""Mesa's DataCollector, made cheap enough to run every round of millions of negotiations.

Mesa deep-copies each model reporter's value and checks each agent value's type every collection.
Our reporters are plain attributes holding numbers, strings and booleans, which need no copy, so
:meth:`RoundCollector.collect` reads them with one ``operator.attrgetter`` call per agent and stores
them exactly where Mesa's own ``collect`` does. That store (``_collection_steps``, ``_agent_records``)
is private to Mesa, and it is used on purpose:

* ``mesa.batch_run`` reads those two attributes itself, so any collector that works with
  ``batch_run`` has to fill them; and
* it makes a whole run about 25% faster (benchmarks/run_speed.py: 0.19 against 0.25 ms, the ratio to
  an empty Mesa model 2.4 against 3.1, over the target of 3).

The risk is bounded three ways: Mesa is capped below 4 in pyproject.toml; the fast path is taken only
if the store has the layout this code was written for, otherwise Mesa's own ``collect`` runs; and
``tests/test_packaging.py`` checks that both produce identical data frames with the Mesa installed
(CI runs it with the locked and with the oldest allowed Mesa).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

import mesa


class RoundCollector(mesa.DataCollector):
    """One row per round for the model and per organisation, from plain attribute names."""

    def __init__(self, model_reporters: dict[str, str], agent_reporters: dict[str, str]) -> None:
        super().__init__(model_reporters=dict(model_reporters), agent_reporters=dict(agent_reporters))
        store = self.__dict__
        # The fast path only when Mesa keeps its data where this code expects it (see the module docstring).
        self.fast = (
            isinstance(store.get("_collection_steps"), list)
            and isinstance(store.get("_agent_records"), dict)
            and isinstance(self.model_vars, dict)
            and set(self.model_vars) == set(model_reporters)
            and bool(agent_reporters)
        )
        self._model_getters = [(name, attrgetter(attr)) for name, attr in model_reporters.items()]
        getter = attrgetter(*agent_reporters.values()) if agent_reporters else None
        if getter is not None and len(agent_reporters) == 1:
            single = getter
            self._agent_getter: Callable[[Any], tuple] | None = lambda agent: (single(agent),)
        else:
            self._agent_getter = getter

    def agent_rows(self) -> dict[int, list[tuple]]:
        """Each collected round's organisation rows, ``{round: [(round, agent id, *reporter values), ...]}``.

        The one place outside Mesa that reads its store (the app's charts use it; a data frame per Step
        would cost more than the drawing)."""
        return self._agent_records

    def collect(self, model: Any) -> None:
        """Record this round's model and organisation values (Mesa's ``collect``, without the copies)."""
        if not self.fast:
            super().collect(model)
            return
        now = model.time
        self._collection_steps.append(now)
        for name, get in self._model_getters:
            self.model_vars[name].append(get(model))
        get_agent = self._agent_getter
        assert get_agent is not None
        self._agent_records[now] = [(now, agent.unique_id, *get_agent(agent)) for agent in model.organisations]
