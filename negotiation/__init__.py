"""Better Care Fund negotiation simulator: will organisations that must pool money agree, and why not?

The names below are the public API. They are typed for checkers and IDEs (the ``TYPE_CHECKING``
imports) but loaded on first use: importing Mesa and pandas takes seconds, and the command line
should answer ``--version`` or bad input at once.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from negotiation.errors import NegotiationError, ScenarioError
    from negotiation.model import NegotiationModel
    from negotiation.result import NegotiationResult
    from negotiation.runner import run_scenario
    from negotiation.scenario import Scenario, load_scenario

__version__ = "0.1.0"

__all__ = [
    "NegotiationError",
    "NegotiationModel",
    "NegotiationResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run_scenario",
]

_HOME = {
    "NegotiationError": "negotiation.errors",
    "ScenarioError": "negotiation.errors",
    "NegotiationModel": "negotiation.model",
    "NegotiationResult": "negotiation.result",
    "run_scenario": "negotiation.runner",
    "Scenario": "negotiation.scenario",
    "load_scenario": "negotiation.scenario",
}

# In a checkout the workshop app sits in the top-level viz/ folder; the wheel installs it as
# negotiation/viz. Let `negotiation.viz` name the checkout's folder too (nothing else is looked up
# there; its modules are then found through the package's own search path).
_CHECKOUT_VIZ = Path(__file__).resolve().parent.parent / "viz"
if not (Path(__file__).parent / "viz").is_dir() and (_CHECKOUT_VIZ / "app.py").is_file():
    import sys
    from importlib.machinery import ModuleSpec
    from importlib.util import spec_from_file_location

    class _CheckoutViz:
        """Finds the package ``negotiation.viz`` in a checkout's viz/ folder."""

        @staticmethod
        def find_spec(name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
            if name != "negotiation.viz":
                return None
            init = _CHECKOUT_VIZ / "__init__.py"
            return spec_from_file_location(name, init, submodule_search_locations=[str(_CHECKOUT_VIZ)])

    sys.meta_path.append(_CheckoutViz())


def __getattr__(name: str) -> Any:
    """Load a public name on first use (see the module docstring); typed by the imports above."""
    if name in _HOME:
        value = getattr(import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'negotiation' has no attribute {name!r}")
