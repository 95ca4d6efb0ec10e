"""The training loop: forward, loss, backward, optimizer step, checkpoint; and --resume.

One iteration over the dataset (inputs ``x``: Python sources, targets ``t``: Viba references)::

    output, _ = model(x)                       # forward: LLM translates, guided by experience
    loss = edit_distance_ratio(output, t)      # per pair, 0 = exact
    loss.mean().backward()                     # text gradients (diffs) reach the experience
    optimizer.step()                           # patches applied to the experience rows

After every step the run directory gets a complete checkpoint, ``metrics.jsonl`` and the
loss-curve PNG, all written atomically, so an interrupted run resumes with no finished step lost.
"""

from __future__ import annotations

import random
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from llm_backends import TaskHandler, Usage, make_backend
from symtensor_autograd import (
    StSGD,
    edit_distance_ratio,
    make_experience,
    read_texts,
    text_edit_distance_ratio,
    write_texts,
)
from symtensor_store import dump_tensor, load_tensor, make_tensor, pack_tensor
from symtensor_store.atomic import atomic_symlink
from tqdm import tqdm

from viba_trainer.checkpoint import EXPERIENCE_DIR, Checkpoint, CheckpointStore
from viba_trainer.config import TrainConfig
from viba_trainer.dataset import TranslationPair, load_pairs
from viba_trainer.errors import DatasetError, UsageError, VibaTrainerError
from viba_trainer.metrics import IterationMetrics, plot_loss_curve, write_metrics
from viba_trainer.progress import phase_progress
from viba_trainer.scripted import scripted_backend
from viba_trainer.translator import Translation, build_model, translate
from viba_trainer.viba import check_strict_viba, is_strict_viba

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
PLOT_FILE = "loss_curve.png"
CALL_LOG_FILE = "llm_calls.jsonl"
TENSORS_DIR = ".tensors"  # the run's symbolic tensors while it trains; removed when it ends
BEST_LINK = "best"  # -> checkpoints/step-NNNN with the lowest validation loss
# A translation this close to its reference (edit distance ratio) counts as exact.
EXACT_LOSS = 0.05
# A translation is one Viba definition, which never holds a blank line; a small model that
# does not stop after its answer goes on after one (more Python, or prose): cut it there.
STOP = ("\n\n",)


@dataclass(frozen=True)
class TrainResult:
    """A finished (or already complete) run: its settings, metrics history and wall time."""

    config: TrainConfig
    history: list[IterationMetrics]
    seconds: float
    resumed_from: int = 0

    def summary(self) -> str:
        """Loss trajectory, patches, LLM calls and where the files are."""
        losses = " -> ".join(f"{r.mean_loss:.4f}" for r in self.history)
        applied = sum(r.patches.get("applied", 0) for r in self.history)
        rejected = sum(r.patches.get("rejected", 0) for r in self.history)
        calls = sum(r.llm_calls for r in self.history)
        hits = sum(r.cache_hits for r in self.history)
        resumed = f" (resumed after iteration {self.resumed_from})" if self.resumed_from else ""
        best = best_step(self.history)
        validation = ""
        if best is not None:
            record = self.history[[r.iteration for r in self.history].index(best[0])]
            validation = (
                f"best validation loss {best[1]:.4f} after iteration {best[0]} (exact "
                f"{record.validation_exact:.0%}, strictly valid {record.validation_strict:.0%}): "
                f"{self.config.output_dir / BEST_LINK}\n"
            )
        return (
            f"train loss {losses}{resumed}\n{validation}"
            f"patches applied {applied}, rejected {rejected}; LLM calls {calls} "
            f"(+{hits} cache hits); {self.seconds:.1f}s this session\n"
            f"results in {self.config.output_dir}: {METRICS_FILE}, {PLOT_FILE}, checkpoints/"
        )


