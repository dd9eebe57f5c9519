"""The batched engine: many seeds of a scenario negotiated together, row for row the same as the Mesa model."""

from negotiation.engine.batched import Ending, batchable, negotiate

__all__ = ["Ending", "batchable", "negotiate"]
