"""The translation model of the trainer, shared by training, validation, evaluation and the bench.

A :class:`symtensor_autograd.StMoeModule` whose experience rows are canonical (Python, Viba)
pairs (:mod:`viba_trainer.canonical`), retrieved by program structure
(:class:`viba_trainer.structure.PythonStructureKeywords`) or by words, and a
:class:`Translation` that carries texts into and out of the canonical names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from llm_backends import TaskHandler
from symtensor_autograd import KeywordExtractor, StMoeModule
from symtensor_store import make_tensor, pack_tensor

from viba_trainer.canonical import Renaming
from viba_trainer.config import TrainConfig
from viba_trainer.structure import PythonStructureKeywords


def keyword_extractor(mode: str) -> str | KeywordExtractor:
    """What StMoeModule takes for a ``--keywords`` mode (``structure``, ``lexical``, ``llm``)."""
    return PythonStructureKeywords() if mode == "structure" else mode


def build_model(config: TrainConfig, handler: TaskHandler, experience: torch.Tensor) -> StMoeModule:
    """The st_moe model of a run's settings over ``experience``."""
    return StMoeModule(
        handler,
        task_prompt=config.task_prompt,
        topk=config.top_k,
        keywords=keyword_extractor(config.keywords),
        noise_std=config.noise_std,
        seed=config.seed,
        update_filled_rows=config.update_filled_rows,
        experience=experience,
    )


@dataclass(frozen=True)
class Translation:
    """Python sources in the form the model sees, and the way back for its answers.

    With ``canonical`` the sources' own names become placeholders (one renaming per source);
    without, texts pass through unchanged.
    """

    renamings: tuple[Renaming | None, ...]

    @classmethod
    def of(cls, sources: Sequence[str], *, canonical: bool) -> Translation:
        """The translation of ``sources`` (which must parse as Python when ``canonical``)."""
        return cls(tuple(Renaming.of(s) if canonical else None for s in sources))

    def inputs(self, sources: Sequence[str]) -> list[str]:
        """The sources as the model sees them."""
        return [r.python(s) if r else s for r, s in zip(self.renamings, sources, strict=True)]

    def targets(self, references: Sequence[str]) -> list[str]:
        """Reference Viba as the model should write it."""
        return [r.viba(v) if r else v for r, v in zip(self.renamings, references, strict=True)]

    def answers(self, outputs: Sequence[str]) -> list[str]:
        """The model's outputs in the sources' own names."""
        return [r.restore(o) if r else o for r, o in zip(self.renamings, outputs, strict=True)]


def translate(
    model: StMoeModule, sources: Sequence[str], root: Path, *, canonical: bool
) -> list[str]:
    """Translate Python ``sources`` with ``model`` (no gradient); Viba in the sources' names."""
    translation = Translation.of(sources, canonical=canonical)
    inputs = make_tensor(translation.inputs(sources), root)
    with torch.no_grad():
        output, _ = model(inputs)
    return translation.answers([text or "" for text in pack_tensor(output)])
