"""``viba-train evaluate``: translate Python files with a saved experience and score them."""

from __future__ import annotations

import ast as python_ast
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from symtensor_autograd import (
    StMoeModule,
    check_experience,
    read_texts,
    text_edit_distance_ratio,
)
from symtensor_store import SymbolicTensorError, load_tensor, make_tensor, pack_tensor

from viba_trainer.atomic import write_text_atomic
from viba_trainer.checkpoint import EXPERIENCE_DIR, CheckpointStore
from viba_trainer.config import TrainConfig, require_at_least_one
from viba_trainer.errors import ExperienceError, PythonSourceError, VibaTrainerError
from viba_trainer.progress import phase_progress
from viba_trainer.training import CONFIG_FILE, make_handler
from viba_trainer.viba import check_viba


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

    @property
    def mean_loss(self) -> float | None:
        """Mean edit distance ratio over the files that had a reference."""
        losses = [r.loss for r in self.results if r.loss is not None]
        return sum(losses) / len(losses) if losses else None

    @property
    def valid_share(self) -> float:
        """Share of translations that are valid Viba."""
        return sum(r.syntax_error is None for r in self.results) / len(self.results)

    def render(self) -> str:
        """Human-readable report: each translation, then the totals."""
        lines = [f"experience: {self.experience}"]
        for result in self.results:
            verdict = "valid Viba" if result.syntax_error is None else result.syntax_error
            loss = "" if result.loss is None else f", loss {result.loss:.4f}"
            lines += [f"=== {result.source} ({verdict}{loss})", result.translation.rstrip()]
        lines.append(f"valid Viba: {self.valid_share:.0%} of {len(self.results)} files")
        if self.mean_loss is not None:
            lines.append(f"mean loss: {self.mean_loss:.4f}")
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

    ``path`` may be a run directory (its latest checkpoint is used), a checkpoint directory
    ``checkpoints/step-NNNN`` or a dumped experience directory itself.
    """
    path = Path(path)
    if not path.is_dir():
        raise ExperienceError(f"experience directory {path} does not exist or is not a directory")
    candidates = [path, path.parent.parent, path.parent.parent.parent]
    config_path = next((c / CONFIG_FILE for c in candidates if (c / CONFIG_FILE).is_file()), None)
    config = TrainConfig.load(config_path) if config_path else None
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
    backend: str = "local",
    top_k: int | None = None,
    keywords: str | None = None,
    cache: bool = True,
    output_dir: Path | None = None,
    progress: bool = False,
) -> EvaluationReport:
    """Translate ``files`` with the experience at ``experience`` and score them.

    ``top_k`` and ``keywords`` default to the training run's settings (1 and lexical when the
    experience does not come from a run). Every input is checked before the LLM runs, and the
    translations are written to ``output_dir`` (as ``<stem>.viba``) only once all are done.
    """
    if not files:
        raise PythonSourceError("no Python files to evaluate")
    if top_k is not None:
        require_at_least_one("--top-k", top_k)
    if output_dir is not None:
        _check_output_dir(Path(output_dir))
    sources = [read_python_source(path) for path in files]
    if references is not None and len(references) != len(files):
        raise VibaTrainerError(
            f"{len(references)} references for {len(files)} files; give one per file, in order"
        )
    expected = [_read_reference(path) for path in references] if references else None
    experience_dir, run_config = resolve_experience(experience)
    top_k = top_k if top_k is not None else (run_config.top_k if run_config else 1)
    keywords = keywords or (run_config.keywords if run_config else "lexical")
    handler = make_handler(backend, cache=cache, max_tokens=TrainConfig.max_tokens)

    with tempfile.TemporaryDirectory(prefix="viba-evaluate-") as tmp:
        root = Path(tmp)
        model = StMoeModule(
            handler,
            task_prompt=run_config.task_prompt if run_config else TrainConfig.task_prompt,
            topk=top_k,
            keywords=keywords,
            experience=_load_experience_copy(experience_dir, root),
        )
        inputs = make_tensor(sources, root)
        with torch.no_grad(), phase_progress("translate", lambda: handler.usage, enabled=progress):
            output, _ = model(inputs)
        translations = [text or "" for text in pack_tensor(output)]

    results = []
    for k, (path, text) in enumerate(zip(files, translations, strict=True)):
        error = check_viba(text)
        loss = text_edit_distance_ratio(text, expected[k]) if expected else None
        results.append(FileResult(Path(path), text, None if error is None else str(error), loss))
    if output_dir is not None:
        for result in results:
            path = Path(output_dir) / f"{result.source.stem}.viba"
            try:
                write_text_atomic(path, result.translation)
            except OSError as error:
                raise VibaTrainerError(f"cannot write {path}: {error}") from error
    return EvaluationReport(experience_dir, results)
