"""Several Health and Wellbeing Boards negotiating at once with one ICB (``[boards.<id>]`` scenario files)."""

from negotiation.boards.model import MultiBoardModel, run_area
from negotiation.boards.spec import Area, area_from_dict, is_multi_board, load_area

__all__ = ["Area", "MultiBoardModel", "area_from_dict", "is_multi_board", "load_area", "run_area"]