def make_handler(
    backend: str, *, cache: bool, max_tokens: int, log_path: Path | None = None
) -> TaskHandler:
    """The TaskHandler for a backend name (``scripted`` is :mod:`viba_trainer.scripted`)."""
    chosen = scripted_backend() if backend == "scripted" else make_backend(backend)
    # llama.cpp runs one generation at a time: queueing more only makes calls time out.
    concurrency = 1 if backend == "local" else 8
    return TaskHandler(
        chosen,
        concurrency=concurrency,
        use_cache=cache and backend != "scripted",
        log_path=log_path,
        max_tokens=max_tokens,
        stop=STOP,
        timeout_s=600 if backend == "local" else 120,
    )


def check_references(pairs: list[TranslationPair]) -> None:
    """Every reference must be strictly valid Viba (a typo would poison the loss)."""
    for pair in pairs:
        if (error := check_strict_viba(pair.viba)) is not None:
            raise DatasetError(f"reference {pair.name}.viba is not valid Viba: {error}")


@dataclass(frozen=True)
class Scores:
    """Loss, strictly-valid share and exact share of translations against references."""

    losses: list[float]
    strict: float
    exact: float

    @property
    def mean_loss(self) -> float:
        """Mean edit distance ratio."""
        return sum(self.losses) / len(self.losses)

    @classmethod
    def of(cls, outputs: list[str], references: list[str]) -> Scores:
        """Score ``outputs`` against ``references`` (same order)."""
        losses = [text_edit_distance_ratio(o, r) for o, r in zip(outputs, references, strict=True)]
        return cls(
            losses,
            strict=sum(map(is_strict_viba, outputs)) / len(outputs),
            exact=sum(loss <= EXACT_LOSS for loss in losses) / len(losses),
        )


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class _Session:
    """Live training state: tensors under one storage root, the model, the optimizer."""

    def __init__(
        self,
        config: TrainConfig,
        pairs: list[TranslationPair],
        validation: list[TranslationPair],
        handler: TaskHandler,
        root: Path,
    ) -> None:
        self.config = config
        self.pairs = pairs
        self.validation = validation
        self.handler = handler
        self.root = root
        # The model learns in the form it translates: canonical names, one unit per statement.
        self.translation = Translation.of(
            [pair.python for pair in pairs],
            canonical=config.canonical_names,
            statements=config.statement_units,
            references=[pair.viba for pair in pairs],
        )
        units = self.translation.inputs()
        self.input = make_tensor(units, root)  # (U,)
        self.expected = make_tensor(self.translation.targets(), root)  # (U,)
        experience = make_experience(config.rows(len(set(units))), root)  # (N, 3), empty
        self.model = build_model(config, handler, experience)
        self.optimizer = StSGD(
            self.model.parameters(),
            lr=config.learning_rate,
            append_only=not config.update_filled_rows,
            # Structure retrieval compares Python with Python: a row's query is its key's.
            query_fields=("key",) if config.keywords == "structure" else ("key", "value"),
        )

    def restore(self, checkpoint: Checkpoint) -> None:
        state = checkpoint.load_state()
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        checkpoint.restore_random_state()

    def state(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}

    def _usage(self) -> Usage:
        return self.handler.usage

    def dump_experience(self, directory: Path) -> None:
        dump_tensor(self.model.experience, directory)

    def load_experience(self, directory: Path) -> None:
        """Put a dumped experience (texts and coefficients) into the model's experience."""
        saved = load_tensor(directory)
        write_texts(self.model.experience, dict(enumerate(read_texts(saved))))
        with torch.no_grad():
            self.model.experience.copy_(saved.detach().to(self.model.experience.dtype))

    def validate(self) -> tuple[Scores | None, list[str]]:
        """Translate the validation pairs with the current experience (never trained on)."""
        if not self.validation:
            return None, []
        sources = [pair.python for pair in self.validation]
        outputs = translate(self.model, sources, self.root, self.config)
        return Scores.of(outputs, [pair.viba for pair in self.validation]), outputs

    def iteration(self, number: int, *, progress: bool) -> tuple[IterationMetrics, dict[str, str]]:
        """Run one iteration; returns its metrics and its translations (checkpoint path ->
        text: ``outputs/<pair>.viba`` for training, ``validation/<pair>.viba``)."""
        usage_before, failures_before = self.handler.usage, self.model.runner.failures
        started = time.perf_counter()
        label = f"iteration {number}/{self.config.iterations}"
        usage = self._usage

        self.optimizer.zero_grad()
        with phase_progress(f"{label} forward", usage, enabled=progress) as forward:
            output, _ = self.model(self.input)  # (U,), (U, k)
        outputs = self.translation.answers([text or "" for text in pack_tensor(output)])
        losses = edit_distance_ratio(output, self.expected)  # (U,), per unit
        with phase_progress(f"{label} backward", usage, enabled=progress) as backward:
            losses.mean().backward()
        with phase_progress(f"{label} step", usage, enabled=progress) as step:
            self.optimizer.step()
        with phase_progress(f"{label} validation", usage, enabled=progress) as validation:
            held_out, held_out_outputs = self.validate()
        train_scores = Scores.of(outputs, [pair.viba for pair in self.pairs])

        report = self.optimizer.last_report
        spent = _usage_delta(self.handler.usage, usage_before)
        metrics = IterationMetrics(
            iteration=number,
            mean_loss=train_scores.mean_loss,
            losses={
                p.name: round(x, 6) for p, x in zip(self.pairs, train_scores.losses, strict=True)
            },
            valid_viba=train_scores.strict,
            exact_share=train_scores.exact,
            validation_loss=None if held_out is None else held_out.mean_loss,
            validation_losses={}
            if held_out is None
            else {
                p.name: round(x, 6) for p, x in zip(self.validation, held_out.losses, strict=True)
            },
            validation_strict=None if held_out is None else held_out.strict,
            validation_exact=None if held_out is None else held_out.exact,
            patches={
                "applied": report.applied,
                "fuzzed": report.fuzzed,
                "rejected": report.rejected,
                "skipped": report.skipped,
                "rows_updated": report.rows_updated,
                "rows_rolled_back": report.rows_rolled_back,
                "conflicts": report.conflicts,  # text gradients merged side by side
                "dropped": len(report.dropped),  # text gradients that could not be routed
            },
            llm_calls=spent.calls,
            prompt_tokens=spent.prompt_tokens,
            completion_tokens=spent.completion_tokens,
            cache_hits=spent.cache_hits,
            failed_tasks=self.model.runner.failures - failures_before,
            seconds=round(time.perf_counter() - started, 3),
            phase_seconds={
                "forward": round(forward["seconds"], 3),
                "backward": round(backward["seconds"], 3),
                "step": round(step["seconds"], 3),
                "validation": round(validation["seconds"], 3),
            },
        )
        translations = {
            f"outputs/{p.name}.viba": t for p, t in zip(self.pairs, outputs, strict=True)
        }
        translations |= {
            f"validation/{p.name}.viba": t
            for p, t in zip(self.validation, held_out_outputs, strict=True)
        }
        return metrics, translations


