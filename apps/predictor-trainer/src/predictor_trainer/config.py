"""The one training configuration: a TOML file of flat keys, then `--key=value` overrides.

    config = load_config("tiny", ["--max_iters=100", "--learning_rate=1e-3"])

CONFIG may be a path to a `.toml` file or the name of a config shipped with the app
(`tiny`, `main`; see `shipped_configs()`).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from dag_executor import DagConfig, ExpressionGenerator
from dag_executor.generator import Split
from nanogpt_dag import DagLossWeights, GPTConfig

from predictor_trainer.errors import TrainConfigError


@dataclass
class TrainConfig:
    """Every hyperparameter of a predictor training run (model, data, optimisation, logging)."""

    # model (nanogpt_dag.GPTConfig): its defaults, so the library and the app cannot drift,
    # but a shorter context (the expressions are short)
    n_layer: int = GPTConfig.n_layer
    n_head: int = GPTConfig.n_head
    n_embd: int = GPTConfig.n_embd
    block_size: int = 128
    dropout: float = GPTConfig.dropout
    bias: bool = GPTConfig.bias
    head_hidden: int = 0  # width of the predictor head's hidden layer; 0 means n_embd
    # DAG (dag_executor.DagConfig) and the expressions the generator draws
    dag_depth: int = 4
    max_digits: int = 4
    max_decimals: int = 4
    # data: one seed; the generator keeps the train / val / test expressions disjoint
    seed: int = 1337
    min_numbers: int = 2
    max_numbers: int = 0  # 0 means dag_depth + 1
    operations: str = "+-*/"  # the operations the generator draws from (equally often)
    negative_probability: float = 0.2  # a number is negative
    negation_probability: float = 0.1  # a subtree is negated
    # optimisation
    batch_size: int = 32  # examples per micro-batch per process
    grad_accum_steps: int = 1  # distinct micro-batches summed into one optimizer step
    max_iters: int = 2000
    learning_rate: float = 3e-4
    min_lr: float = 3e-5
    warmup_iters: int = 100
    lr_decay_iters: int = 2000
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0  # 0 disables clipping
    # loss weights (nanogpt_dag.DagLossWeights' defaults)
    digit_weight: float = DagLossWeights.digits
    sign_weight: float = DagLossWeights.signs
    operand_weight: float = DagLossWeights.operands
    gate_weight: float = DagLossWeights.gates
    step_weight: float = DagLossWeights.steps
    exec_weight: float = DagLossWeights.execution
    # evaluation, logging, checkpoints
    eval_interval: int = 250  # also evaluates at the end; 0 only at the end
    eval_examples: int = 512  # held-out examples per evaluation
    eval_split: str = "val"  # split scored during training; eval_only uses `test_split`
    test_split: str = "test"
    log_interval: int = 10
    checkpoint_interval: int = 250  # and always at the end
    keep_checkpoints: int = 2
    out_dir: str = "runs/predictor"
    init_from: str = "scratch"  # "scratch", "resume" (out_dir's latest checkpoint) or a folder
    overwrite: bool = False  # let a scratch run replace the checkpoints already in out_dir
    eval_only: bool = False  # score the model (a checkpoint if init_from=resume) and exit
    progress: bool = True  # tqdm progress bar on rank 0
    plot: bool = True  # write metrics.png next to metrics.jsonl
    threads: int = 0  # torch.set_num_threads per process; 0 leaves torch's default
    device: str = "cpu"

    def __post_init__(self) -> None:
        """Check values that would otherwise fail deep inside training."""
        positive = ("batch_size", "grad_accum_steps", "eval_examples", "log_interval",
                    "checkpoint_interval", "keep_checkpoints")  # fmt: skip
        for name in positive:
            if getattr(self, name) < 1:
                raise TrainConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("max_iters", "warmup_iters", "lr_decay_iters", "eval_interval", "seed"):
            if getattr(self, name) < 0:
                raise TrainConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.seed >= 2**63:
            raise TrainConfigError(f"seed must be < 2**63 (torch's generator), got {self.seed}")
        self._check_data()
        self._check_optimizer()
        self._check_size()
        if not self.out_dir.strip():
            raise TrainConfigError("out_dir must name a folder for the run, got an empty string")
        check_out_dir(Path(self.out_dir))
        if self.init_from not in ("scratch", "resume") and not _is_weights_folder(self.init_from):
            raise TrainConfigError(
                "init_from must be 'scratch', 'resume' or a folder holding model.safetensors "
                f"(a predictor-train checkpoint or a GPT-2 directory), got {self.init_from!r}"
            )
        for name in ("eval_split", "test_split"):
            if getattr(self, name) not in ("train", "val", "test"):
                raise TrainConfigError(
                    f"{name} must be 'train', 'val' or 'test', got {getattr(self, name)!r}"
                )
        if not self.operations or set(self.operations) - set("+-*/"):
            raise TrainConfigError(
                f"operations must be a non-empty string of + - * /, got {self.operations!r}"
            )
        if self.min_lr > self.learning_rate:
            raise TrainConfigError(
                f"min_lr ({self.min_lr}) must not exceed learning_rate ({self.learning_rate})"
            )
        longest = self.expression_generator("train").longest_text()
        if len(longest) > self.block_size:
            raise TrainConfigError(
                f"block_size {self.block_size} is shorter than the longest expression this config "
                f"can draw ({len(longest)} characters, e.g. {longest!r}): raise block_size to "
                f"{len(longest)} or draw fewer or shorter numbers"
            )

    def dag(self) -> DagConfig:
        """The shape of this run's DAGs (depth, integer digits, decimals)."""
        return DagConfig(self.dag_depth, self.max_digits, self.max_decimals)

    def expression_generator(self, split: Split) -> ExpressionGenerator:
        """The generator of `split`'s expressions, as this config describes them."""
        return ExpressionGenerator(
            self.dag(),
            split,
            self.seed,
            operation_weights=dict.fromkeys(self.operations, 1.0),
            min_numbers=self.min_numbers,
            max_numbers=self.max_numbers or None,
            negative_probability=self.negative_probability,
            negation_probability=self.negation_probability,
        )

    def _check_data(self) -> None:
        try:
            self.dag()
        except ValueError as err:
            raise TrainConfigError(f"dag_depth, max_digits, max_decimals: {err}") from None
        most = self.dag_depth + 1
        if not 1 <= self.min_numbers <= (self.max_numbers or most) <= most:
            raise TrainConfigError(
                f"need 1 <= min_numbers <= max_numbers <= dag_depth + 1 = {most} (max_numbers 0 "
                f"means dag_depth + 1), got {self.min_numbers} and {self.max_numbers}"
            )
        for name in ("negative_probability", "negation_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise TrainConfigError(f"{name} must be in [0, 1], got {getattr(self, name)}")

    def _check_optimizer(self) -> None:
        if self.learning_rate <= 0 or self.min_lr < 0:
            raise TrainConfigError(
                f"need learning_rate > 0 and min_lr >= 0, got {self.learning_rate} and "
                f"{self.min_lr}"
            )
        for name in ("weight_decay", "grad_clip"):
            if getattr(self, name) < 0:
                raise TrainConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("beta1", "beta2"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise TrainConfigError(f"{name} must be in [0, 1), got {getattr(self, name)}")

    def _check_size(self) -> None:
        if min(self.n_layer, self.n_head, self.n_embd, self.block_size) < 1:
            raise TrainConfigError("n_layer, n_head, n_embd and block_size must be >= 1")
        check_model_size(self.n_layer, self.n_embd, self.block_size)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-able values."""
        return dataclasses.asdict(self)


def _physical_memory() -> int:
    """Bytes of RAM of this machine."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _is_weights_folder(path: str) -> bool:
    return (Path(path) / "model.safetensors").is_file()


def check_model_size(n_layer: int, n_embd: int, block_size: int) -> None:
    """TrainConfigError for a GPT whose weights and AdamW state could not fit in this machine's
    memory (refused before anything is allocated)."""
    parameters = 12 * n_layer * n_embd**2 + block_size * n_embd
    needed = 16 * parameters  # float32 weights, gradients and two AdamW moments
    if needed > _physical_memory():
        raise TrainConfigError(
            f"a model of n_layer={n_layer}, n_embd={n_embd} needs about "
            f"{needed / 2**30:.0f} GiB for weights and optimizer state, more than this "
            f"machine's {_physical_memory() / 2**30:.0f} GiB"
        )


def check_out_dir(out_dir: Path) -> None:
    """TrainConfigError unless ``out_dir`` is, or can become, a writable folder."""
    for folder in (out_dir, *out_dir.parents):
        if folder.exists():
            if not folder.is_dir():
                what = "is" if folder == out_dir else f"is under {folder}, which is"
                raise TrainConfigError(f"out_dir {out_dir} {what} a file, not a folder")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise TrainConfigError(f"out_dir {out_dir}: {folder} is not writable")
            return


KEY_HELP: dict[str, str] = {
    "n_layer": "transformer blocks",
    "n_head": "attention heads per block (must divide n_embd)",
    "n_embd": "width of the residual stream",
    "block_size": "longest expression text in characters the model accepts",
    "dropout": "dropout probability, in [0, 1)",
    "bias": "Linear and LayerNorm layers carry a bias",
    "head_hidden": "width of the predictor head's hidden layer; 0 means n_embd",
    "dag_depth": "DAG depth d: operation steps, d + 1 numbers per expression at most",
    "max_digits": "integer digits M of each number (M + max_decimals <= 15)",
    "max_decimals": "decimal places K of each number",
    "seed": "seed of the model initialisation and of the expression generator (>= 0)",
    "min_numbers": "fewest numbers in a generated expression (>= 1)",
    "max_numbers": "most numbers in a generated expression; 0 means dag_depth + 1",
    "operations": "the operations the generator draws from, equally often, e.g. '+-*/'",
    "negative_probability": "chance that a generated number is negative",
    "negation_probability": "chance that a generated subtree is negated",
    "batch_size": "examples per micro-batch per process",
    "grad_accum_steps": "distinct micro-batches summed into one optimizer step",
    "max_iters": "optimizer steps to train for",
    "learning_rate": "peak AdamW learning rate, reached after warmup",
    "min_lr": "learning rate at the end of the cosine decay",
    "warmup_iters": "steps of linear warmup",
    "lr_decay_iters": "step at which the cosine decay reaches min_lr",
    "weight_decay": "AdamW weight decay (matrices only)",
    "beta1": "AdamW beta1",
    "beta2": "AdamW beta2",
    "grad_clip": "clip the gradient norm to this; 0 disables clipping",
    "digit_weight": "loss weight of the digits",
    "sign_weight": "loss weight of the signs",
    "operand_weight": "loss weight of the operand selection",
    "gate_weight": "loss weight of the gates",
    "step_weight": "loss weight of the number of used steps",
    "exec_weight": "loss weight of the execution loss (value of the executed soft DAG)",
    "eval_interval": "evaluate on eval_split every this many steps; 0: only at the end",
    "eval_examples": "held-out examples per evaluation",
    "eval_split": "split scored during training: train, val or test",
    "test_split": "split scored at the end and by eval_only",
    "log_interval": "write a training record to metrics.jsonl every this many steps",
    "checkpoint_interval": "write a checkpoint every this many steps (and at the end)",
    "keep_checkpoints": "how many of the newest checkpoints to keep",
    "out_dir": "where checkpoints, metrics.jsonl and metrics.png go",
    "init_from": "'scratch', 'resume' (out_dir's latest checkpoint, same step and optimizer), "
    "or a folder to take the weights from and start at step 0: a predictor-train checkpoint "
    "(checkpoints/step-NNNN) or a GPT-2 directory (config.json + model.safetensors, "
    "the backbone's shapes)",
    "overwrite": "let a run that does not resume delete the checkpoints already in out_dir "
    "(without it, such a run is refused)",
    "eval_only": "only score the model (the checkpoint with init_from=resume) on test_split",
    "progress": "show a tqdm progress bar (rank 0)",
    "plot": "write metrics.png next to metrics.jsonl",
    "threads": "torch threads per process; 0 leaves torch's default",
    "device": "torch device, e.g. cpu or cuda",
}
"""One line per TrainConfig key, for `predictor-train --help`."""


def _fields() -> dict[str, dataclasses.Field]:
    return {f.name: f for f in fields(TrainConfig)}


def shipped_configs() -> dict[str, Path]:
    """Names and paths of the configs shipped with the app."""
    folder = resources.files("predictor_trainer") / "configs"
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")}


def resolve_config_path(name_or_path: str) -> Path:
    """The file CONFIG names: an existing path, else a shipped config name."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = shipped_configs()
    if name_or_path in shipped:
        return shipped[name_or_path]
    raise TrainConfigError(
        f"config {name_or_path!r} is neither a file nor a shipped config "
        f"(shipped: {', '.join(sorted(shipped))})"
    )


def _convert(name: str, value: Any, where: str) -> Any:
    kind = _fields()[name].type
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "1", "yes"):
                return True
            if str(value).lower() in ("false", "0", "no"):
                return False
            raise ValueError
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        return str(value)
    except ValueError:
        raise TrainConfigError(f"{where}: {name} must be {kind}, got {value!r}") from None


def _check_known(name: str, where: str) -> None:
    if name not in _fields():
        raise TrainConfigError(
            f"{where}: unknown key {name!r}; known keys: {', '.join(sorted(_fields()))}"
        )


# The workspace's common command-line names, for keys named differently here.
ALIASES = {"output_dir": "out_dir"}
FLAGS = {"quiet": ("progress", "false")}  # options that take no value


def parse_overrides(args: list[str]) -> dict[str, str]:
    """Config keys from the command line: ``--key=value`` or ``--key value``, plus the
    workspace's common names (``--output-dir DIR`` for out_dir, ``--quiet`` for progress=false).

    ``["--max_iters=10", "--output-dir", "runs/x"]`` -> ``{"max_iters": "10", "out_dir": "runs/x"}``.
    """
    out, rest = {}, list(args)
    while rest:
        arg = rest.pop(0)
        if not arg.startswith("--") or arg == "--":
            raise TrainConfigError(f"override {arg!r} must look like --key=value or --key value")
        key, has_value, value = arg[2:].partition("=")
        key = key.replace("-", "_")
        if key in FLAGS and not has_value:
            key, value = FLAGS[key]
        elif not has_value:
            if not rest:
                raise TrainConfigError(f"{arg} needs a value (--key=value or --key value)")
            value = rest.pop(0)
        key = ALIASES.get(key, key)
        _check_known(key, "command line")
        out[key] = value
    return out


def load_config(
    name_or_path: str | None, overrides: list[str] | dict[str, Any] = ()
) -> TrainConfig:
    """Defaults, then the TOML file (if any), then overrides; every value checked and converted."""
    values: dict[str, Any] = {}
    if name_or_path is not None:
        path = resolve_config_path(name_or_path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise TrainConfigError(f"{path} is not valid TOML: {err}") from None
        except UnicodeDecodeError as err:
            raise TrainConfigError(f"{path} is not UTF-8 text ({err.reason})") from None
        except OSError as err:
            raise TrainConfigError(f"{path}: cannot read ({err.strerror or err})") from None
        for key, value in raw.items():
            _check_known(key, str(path))
            values[key] = _convert(key, value, str(path))
    if not isinstance(overrides, dict):
        overrides = parse_overrides(list(overrides))
    for key, value in overrides.items():
        _check_known(key, "overrides")
        values[key] = _convert(key, value, "overrides")
    return TrainConfig(**values)
