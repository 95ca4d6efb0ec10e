"""The translation model of the trainer, shared by training, validation, evaluation and the bench.

:func:`build_model` is a :class:`symtensor_autograd.StMoeModule` whose experience rows are
(Python, Viba) translation units with placeholder names (:mod:`viba_trainer.units`,
:mod:`viba_trainer.canonical`), retrieved by program structure
(:class:`viba_trainer.structure.PythonStructureKeywords`). :class:`Translation` carries Python
into that form and the model's answers back; :func:`translate` runs the model over it with
checked decoding (:mod:`viba_trainer.checked`).
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from llm_backends import TaskHandler
from symtensor_autograd import (
    KeywordExtractor,
    LexicalKeywords,
    StMoeModule,
    format_keywords,
    make_experience,
)
from symtensor_store import make_tensor, pack_tensor, reclaim_when_collected

from viba_trainer.canonical import Renaming, Renumbering
from viba_trainer.checked import checked_answers
from viba_trainer.config import TrainConfig
from viba_trainer.dataset import TranslationPair
from viba_trainer.grammar import unit_grammar
from viba_trainer.structure import PythonStructureKeywords
from viba_trainer.units import UnitPair, join_units, split_python, unit_pairs


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
        exact_recall=config.exact_recall,
        grammar=unit_grammar if config.constrained_decoding else None,
        experience=experience,
    )


@dataclass(frozen=True)
class Translation:
    """Python sources in the form the model sees, and the way back for its answers.

    With ``canonical`` the sources' own names become placeholders (one renaming per source);
    with ``statements`` each source is cut into units (:mod:`viba_trainer.units`) that the model
    translates one by one, each with its placeholders numbered afresh (:class:`Renumbering`).
    ``units[i]`` are the model inputs of source ``i``; ``unit_targets[i]`` their reference Viba
    when references were given (a pair whose parts do not line up with its statements stays one
    unit).
    """

    renamings: tuple[Renaming | None, ...]
    units: tuple[tuple[str, ...], ...]
    unit_targets: tuple[tuple[str, ...], ...] | None = None
    renumberings: tuple[tuple[Renumbering | None, ...], ...] = ()

    @classmethod
    def of(
        cls,
        sources: Sequence[str],
        *,
        canonical: bool,
        statements: bool,
        references: Sequence[str] | None = None,
    ) -> Translation:
        """The translation of ``sources`` (which must parse as Python when ``canonical``)."""
        renamings = tuple(Renaming.of(s) if canonical else None for s in sources)
        inputs = [r.python(s) if r else s for r, s in zip(renamings, sources, strict=True)]
        if references is None:
            pairs = [
                [UnitPair(u, "") for u in (split_python(s) if statements else [s])] for s in inputs
            ]
        else:
            targets = [r.viba(v) if r else v for r, v in zip(renamings, references, strict=True)]
            pairs = [
                unit_pairs(s, t) if statements else [UnitPair(s, t)]
                for s, t in zip(inputs, targets, strict=True)
            ]
        local = canonical and statements
        numbers = tuple(
            tuple(Renumbering.of(u.python) if local and len(units) > 1 else None for u in units)
            for units in pairs
        )

        def apply(renumbering: Renumbering | None, text: str) -> str:
            return renumbering.apply(text) if renumbering else text

        return cls(
            renamings,
            tuple(
                tuple(apply(n, u.python) for n, u in zip(ns, us, strict=True))
                for ns, us in zip(numbers, pairs, strict=True)
            ),
            None
            if references is None
            else tuple(
                tuple(apply(n, u.viba) for n, u in zip(ns, us, strict=True))
                for ns, us in zip(numbers, pairs, strict=True)
            ),
            numbers,
        )

    def inputs(self) -> list[str]:
        """Every unit of every source, in order: what the model translates."""
        return [unit for units in self.units for unit in units]

    def targets(self) -> list[str]:
        """The reference of every unit (same order as :meth:`inputs`)."""
        if self.unit_targets is None:
            raise ValueError("this Translation was made without references")
        return [target for targets in self.unit_targets for target in targets]

    def answers(self, outputs: Sequence[str]) -> list[str]:
        """One Viba text per source, in its own names, from the model's unit outputs."""
        answers, start = [], 0
        for index, units in enumerate(self.units):
            answers.append(self.answer(index, list(outputs[start : start + len(units)])))
            start += len(units)
        return answers

    def answer(self, index: int, outputs: list[str]) -> str:
        """Source ``index``'s Viba, in its own names, from the outputs of its units."""
        renaming, units = self.renamings[index], self.units[index]
        numbers = self.renumberings[index] if self.renumberings else (None,) * len(units)
        own = [n.restore(o) if n else o for n, o in zip(numbers, outputs, strict=True)]
        joined = join_units(list(units), own)
        return renaming.restore(joined) if renaming else joined


