"""``viba-train evaluate``: translate Python files with a saved experience and score them."""

from __future__ import annotations

import ast as python_ast
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from symtensor_autograd import check_experience, read_texts, text_edit_distance_ratio
from symtensor_store import SymbolicTensorError, load_tensor
from symtensor_store.atomic import atomic_write_text

from viba_trainer.checkpoint import EXPERIENCE_DIR, CheckpointStore
from viba_trainer.config import TrainConfig, require_at_least_one
from viba_trainer.dataset import load_pairs
from viba_trainer.errors import ExperienceError, PythonSourceError, UsageError, VibaTrainerError
from viba_trainer.progress import phase_progress
from viba_trainer.training import BEST_LINK, CONFIG_FILE, EXACT_LOSS, make_handler
from viba_trainer.translator import build_model, translate
from viba_trainer.viba import check_strict_viba


@dataclass(frozen=True)
class FileResult:
    """One translated file: the Viba, its syntax error (if any) and its loss (with a reference)."""

    source: Path
    translation: str
    syntax_error: str | None
    loss: float | None


@dataclass(frozen=True)
class EvaluationReport:
    """All files of one ``evaluate`` call."""

    experience: Path
    results: list[FileResult]
    llm_calls: int = 0  # translation calls, those answered from the response cache included

    @property
    def mean_loss(self) -> float | None:
        """Mean edit distance ratio over the files that had a reference."""
        losses = [r.loss for r in self.results if r.loss is not None]
        return sum(losses) / len(losses) if losses else None

    @property
    def valid_share(self) -> float:
        """Share of translations that are strictly valid Viba."""
        return sum(r.syntax_error is None for r in self.results) / len(self.results)

    @property
    def exact_share(self) -> float | None:
        """Share of scored translations within ``EXACT_LOSS`` of their reference."""
        losses = [r.loss for r in self.results if r.loss is not None]
        return sum(loss <= EXACT_LOSS for loss in losses) / len(losses) if losses else None

    def render(self) -> str:
        """Human-readable report: each translation, then the totals."""
        lines = [f"experience: {self.experience}"]
        for result in self.results:
            verdict = "valid Viba" if result.syntax_error is None else result.syntax_error
            loss = "" if result.loss is None else f", loss {result.loss:.4f}"
            lines += [f"=== {result.source} ({verdict}{loss})", result.translation.rstrip()]
        lines.append(f"strictly valid Viba: {self.valid_share:.0%} of {len(self.results)} files")
        if self.mean_loss is not None:
            lines.append(f"mean loss: {self.mean_loss:.4f}")
            lines.append(f"within {EXACT_LOSS} of the reference: {self.exact_share:.0%}")
        return "\n".join(lines)


