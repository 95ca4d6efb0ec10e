"""Learn Python -> Viba translation from an empty experience table, offline by default."""

from viba_trainer.dataset import PAIR_NAMES, TranslationPair, load_pairs
from viba_trainer.errors import DatasetError, ExperienceError, PythonSourceError, VibaTrainerError
from viba_trainer.viba import VibaSyntaxError, check_viba, is_valid_viba, parse_viba

__all__ = [
    "PAIR_NAMES",
    "DatasetError",
    "ExperienceError",
    "PythonSourceError",
    "TranslationPair",
    "VibaSyntaxError",
    "VibaTrainerError",
    "check_viba",
    "is_valid_viba",
    "load_pairs",
    "parse_viba",
]
