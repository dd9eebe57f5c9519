"""One exception family, so the CLI can turn any bad input into one line and exit 2."""


class NegotiationError(Exception):
    """Base class for every error a user can cause with bad input."""


class ScenarioError(NegotiationError):
    """A scenario file or override is unusable; names the file, the field and the problem."""

    def __init__(self, source: str, field: str, problem: str):
        self.source, self.field, self.problem = source, field, problem
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")

    def __reduce__(self):  # picklable, so an error raised in a worker process comes back whole
        return (type(self), (self.source, self.field, self.problem))


class SweepError(NegotiationError):
    """A sweep definition or output folder is unusable."""
