"""The 12 Python -> Viba translation pairs shipped with the trainer, one per pattern.

Each pair ``name`` is two package-data files, ``name.py`` and ``name.viba``, written for this
project. Every ``.viba`` file parses with :func:`viba_trainer.viba.parse_viba` (tested).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from viba_trainer.errors import DatasetError

PAIR_NAMES: tuple[str, ...] = (
    "seq", "branch", "loop", "recursion", "higher_order", "data_struct",
    "default_arg", "list_comp", "format_str", "guard", "accumulator", "closure",
)  # fmt: skip


@dataclass(frozen=True)
class TranslationPair:
    """One training example: a Python source and its reference Viba translation."""

    name: str
    python: str
    viba: str


def _read(filename: str) -> str:
    return (resources.files(__name__) / filename).read_text(encoding="utf-8")


def load_pairs(names: Sequence[str] | None = None) -> list[TranslationPair]:
    """Load the named pairs (all 12 when ``names`` is None), in the order given.

    Raises :class:`DatasetError` for an empty selection, an unknown or repeated name.
    """
    selected = list(PAIR_NAMES if names is None else names)
    if not selected:
        raise DatasetError("empty dataset: select at least one pair, e.g. --pairs seq branch")
    unknown = [name for name in selected if name not in PAIR_NAMES]
    if unknown:
        raise DatasetError(
            f"unknown pair(s) {', '.join(unknown)}; choose from {', '.join(PAIR_NAMES)}"
        )
    repeated = sorted({name for name in selected if selected.count(name) > 1})
    if repeated:
        raise DatasetError(f"pair(s) selected twice: {', '.join(repeated)}")
    return [TranslationPair(name, _read(f"{name}.py"), _read(f"{name}.viba")) for name in selected]