def _usage_delta(after: Usage, before: Usage) -> Usage:
    return Usage(
        calls=after.calls - before.calls,
        cache_hits=after.cache_hits - before.cache_hits,
        prompt_tokens=after.prompt_tokens - before.prompt_tokens,
        completion_tokens=after.completion_tokens - before.completion_tokens,
    )


def _prepare(config: TrainConfig, resume: bool) -> tuple[TrainConfig, Checkpoint | None]:
    """Check the run directory against ``resume``; returns the config to run and where to start.

    Nothing is written here: a refused run leaves the directory as it was.
    """
    out = config.output_dir
    config_path = out / CONFIG_FILE
    if resume:
        if not config_path.is_file():
            raise VibaTrainerError(
                f"nothing to resume in {out}: no {CONFIG_FILE}; start a run without --resume"
            )
        saved = TrainConfig.load(config_path)
        # The saved run decides the data and the model; the command line may change only the
        # iteration total, the backend and caching.
        config = replace(
            saved,
            iterations=config.iterations,
            backend=config.backend,
            cache=config.cache,
            output_dir=out,
        )
        store = CheckpointStore(out)
        store.remove_incomplete()  # a run killed mid-checkpoint leaves a temporary directory
        return config, store.latest()
    if config_path.exists() or CheckpointStore(out).steps():
        raise UsageError(  # caught before any work: exit 2, like predictor-train
            f"{out} already holds a run; continue it with --resume or choose another --output-dir"
        )
    return config, None


