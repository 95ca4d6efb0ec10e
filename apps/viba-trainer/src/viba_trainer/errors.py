"""Domain exceptions of the trainer; each message says what to do about it."""

from __future__ import annotations


class VibaTrainerError(Exception):
    """Base of every error the trainer reports to a user (the CLI prints it and exits 1)."""


class UsageError(VibaTrainerError):
    """The command line asks for something impossible (the CLI exits 2, as argparse does)."""


class DatasetError(UsageError):
    """The selected dataset is empty, names an unknown pair, or holds invalid Viba."""


class PythonSourceError(VibaTrainerError):
    """A Python file to translate cannot be read or does not parse."""


class ExperienceError(VibaTrainerError):
    """An experience or checkpoint directory is missing, unreadable or malformed."""
