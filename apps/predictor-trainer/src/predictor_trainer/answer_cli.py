"""`answer-train [--model dag|plain] [--steps N] [--output-dir DIR] [--resume | --init-from DIR]`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from importlib.metadata import version

from dag_executor import DagError
from dag_executor.console import interruptible
from nanogpt_dag import NanoGptDagError

from predictor_trainer.answer_train import MODELS, AnswerRunConfig, run
from predictor_trainer.errors import CheckpointError, PredictorTrainerError

EPILOG = """\
DAG-GPT reads an arithmetic question ("12 plus 3.5 times (4 - 7)"), predicts at every
character its role in the DAG, and answers by executing that DAG; --model plain trains the same
GPT to write the answer itself (the baseline). At the end both are scored on held-out questions
(test, longer_numbers, more_operands), written to DIR/evaluation.json and printed as JSON.

examples:
  answer-train --steps 300 --output-dir runs/dag-gpt          # about 30 s on 2 cores
  answer-train --steps 600 --output-dir runs/dag-gpt --resume # continue to step 600
  answer-train --model plain --output-dir runs/plain-gpt
  answer-train --init-from runs/plain-gpt/checkpoints/step-3000 --output-dir runs/dag-from-plain
  answer-train --init-from path/to/gpt2-dir ...    # a GPT-2-format directory of the same shape

Exit status: 0 done, 1 a checkpoint that cannot be used, 2 bad usage, 130 interrupted.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="answer-train",
        description="Train DAG-GPT (or the plain GPT baseline) to answer arithmetic questions, "
        "and score it on held-out and extrapolation questions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version('predictor-trainer')}"
    )
    defaults = AnswerRunConfig()
    for field in fields(AnswerRunConfig):
        flag = "--output-dir" if field.name == "out_dir" else "--" + field.name.replace("_", "-")
        kind = type(getattr(defaults, field.name))
        extra = {"choices": MODELS} if field.name == "model" else {}
        parser.add_argument(flag, dest=field.name, type=kind, default=getattr(defaults, field.name),
                            help=f"(default: {getattr(defaults, field.name)})", **extra)  # fmt: skip
    parser.add_argument("--resume", action="store_true", help="continue the run in --output-dir")
    parser.add_argument(
        "--init-from", metavar="DIR", help="start from the weights of a checkpoint folder of "
        "this command or of a GPT-2-format directory (the GPT; the DAG head starts fresh)"
    )  # fmt: skip
    parser.add_argument(
        "--overwrite", action="store_true", help="delete the checkpoints of an earlier run there"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    return parser


@interruptible("answer-train", "; continue with --resume")
def main(argv: list[str] | None = None) -> int:
    """Console entry point; returns the process exit status."""
    import torch

    args = _parser().parse_args(argv)
    settings = {f.name: getattr(args, f.name) for f in fields(AnswerRunConfig)}
    try:
        if args.threads < 0:
            raise PredictorTrainerError("--threads must be >= 0")
        if args.threads:
            torch.set_num_threads(args.threads)
        config = AnswerRunConfig(**settings)
        result = run(config, resume=args.resume, init_from=args.init_from,
                     overwrite=args.overwrite, progress=not args.quiet)  # fmt: skip
    except CheckpointError as err:
        print(f"answer-train: error: {err}", file=sys.stderr)
        return 1
    except (PredictorTrainerError, NanoGptDagError, DagError) as err:
        print(f"answer-train: error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