def read_python_source(path: Path) -> str:
    """The text of a Python file; :class:`PythonSourceError` if unreadable or not valid Python."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PythonSourceError(f"cannot read Python file {path}: {error}") from error
    try:
        python_ast.parse(text, filename=str(path))
    except SyntaxError as error:
        raise PythonSourceError(
            f"{path}:{error.lineno}:{error.offset}: not valid Python ({error.msg})"
        ) from error
    if not text.strip():
        raise PythonSourceError(f"{path} is empty: nothing to translate")
    return text


def _read_reference(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise VibaTrainerError(f"cannot read reference {path}: {error}") from error


def resolve_experience(path: Path) -> tuple[Path, TrainConfig | None]:
    """The dumped experience tensor behind ``path``, and the run config when there is one.

    ``path`` may be a run directory (its ``best`` checkpoint, by validation loss, or else its
    latest), a checkpoint directory ``checkpoints/step-NNNN`` or a dumped experience directory.
    """
    path = Path(path)
    if not path.is_dir():
        raise ExperienceError(f"experience directory {path} does not exist or is not a directory")
    candidates = [path, path.parent.parent, path.parent.parent.parent]
    config_path = next((c / CONFIG_FILE for c in candidates if (c / CONFIG_FILE).is_file()), None)
    config = TrainConfig.load(config_path) if config_path else None
    if (path / BEST_LINK / EXPERIENCE_DIR).is_dir():
        return path / BEST_LINK / EXPERIENCE_DIR, config
    if (path / "checkpoints").is_dir():
        latest = CheckpointStore(path).latest()
        if latest is None:
            raise ExperienceError(f"run directory {path} has no complete checkpoint yet")
        return latest.experience_dir, config
    if (path / EXPERIENCE_DIR).is_dir():
        return path / EXPERIENCE_DIR, config
    if (path / "shape").is_file():
        return path, config
    raise ExperienceError(
        f"{path} is not a run directory, a checkpoint or a dumped experience "
        "(expected checkpoints/, experience/ or a shape file)"
    )


def _load_experience_copy(directory: Path, root: Path) -> torch.Tensor:
    """Load a private copy of the dumped experience under ``root`` (the original stays intact)."""
    copy = root / "experience"

    def named(error: Exception) -> str:  # name the user's files, not the private copy
        return str(error).replace(str(copy), str(directory))

    try:
        shutil.copytree(directory, copy)
        experience = load_tensor(copy)
        check_experience(experience)
        read_texts(experience)  # every element must be UTF-8 text (StorageError names it)
    except (OSError, SymbolicTensorError) as error:
        raise ExperienceError(
            f"cannot load the experience in {directory}: {named(error)}"
        ) from error
    except ValueError as error:
        raise ExperienceError(f"{directory} is not an experience table: {named(error)}") from error
    return experience


def _check_output_dir(output_dir: Path) -> None:
    """Refuse an output directory that is, or would sit under, something that is not one."""
    existing = next(p for p in (output_dir, *output_dir.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise VibaTrainerError(f"--output-dir {output_dir}: {existing} is not a directory")


def evaluate_files(
    experience: Path,
    files: Sequence[Path],
    *,
    references: Sequence[Path] | None = None,
    split: str | None = None,
    backend: str = "local",
    top_k: int | None = None,
    keywords: str | None = None,
    cache: bool = True,
    output_dir: Path | None = None,
    progress: bool = False,
) -> EvaluationReport:
    """Translate ``files`` (or the pairs of a dataset ``split``) with a saved experience; score.

    ``top_k`` and ``keywords`` default to the training run's settings (2 and structure when the
    experience does not come from a run). Every input is checked before the LLM runs, and the
    translations are written to ``output_dir`` (as ``<stem>.viba``) only once all are done.
    """
    if split is not None and (files or references):
        raise UsageError("give Python files or --split, not both")
    if split is None and not files:
        raise PythonSourceError("no Python files to evaluate (give FILE... or --split)")
    if top_k is not None:
        require_at_least_one("--top-k", top_k)
    if output_dir is not None:
        _check_output_dir(Path(output_dir))
    if split is not None:
        pairs = load_pairs(split=split)
        files = [Path(f"{pair.name}.py") for pair in pairs]
        sources, expected = [p.python for p in pairs], [p.viba for p in pairs]
    else:
        sources = [read_python_source(path) for path in files]
        if references is not None and len(references) != len(files):
            raise UsageError(
                f"{len(references)} references for {len(files)} files; give one per file, in order"
            )
        expected = [_read_reference(path) for path in references] if references else None
    experience_dir, run_config = resolve_experience(experience)
    saved = run_config or TrainConfig()
    settings = replace(
        saved,
        backend=backend,
        top_k=top_k if top_k is not None else saved.top_k,
        keywords=keywords or saved.keywords,
    )
    handler = make_handler(backend, cache=cache, max_tokens=settings.answer_tokens)

    with tempfile.TemporaryDirectory(prefix="viba-evaluate-") as tmp:
        root = Path(tmp)
        model = build_model(settings, handler, _load_experience_copy(experience_dir, root))
        with phase_progress("translate", lambda: handler.usage, enabled=progress):
            translations = translate(model, sources, root, settings)

    results = []
    for k, (path, text) in enumerate(zip(files, translations, strict=True)):
        error = check_strict_viba(text)
        loss = text_edit_distance_ratio(text, expected[k]) if expected else None
        results.append(FileResult(Path(path), text, None if error is None else str(error), loss))
    if output_dir is not None:
        for result in results:
            path = Path(output_dir) / f"{result.source.stem}.viba"
            try:
                atomic_write_text(path, result.translation)
            except OSError as error:
                raise VibaTrainerError(f"cannot write {path}: {error}") from error
    usage = handler.usage  # a cached answer counts as a call: the same prompt was asked
    return EvaluationReport(experience_dir, results, usage.calls + usage.cache_hits)
