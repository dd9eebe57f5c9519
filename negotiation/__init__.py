"""Better Care Fund negotiation simulator: will organisations that must pool money agree, and why not?

Imports are lazy so that the command line answers bad input quickly.
"""

from importlib import import_module

_EXPORTS = {
    "NegotiationError": "negotiation.errors",
    "ScenarioError": "negotiation.errors",
    "NegotiationModel": "negotiation.model",
    "NegotiationResult": "negotiation.result",
    "run_scenario": "negotiation.runner",
    "Scenario": "negotiation.scenario",
    "load_scenario": "negotiation.scenario",
}
__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'negotiation' has no attribute {name!r}")
