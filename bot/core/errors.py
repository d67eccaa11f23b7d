"""Typed domain errors; the command line turns them into a clean message and exit code 2."""


class KefuError(Exception):
    """Bad input from a user: shown as its message, never as a traceback."""


class ScriptError(KefuError):
    """A dialogue script cannot be loaded; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class LexiconError(KefuError):
    """A cue lexicon file is malformed."""


class TranscriptError(KefuError):
    """A transcript file does not follow the contract's format."""


class NotFound(KefuError):
    """A scenario, conversation or file that the user named does not exist."""
