"""Several Health and Wellbeing Boards negotiating at once with one ICB (``[boards.<id>]`` scenario files)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from negotiation.boards.spec import Area, area_from_dict, is_multi_board, load_area

if TYPE_CHECKING:
    from negotiation.boards.model import MultiBoardModel, run_area

__all__ = ["Area", "MultiBoardModel", "area_from_dict", "is_multi_board", "load_area", "run_area"]


def __getattr__(name: str) -> Any:
    """The model loads on first use (it imports Mesa): a sweep worker reading a one-board file never needs it."""
    if name in ("MultiBoardModel", "run_area"):
        from negotiation.boards import model

        return getattr(model, name)
    raise AttributeError(f"module 'negotiation.boards' has no attribute {name!r}")
