"""Errors that reach the user as one clear sentence (the CLI prints them without a traceback)."""


class PrimedError(Exception):
    """An expected failure: bad input, bad configuration, or a run that could not publish."""


class FileRefused(PrimedError):
    """A landing file that cannot be read at all; nothing of it is loaded."""

    def __init__(self, file_name: str, reason: str):
        self.file_name = file_name
        self.reason = reason
        super().__init__(f"{file_name}: {reason}")
