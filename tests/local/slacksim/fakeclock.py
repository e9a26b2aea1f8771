"""A hand-moved clock for the fake Slack's injectable ``now``."""


class FakeClock:
    """A clock the tests move by hand, so expiry needs no sleeping."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
