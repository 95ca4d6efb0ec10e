"""`predictor-train CONFIG [--key=value ...]`: train or evaluate the DAG predictor."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import fields
from importlib.metadata import version

from dag_executor import DagError
from dag_executor.console import interruptible
from nanogpt_dag import NanoGptDagError

from predictor_trainer.config import KEY_HELP, TrainConfig, load_config, shipped_configs
from predictor_trainer.errors import CheckpointError, PredictorTrainerError

USAGE_EPILOG = """\
Every TrainConfig key can be overridden as --key=value or --key value; the workspace's common
names work too (--output-dir DIR for out_dir, --quiet for progress=false, --seed N), for example
  predictor-train tiny --max_iters=200 --output-dir runs/tiny
  predictor-train tiny --eval_only=true                    # score an untrained model
  predictor-train tiny --eval_only=true --init_from=resume # score the latest checkpoint
  torchrun --nproc-per-node 2 -m predictor_trainer.cli tiny --threads=1   # data parallel

keys (defaults):
"""


def _parser() -> argparse.ArgumentParser:
    keys = "\n".join(
        f"  {f.name + ' = ' + repr(f.default):<32} {KEY_HELP[f.name]}" for f in fields(TrainConfig)
    )
    parser = argparse.ArgumentParser(
        prog="predictor-train",
        description="Train nanogpt-dag's predictor to turn arithmetic text into executable DAG "
        "tensors; evaluate it on a held-out split.",
        epilog=USAGE_EPILOG + keys,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version('predictor-trainer')}"
    )
    shipped = ", ".join(sorted(shipped_configs()))
    parser.add_argument("config", help=f"a .toml file or a shipped config name ({shipped})")
    parser.add_argument(
        "--print-config", action="store_true", help="print the resolved config as JSON and exit"
    )
    return parser


@interruptible("predictor-train", "; continue with --init_from=resume")
def main(argv: list[str] | None = None) -> int:
    """Console entry point; returns the process exit status."""
    from predictor_trainer.train import train

    args, overrides = _parser().parse_known_args(argv)
    try:
        config = load_config(args.config, overrides)
        if args.print_config:
            print(json.dumps(config.to_dict(), indent=2))
            return 0
        result = train(config)
    except CheckpointError as err:  # the run cannot go on from what is on disk
        print(f"predictor-train: error: {err}", file=sys.stderr)
        return 1
    except (PredictorTrainerError, NanoGptDagError, DagError) as err:  # bad usage
        print(f"predictor-train: error: {err}", file=sys.stderr)
        return 2
    if not config.eval_only and os.environ.get("RANK", "0") == "0":
        summary = {"step": result.step, "last_loss": result.last_loss} | result.final_eval
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
