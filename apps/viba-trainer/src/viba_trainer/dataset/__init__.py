"""The 48 Python -> Viba translation pairs shipped with the trainer: 12 patterns, 4 variants each.

Each pair ``name`` is two package-data files, ``name.py`` and ``name.viba``, written for this
project. Variant 1 of a pattern is named after the pattern (``seq``), variants 2-4 carry a suffix
(``seq_2``): other names, types and literals, one more statement, argument or branch. Every
``.viba`` file is strictly valid (:func:`viba_trainer.viba.check_strict_viba`, tested).

The splits put every pattern in every split: ``train`` holds variants 1 and 2, ``validation``
variant 3 (choosing settings, the best checkpoint), ``test`` variant 4 (reported figures only;
never trained on, never used to choose anything).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from viba_trainer.errors import DatasetError

PATTERNS: tuple[str, ...] = (
    "seq", "branch", "loop", "recursion", "higher_order", "data_struct",
    "default_arg", "list_comp", "format_str", "guard", "accumulator", "closure",
)  # fmt: skip
SPLITS: dict[str, tuple[str, ...]] = {
    "train": tuple(name for pattern in PATTERNS for name in (pattern, f"{pattern}_2")),
    "validation": tuple(f"{pattern}_3" for pattern in PATTERNS),
    "test": tuple(f"{pattern}_4" for pattern in PATTERNS),
}
PAIR_NAMES: tuple[str, ...] = SPLITS["train"] + SPLITS["validation"] + SPLITS["test"]


@dataclass(frozen=True)
class TranslationPair:
    """One training example: a Python source and its reference Viba translation."""

    name: str
    python: str
    viba: str


def _read(filename: str) -> str:
    return (resources.files(__name__) / filename).read_text(encoding="utf-8")


def load_pairs(
    names: Sequence[str] | None = None, *, split: str | None = None
) -> list[TranslationPair]:
    """Load the named pairs, or a split's (``"train"``, ``"validation"``, ``"test"``), in order.

    With neither, all 48. Raises :class:`DatasetError` for an empty selection, an unknown or
    repeated name, an unknown split, or both ``names`` and ``split``.
    """
    if names is not None and split is not None:
        raise DatasetError("give pair names or a split, not both")
    if split is not None and split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    selected = list(SPLITS[split] if split else PAIR_NAMES if names is None else names)
    if not selected:
        raise DatasetError("empty dataset: select at least one pair, e.g. --pairs seq branch")
    unknown = [name for name in selected if name not in PAIR_NAMES]
    if unknown:
        raise DatasetError(
            f"unknown pair(s) {', '.join(unknown)}; names are a pattern ({', '.join(PATTERNS)}) "
            "optionally followed by _2, _3 or _4"
        )
    repeated = sorted({name for name in selected if selected.count(name) > 1})
    if repeated:
        raise DatasetError(f"pair(s) selected twice: {', '.join(repeated)}")
    return [TranslationPair(name, _read(f"{name}.py"), _read(f"{name}.viba")) for name in selected]
