"""The one root exception; the CLI turns it into one sentence and a non-zero exit."""


class MailerError(Exception):
    """Something a user can cause or fix; its message is the sentence they see."""


class PlanError(MailerError):
    """A mistake in schedule.yaml, located by file and line."""

    def __init__(self, source: str, line: int | None, message: str):
        self.source = source
        self.line = line
        self.problem = message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")
