"""The experience tensor: a symbolic [N, 3] table of (query keywords, key, value) rows.

It is the learnable weight of ``st_moe``: the query column holds keywords (one per line) that
retrieval matches by Jaccard similarity, the key column a source-domain example (e.g. Python),
the value column its target-domain counterpart (e.g. Viba). It starts empty and is written only
by the optimizer.

A tensor is an experience because it is marked as one (:func:`mark_experience`; done by
:func:`make_experience`, ``StMoeModule.load_experience`` and ``st_moe`` for its argument), not
because of its shape: ``StSGD`` patches experience rows all-or-nothing and regenerates their
queries, and treats every other symbolic parameter element by element.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from symtensor_autograd.errors import ExperienceShapeError
from symtensor_autograd.keywords import parse_keyword_text
from symtensor_autograd.texts import read_texts, text_tensor

QUERY, KEY, VALUE = 0, 1, 2
COLUMNS = ("query", "key", "value")


@dataclass(frozen=True)
class ExperienceEntry:
    """One row of an experience tensor, read into memory."""

    keywords: frozenset[str]
    key: str
    value: str

    @property
    def filled(self) -> bool:
        """True once the row holds a key or a value (an empty row is free for cold start)."""
        return bool(self.key.strip() or self.value.strip())


def check_experience(experience: object) -> None:
    """Raise ExperienceShapeError unless ``experience`` is a symbolic [N, 3] tensor with N >= 1."""
    if not isinstance(experience, torch.Tensor) or not hasattr(experience, "st_uid"):
        raise ExperienceShapeError(
            f"experience must be a symbolic tensor of shape [N, 3], got {type(experience).__name__}"
        )
    shape = list(experience.shape)
    if len(shape) != 2 or shape[1] != 3 or shape[0] < 1:
        raise ExperienceShapeError(
            f"experience must be [N, 3] (query, key, value) with N >= 1, got {shape}"
        )


def mark_experience(experience: torch.Tensor) -> torch.Tensor:
    """Mark symbolic [N, 3] ``experience`` as an experience table (checked); returns it."""
    check_experience(experience)
    experience.st_experience = True
    return experience


def is_experience(t: object) -> bool:
    """True for a tensor marked by :func:`mark_experience`."""
    return bool(getattr(t, "st_experience", False))


def make_experience(
    rows: int | Sequence[tuple[str, str, str]],
    root: Path | str,
    *,
    dtype: torch.dtype = torch.bfloat16,
) -> torch.Tensor:
    """A new experience tensor under ``root``: ``rows`` empty rows, or the given (q, k, v) rows."""
    if isinstance(rows, int):
        if rows < 1:
            raise ExperienceShapeError(f"an experience needs at least one row, got {rows}")
        rows = [("", "", "")] * rows
    texts = [text for row in rows for text in row]
    if len(texts) != 3 * len(rows) or not rows:
        raise ExperienceShapeError("experience rows must be non-empty (query, key, value) triples")
    return mark_experience(text_tensor(texts, (len(rows), 3), root, dtype=dtype))


def read_experience(experience: torch.Tensor) -> list[ExperienceEntry]:
    """Every row of ``experience`` with its query parsed into a keyword set."""
    check_experience(experience)
    return experience_entries(read_texts(experience))


def experience_entries(texts: Sequence[str | None]) -> list[ExperienceEntry]:
    """The rows of an experience from its flat (query, key, value, ...) texts."""
    texts = [text or "" for text in texts]
    return [
        ExperienceEntry(frozenset(parse_keyword_text(query)), key, value)
        for query, key, value in zip(texts[0::3], texts[1::3], texts[2::3], strict=True)
    ]


def jaccard_similarity(a: Collection[str], b: Collection[str]) -> float:
    """|a ∩ b| / |a ∪ b| of two keyword sets (0.0 when both are empty)."""
    a, b = set(a), set(b)
    union = len(a | b)
    return len(a & b) / union if union else 0.0


@dataclass(frozen=True)
class Retrieval:
    """Chosen rows per query (``indexes[i]``, best first) and whether each was a cold start."""

    indexes: list[list[int]]
    cold_start: list[bool]


def retrieve(
    queries: Sequence[Collection[str]],
    entries: Sequence[ExperienceEntry],
    topk: int,
    *,
    noise_std: float = 0.0,
    generator: torch.Generator | None = None,
) -> Retrieval:
    """Top-``topk`` rows of ``entries`` for each query by Jaccard similarity of keyword sets
    (ties to the row whose key sorts first).

    ``noise_std`` adds Gaussian noise to the scores (exploration). A query that overlaps no row
    at all is a cold start: it gets random rows, preferring empty rows that no other query of
    the batch took yet, so that each input can claim its own row to learn into.
    """
    if topk < 1:
        raise ValueError(f"topk must be >= 1, got {topk}")
    k = min(topk, len(entries))
    taken: set[int] = set()
    indexes, cold = [], []
    for query in queries:
        scores = torch.tensor(
            [jaccard_similarity(query, e.keywords) for e in entries], dtype=torch.float64
        )
        if scores.max() <= 0:
            rows = _cold_start_rows(entries, k, taken, generator)
            cold.append(True)
        else:
            if noise_std > 0:
                scores = scores + noise_std * torch.randn(
                    len(entries), generator=generator, dtype=torch.float64
                )
            # Ties go to the row whose key sorts first, not to the lower row index, so that the
            # same rows retrieve the same way in any order (a trained table and a copy of it).
            order = sorted(range(len(entries)), key=lambda r: (-float(scores[r]), entries[r].key))
            rows = order[:k]
            cold.append(False)
        taken.update(rows)
        indexes.append(rows)
    return Retrieval(indexes, cold)


def _cold_start_rows(
    entries: Sequence[ExperienceEntry], k: int, taken: set[int], generator: torch.Generator | None
) -> list[int]:
    order = torch.randperm(len(entries), generator=generator).tolist()
    free = [row for row in order if not entries[row].filled and row not in taken]
    empty = [row for row in order if not entries[row].filled and row in taken]
    filled = [row for row in order if entries[row].filled]
    return (free + empty + filled)[:k]
