class NoWaitLimiter:
    """Counts acquisitions without spacing them: spacing has its own tests."""

    def __init__(self):
        self.acquired = 0

    def acquire(self) -> float:
        self.acquired += 1
        return 0.0