def best_step(history: list[IterationMetrics]) -> tuple[int, float] | None:
    """(step, validation loss) of the experience with the lowest validation loss, if any.

    A reverted step does not count: its checkpoint holds the earlier best experience.
    """
    scored = [
        (r.validation_loss, r.iteration)
        for r in history
        if r.validation_loss is not None and not r.reverted
    ]
    if not scored:
        return None
    loss, step = min(scored)
    return step, loss


def _link_best(run_dir: Path, history: list[IterationMetrics]) -> None:
    """Point ``run_dir/best`` at the best checkpoint (a relative symlink, replaced atomically)."""
    best = best_step(history)
    if best is None:
        return
    atomic_symlink(run_dir / BEST_LINK, Path("checkpoints") / f"step-{best[0]:04d}")


def _write_reports(config: TrainConfig, history: list[IterationMetrics]) -> None:
    write_metrics(history, config.output_dir / METRICS_FILE)
    title = f"Python -> Viba, {len(config.pairs)} pairs, backend {config.backend}"
    plot_loss_curve(history, config.output_dir / PLOT_FILE, title=title)


def train(config: TrainConfig, *, resume: bool = False, progress: bool = True) -> TrainResult:
    """Train (or, with ``resume``, continue) the run described by ``config``.

    Everything that can be checked is checked before the first file is written: the dataset,
    its references, the backend (API keys, model file) and the run directory.
    """
    started = time.perf_counter()
    config, checkpoint = _prepare(config, resume)
    pairs = load_pairs(config.pairs)
    validation = load_pairs(config.validation) if config.validation else []
    check_references(pairs + validation)
    handler = make_handler(
        config.backend,
        cache=config.cache,
        max_tokens=config.answer_tokens,
        log_path=config.output_dir / CALL_LOG_FILE,
    )
    config.output_dir.mkdir(parents=True, exist_ok=True)
    config.save(config.output_dir / CONFIG_FILE)
    store = CheckpointStore(config.output_dir)
    history = checkpoint.history if checkpoint else []
    start = checkpoint.step if checkpoint else 0
    if history:
        _write_reports(config, history)  # metrics.jsonl may lag the checkpoint after a kill

    _remove_leftovers(config.output_dir)
    root = config.output_dir / TENSORS_DIR  # inside the run: a killed run leaves nothing elsewhere
    try:
        _seed_everything(config.seed)
        session = _Session(config, pairs, validation, handler, root)
        if checkpoint is not None:
            session.restore(checkpoint)
        for number in range(start + 1, config.iterations + 1):
            metrics, translations = session.iteration(number, progress=progress)
            best = best_step(history)
            if (
                config.revert_on_worse
                and best is not None
                and metrics.validation_loss is not None
                and metrics.validation_loss > best[1]
            ):
                session.load_experience(store.step_dir(best[0]) / EXPERIENCE_DIR)
                metrics = replace(metrics, reverted=True)
            history.append(metrics)
            store.save(
                number,
                dump_experience=session.dump_experience,
                state=session.state(),
                history=history,
                extra_files=translations,
            )
            _write_reports(config, history)
            _link_best(config.output_dir, history)
            tqdm.write(metrics.summary())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return TrainResult(config, history, time.perf_counter() - started, resumed_from=start)


def _remove_leftovers(output_dir: Path) -> None:
    """Delete what a killed run can leave in ``output_dir``: its tensor storage and the
    temporaries of interrupted atomic writes (``.<name>.<random>.<suffix>.tmp``)."""
    shutil.rmtree(output_dir / TENSORS_DIR, ignore_errors=True)
    for temporary in output_dir.glob(".*.tmp"):
        if temporary.is_file():
            temporary.unlink(missing_ok=True)
