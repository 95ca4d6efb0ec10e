"""st_moe: a mixture of experts whose experts are experience rows and whose kernel is an LLM.

Forward, for each input element ``x_i`` (a text):

1. query:     ``q_i = keywords(x_i)``
2. retrieval: ``rows_i`` = top-k experience rows by Jaccard(q_i, row keywords), with optional
   Gaussian exploration noise; a query that matches nothing is a cold start (random free rows)
3. translate: ``o_i = LLM(task, examples = (key, value) of the filled rows_i, input = x_i)``,
   the examples given to chat models as previous (key -> value) exchanges, best match last
   (with ``exact_recall``, a row whose key is ``x_i`` itself answers with its value, no LLM)
4. copy-back: the answers become the output tensor (coefficients pass through from the input)

Backward, with ``d_i`` the text gradient of ``o_i`` (a diff to the expected text) and
``t_i = patch(o_i, d_i)`` the expected text; "wrong" inputs are those with a non-empty ``d_i``:

* input: numeric pass-through; text ``diff(x_i, LLM-improved x_i)`` (only if it requires grad)
* experience: the forward rows transposed to "which wrong inputs did each row serve":

  - a wrong input claims one empty row (its own selected empty row, else a random free one) and
    writes itself there: key gradient ``diff("", x_i)``, value gradient ``diff("", t_i)``. No LLM
    is needed, and after the optimizer step retrieval finds that row for ``x_i``. This is the
    cold start that lets an empty experience learn.
  - a filled row whose key is the wrong input itself gets value gradient ``diff(value, t_i)``
    (again no LLM: for that very key the expected text is known).
  - any other filled row that served wrong inputs gets its key and its value rewritten by one
    LLM pass each, gradient ``diff(old, new)``.
  Filled rows are left alone with ``update_filled_rows=False``.

  The numeric gradient of a row's key and value is the sum of ``grad_output`` over the wrong
  inputs it took part in; the query column gets none (the optimizer regenerates it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import torch
from llm_backends import TaskHandler

from symtensor_autograd.experience import (
    KEY,
    VALUE,
    ExperienceEntry,
    experience_entries,
    mark_experience,
    retrieve,
)
from symtensor_autograd.functions.routing import received_texts
from symtensor_autograd.gradient_channel import (
    GradientChannel,
    resolve_channel,
    send_diffs,
    stamp,
)
from symtensor_autograd.keywords import KeywordExtractor, LlmKeywords
from symtensor_autograd.llm_runner import FileTask, LlmRunner
from symtensor_autograd.prompts import StMoePrompts
from symtensor_autograd.texts import (
    TensorRef,
    apply_diff,
    read_texts,
    require_same_root,
    require_symbolic,
    text_tensor,
    unchanged_texts,
    unified_diff,
)


@dataclass
class StMoeConfig:
    """Everything st_moe needs besides its tensors (shared by forward and backward)."""

    runner: LlmRunner
    keywords: KeywordExtractor
    prompts: StMoePrompts
    topk: int = 1
    noise_std: float = 0.0
    generator: torch.Generator | None = None
    update_filled_rows: bool = True
    exact_recall: bool = False
    grammar: Callable[[str], str | None] | None = None


class StMoe(torch.autograd.Function):
    """Autograd Function of :func:`st_moe` (see the module docstring)."""

    @staticmethod
    def forward(ctx, input, experience, config, channel):  # noqa: D102
        input_texts, experience_texts = tuple(read_texts(input)), tuple(read_texts(experience))
        inputs = [text or "" for text in input_texts]
        entries = experience_entries(experience_texts)
        active = [i for i, text in enumerate(inputs) if text.strip()]
        queries = config.keywords([inputs[i] for i in active])
        found = retrieve(
            queries, entries, config.topk, noise_std=config.noise_std, generator=config.generator
        )
        rows: list[list[int]] = [[] for _ in inputs]
        for i, chosen in zip(active, found.indexes, strict=True):
            rows[i] = chosen
        outputs = [""] * len(inputs)
        if config.exact_recall:
            for i in active:
                outputs[i] = _recalled(inputs[i], _examples(entries, rows[i])) or ""
        pending = [i for i in active if not outputs[i]]
        tasks = [
            _translate_task(
                config.prompts,
                inputs[i],
                _examples(entries, rows[i]),
                config.grammar(inputs[i]) if config.grammar else None,
            )
            for i in pending
        ]
        for i, answer in zip(pending, config.runner.run(tasks), strict=True):
            outputs[i] = answer or ""

        output = text_tensor(outputs, input.shape, input.st_root, dtype=input.dtype, temporary=True)
        with torch.no_grad():
            output.copy_(input.detach())
        k = min(config.topk, len(entries))
        indexes = torch.full((len(inputs), k), -1, dtype=torch.long)
        for i, chosen in enumerate(rows):
            indexes[i, : len(chosen)] = torch.tensor(chosen, dtype=torch.long)
        indexes = indexes.reshape(*input.shape, k)
        ctx.mark_non_differentiable(indexes)

        ctx.save_for_backward(input, experience)
        # what backward checks and diffs against: the texts this forward read
        ctx.input_texts = input_texts if ctx.needs_input_grad[0] else None
        ctx.experience_texts = experience_texts if ctx.needs_input_grad[1] else None
        ctx.config, ctx.channel = config, channel
        ctx.output = TensorRef.of(output)
        ctx.inputs, ctx.outputs, ctx.rows, ctx.entries = inputs, outputs, rows, entries
        return stamp(output, channel), indexes

    @staticmethod
    def backward(ctx, grad_output, _grad_indexes):  # noqa: D102
        diffs = received_texts(ctx.channel, ctx.output) or [""] * len(ctx.outputs)
        targets: dict[int, str] = {}
        for i, diff in enumerate(diffs):
            if not diff.strip():
                continue
            target = apply_diff(ctx.outputs[i], diff)
            if target is None:
                ctx.channel.drop(f"st_moe: the text gradient of output {i} does not apply to it")
            elif target != ctx.outputs[i]:
                targets[i] = target
        input, experience = ctx.saved_tensors
        grad_input = grad_experience = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.clone()
            base = unchanged_texts(input, ctx.input_texts, "st_moe's input")
            _send_input_gradient(ctx, input, base, targets)
        if ctx.needs_input_grad[1]:
            base = unchanged_texts(experience, ctx.experience_texts, "st_moe's experience")
            grad_experience = _experience_gradient(
                ctx, experience, base, targets, grad_output.reshape(-1)
            )
        return grad_input, grad_experience, None, None


def _examples(entries: list[ExperienceEntry], rows: list[int]) -> list[ExperienceEntry]:
    return [entries[row] for row in rows if row >= 0 and entries[row].filled]


def _translate_task(
    prompts: StMoePrompts, text: str, examples: list[ExperienceEntry], grammar: str | None
) -> FileTask:
    """The translation of ``text``, with the retrieved rows (best first) as solved examples
    (its answer constrained by ``grammar`` where the backend takes one).

    The examples are shown as previous exchanges, the best match last, next to the input:
    small models imitate the nearest turn most.
    """
    files = {"input.txt": text}
    for n, entry in enumerate(examples, 1):
        files[f"example_{n}_input.txt"] = entry.key
        files[f"example_{n}_output.txt"] = entry.value
    turns = tuple(
        (f"example_{n}_input.txt", f"example_{n}_output.txt") for n in range(len(examples), 0, -1)
    )
    template = prompts.translate if examples else prompts.translate_alone
    return FileTask(prompts.render(template), "output.txt", files, turns, grammar)


def _recalled(text: str, examples: list[ExperienceEntry]) -> str | None:
    """The value of an example whose key is ``text`` itself (exact recall), else None."""
    return next((e.value for e in examples if e.key.strip() == text.strip()), None)


def _send_input_gradient(
    ctx, input: torch.Tensor, base: tuple[str | None, ...], targets: dict[int, str]
) -> None:
    """Text gradient of the input: each wrong input rewritten by the LLM, as a diff."""
    if not targets:
        return
    prompts, wrong = ctx.config.prompts, sorted(targets)
    tasks = []
    for i in wrong:
        files = {
            "input.txt": ctx.inputs[i],
            "output.txt": ctx.outputs[i],
            "expected_output.txt": targets[i],
        }
        for n, entry in enumerate(_examples(ctx.entries, ctx.rows[i]), 1):
            files[f"example_{n}_input.txt"] = entry.key
            files[f"example_{n}_output.txt"] = entry.value
        tasks.append(FileTask(prompts.render(prompts.improve_input), "new_input.txt", files))
    texts = [""] * len(ctx.inputs)
    for i, answer in zip(wrong, ctx.config.runner.run(tasks), strict=True):
        if answer is not None:
            texts[i] = unified_diff(ctx.inputs[i], answer)
    send_diffs(input, texts, ctx.channel, base=base)


def _experience_gradient(
    ctx,
    experience: torch.Tensor,
    base: tuple[str | None, ...],
    targets: dict[int, str],
    grad_output: torch.Tensor,
) -> torch.Tensor:
    """Numeric gradient of the experience; its text gradient is sent on the channel."""
    entries = ctx.entries
    numeric = torch.zeros(len(entries), 3, dtype=torch.float64)
    texts = [""] * (3 * len(entries))
    weight = grad_output.to(torch.float64)

    for row, i in _claim_empty_rows(ctx, targets).items():
        texts[3 * row + KEY] = unified_diff(entries[row].key, ctx.inputs[i])
        texts[3 * row + VALUE] = unified_diff(entries[row].value, targets[i])
        numeric[row, KEY:] += weight[i]

    if ctx.config.update_filled_rows:
        exact, served = _filled_rows_served(ctx, targets)
        for row, i in exact.items():
            if entries[row].value != targets[i]:
                texts[3 * row + VALUE] = unified_diff(entries[row].value, targets[i])
                numeric[row, VALUE] += weight[i]
        new_keys, new_values = _rewrite_rows(ctx, served, targets)
        for row, cases in served.items():
            if new_keys[row] is not None:
                texts[3 * row + KEY] = unified_diff(entries[row].key, new_keys[row])
            if new_values[row] is not None:
                texts[3 * row + VALUE] = unified_diff(entries[row].value, new_values[row])
            numeric[row, KEY:] += sum(weight[i] for i in cases)

    send_diffs(experience, texts, ctx.channel, base=base)
    return numeric.to(experience.dtype)


def _claim_empty_rows(ctx, targets: dict[int, str]) -> dict[int, int]:
    """Row -> wrong input that writes itself there (one empty row per wrong input at most).

    An input whose retrieved rows already hold its own text as key is not given a second row
    (that row's value is corrected instead), nor is a second copy of the same input text.
    """
    entries, claims, claimed_inputs = ctx.entries, {}, set()
    free = None
    for i in sorted(targets):
        mine = ctx.inputs[i].strip()
        if mine in claimed_inputs or any(
            entries[row].key.strip() == mine for row in ctx.rows[i] if row >= 0
        ):
            continue
        row = next(
            (r for r in ctx.rows[i] if r >= 0 and not entries[r].filled and r not in claims), None
        )
        if row is None:
            if free is None:
                order = torch.randperm(len(entries), generator=ctx.config.generator).tolist()
                free = [r for r in order if not entries[r].filled]
            row = next((r for r in free if r not in claims), None)
        if row is not None:
            claims[row] = i
            claimed_inputs.add(mine)
    return claims


def _filled_rows_served(
    ctx, targets: dict[int, str]
) -> tuple[dict[int, int], dict[int, list[int]]]:
    """The forward rows transposed, for the filled rows that wrong inputs recalled.

    Returns ``exact`` (row whose key is the input itself -> that input: its value should simply
    be the expected text, no LLM needed) and ``served`` (every other such row -> the wrong inputs
    it was recalled for, to be rewritten by the LLM).
    """
    exact: dict[int, int] = {}
    served: dict[int, list[int]] = defaultdict(list)
    for i in sorted(targets):
        for row in ctx.rows[i]:
            if row < 0 or not ctx.entries[row].filled:
                continue
            if ctx.entries[row].key.strip() == ctx.inputs[i].strip():
                exact.setdefault(row, i)
            else:
                served[row].append(i)
    return exact, {row: cases for row, cases in served.items() if row not in exact}


def _rewrite_rows(
    ctx, served: dict[int, list[int]], targets: dict[int, str]
) -> tuple[dict[int, str | None], dict[int, str | None]]:
    """One LLM pass for the key and one for the value of every served row."""
    prompts, order = ctx.config.prompts, sorted(served)
    tasks = []
    for field, todo in (
        (prompts.improve_key, "new_key.txt"),
        (prompts.improve_value, "new_value.txt"),
    ):
        for row in order:
            files = {
                "entry_key.txt": ctx.entries[row].key,
                "entry_value.txt": ctx.entries[row].value,
            }
            for n, i in enumerate(served[row], 1):
                files[f"case_{n}_input.txt"] = ctx.inputs[i]
                files[f"case_{n}_output.txt"] = ctx.outputs[i]
                files[f"case_{n}_expected.txt"] = targets[i]
            tasks.append(FileTask(prompts.render(field), todo, files))
    answers = ctx.config.runner.run(tasks)
    keys = dict(zip(order, answers[: len(order)], strict=True))
    values = dict(zip(order, answers[len(order) :], strict=True))
    return keys, values


def st_moe(
    input: torch.Tensor,
    experience: torch.Tensor,
    *,
    runner: LlmRunner | TaskHandler,
    keywords: KeywordExtractor | None = None,
    prompts: StMoePrompts | None = None,
    topk: int = 1,
    noise_std: float = 0.0,
    generator: torch.Generator | None = None,
    update_filled_rows: bool = True,
    exact_recall: bool = False,
    grammar: Callable[[str], str | None] | None = None,
    channel: GradientChannel | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Translate every element of ``input`` with the LLM, guided by retrieved experience rows.

    Returns ``(output, indexes)``: the output texts (shape of ``input``) and the experience rows
    used for each element (``[*input.shape, k]``, -1 where none). See the module docstring for
    the forward steps and both gradients. With ``exact_recall`` an input that a retrieved row
    holds verbatim as its key gets that row's value without an LLM call (a memory hit).
    ``grammar(text)``, when given, is the GBNF grammar the answer for input ``text`` must follow
    (None: unconstrained); backends without constrained decoding ignore it.
    ``experience`` is marked as an experience table (see ``mark_experience``).
    """
    require_symbolic(input, "input")
    mark_experience(experience)
    require_same_root("st_moe", input=input, experience=experience)
    runner = runner if isinstance(runner, LlmRunner) else LlmRunner(runner)
    config = StMoeConfig(
        runner=runner,
        keywords=keywords if keywords is not None else LlmKeywords(runner),
        prompts=prompts or StMoePrompts(),
        topk=topk,
        noise_std=noise_std,
        generator=generator,
        update_filled_rows=update_filled_rows,
        exact_recall=exact_recall,
        grammar=grammar,
    )
    return StMoe.apply(input, experience, config, resolve_channel(channel, input, experience))
