"""Mesa's DataCollector, made cheap enough to run every round of millions of negotiations.

Mesa deep-copies each model reporter's value and checks each agent value's
type every collection. Our reporters are plain attributes holding numbers,
strings and booleans, which need no copy, so this subclass reads them with
one ``operator.attrgetter`` call per agent and stores them exactly where
Mesa does: ``get_model_vars_dataframe`` and ``get_agent_vars_dataframe``
work unchanged.
"""

from __future__ import annotations

from operator import attrgetter

import mesa


class RoundCollector(mesa.DataCollector):
    def __init__(self, model_reporters: dict[str, str], agent_reporters: dict[str, str]):
        super().__init__()
        # Registered as Mesa would (it builds a getter per reporter, which we do not need).
        self.model_reporters = dict(model_reporters)
        self.model_vars = {name: [] for name in model_reporters}
        self.agent_reporters = dict(agent_reporters)
        self._validated = True
        self._model_getters = [(name, attrgetter(attr)) for name, attr in model_reporters.items()]
        getter = attrgetter(*agent_reporters.values())
        self._agent_getter = getter if len(agent_reporters) > 1 else (lambda agent: (getter(agent),))

    def collect(self, model) -> None:
        now = model.time
        self._collection_steps.append(now)
        for name, get in self._model_getters:
            self.model_vars[name].append(get(model))
        get = self._agent_getter
        self._agent_records[now] = [(now, agent.unique_id, *get(agent)) for agent in model.organisations]