# What a unit whose answer fails its checks is asked again with, in order: other retrieval
# settings (top-k: other examples in the prompt), then a task line that asks to keep the input's
# names, numbers and operators (greedy decoding gives one answer per prompt: another prompt is
# another chance). It says nothing about Viba.
RETRY_TASK = "Translate Python To Viba. Keep every name, number, string and operator of the input."
CHECKED_RETRIES = ((1, None), (3, None), (4, None), (6, None), (2, RETRY_TASK), (4, RETRY_TASK),
                   (1, RETRY_TASK))  # fmt: skip


def translate(
    model: StMoeModule, sources: Sequence[str], root: Path, config: TrainConfig
) -> list[str]:
    """Translate Python ``sources`` with ``model`` (no gradient); Viba in the sources' names.

    A source with several top-level functions is translated function by function (one Viba
    definition each, a blank line between them); its other top-level statements (imports,
    classes) have no Viba counterpart and are left out. With ``config.checked_decoding`` a unit
    whose answer fails its checks is asked again with the settings of ``CHECKED_RETRIES``
    (:mod:`viba_trainer.checked`).
    """
    pieces = [split_functions(source) for source in sources]
    flat = [function for functions in pieces for function in functions]
    translations = iter(_translate_functions(model, flat, root, config))
    return ["\n".join(next(translations) for _ in functions) for functions in pieces]


def split_functions(source: str) -> list[str]:
    """The top-level functions of a module, each as its own source; ``[source]`` when it has
    at most one (or does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [source]
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    if len(functions) <= 1:
        return [source]
    return [
        textwrap.dedent(ast.get_source_segment(source, f, padded=True)) + "\n" for f in functions
    ]


def _translate_functions(
    model: StMoeModule, sources: Sequence[str], root: Path, config: TrainConfig
) -> list[str]:
    translation = Translation.of(
        sources, canonical=config.canonical_names, statements=config.statement_units
    )

    prompts = model.prompts

    def answer(texts: list[str], setting: tuple[int, str | None]) -> list[str]:
        model.topk, task = setting
        model.prompts = prompts.with_task(task) if task else prompts
        with torch.no_grad():  # the inputs are temporaries: their folder goes with them
            output, _ = model(reclaim_when_collected(make_tensor(texts, root)))
        return [text or "" for text in pack_tensor(output)]

    first = (config.top_k, None)
    try:
        if config.checked_decoding:
            settings = list(dict.fromkeys((first, *CHECKED_RETRIES)))
            answers = checked_answers(translation.units, answer, settings, translation.answer)
            return translation.answers([a for function in answers for a in function])
        return translation.answers(answer(translation.inputs(), first))
    finally:
        model.topk, model.prompts = config.top_k, prompts


def nearest_neighbour_experience(
    pairs: Sequence[TranslationPair], config: TrainConfig, root: Path
) -> torch.Tensor:
    """An experience whose rows hold ``pairs`` as they are, in ``config``'s form (units, names),
    each distinct unit once, and as many empty rows again (at least 24 rows): the
    nearest-neighbour few-shot baseline, no optimization."""
    units: dict[str, str] = {}
    if pairs:
        translation = Translation.of(
            [p.python for p in pairs],
            canonical=config.canonical_names,
            statements=config.statement_units,
            references=[p.viba for p in pairs],
        )
        units = dict(zip(translation.inputs(), translation.targets(), strict=True))
    extract = keyword_extractor(config.keywords)
    if isinstance(extract, str):  # "lexical" (and "llm", which needs a model: words instead)
        extract = LexicalKeywords()
    rows = [("", "", "")] * max(2 * len(units), 24)
    keywords = extract(list(units))
    rows[: len(units)] = [
        (format_keywords(words), key, value)
        for (key, value), words in zip(units.items(), keywords, strict=True)
    ]
    experience = make_experience(rows, root)
    with torch.no_grad():  # the store's rule: 1 where an element holds text, 0 where empty
        experience.copy_(torch.tensor([[float(bool(t)) for t in row] for row in rows]))
    return experience
