"""Load (and write) GPT-2 weights in the Hugging Face layout, with no network and no transformers.

A Hugging Face GPT-2 directory holds `config.json` (`n_layer`, `n_head`, `n_embd`,
`n_positions`, `vocab_size`) and `model.safetensors` with keys such as `wte.weight`,
`h.0.attn.c_attn.weight` and `ln_f.bias` (sometimes prefixed by `transformer.`). GPT-2 uses
`Conv1D` layers whose weights are stored as (in, out): the transpose of `nn.Linear`'s (out, in).
Point `load_gpt2` at a directory you already have on disk (e.g. a downloaded `gpt2` snapshot).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from nanogpt_dag.atomic import atomic_write
from nanogpt_dag.errors import CheckpointFormatError
from nanogpt_dag.gpt import GPT, GPTConfig

# Conv1D layers of GPT-2: stored (in, out), so they are transposed on the way in and out.
_CONV1D_SUFFIXES = (
    "attn.c_attn.weight",
    "attn.c_proj.weight",
    "mlp.c_fc.weight",
    "mlp.c_proj.weight",
)
# Buffers and tied weights some GPT-2 files carry that are not parameters of ours.
_IGNORED_SUFFIXES = (".attn.bias", ".attn.masked_bias")
_IGNORED_KEYS = ("lm_head.weight",)


def _hf_key(our_key: str) -> str:
    return our_key.removeprefix("transformer.")


def _read_hf_config(directory: Path) -> dict[str, int]:
    path = directory / "config.json"
    if not path.exists():
        raise CheckpointFormatError(f"{path} is missing; a GPT-2 directory needs its config.json")
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise CheckpointFormatError(f"{path} is not valid JSON: {err}") from None
    try:
        return {
            "n_layer": int(raw["n_layer"]),
            "n_head": int(raw["n_head"]),
            "n_embd": int(raw["n_embd"]),
            "block_size": int(raw.get("n_positions", raw.get("n_ctx"))),
            "vocab_size": int(raw["vocab_size"]),
        }
    except (KeyError, TypeError) as err:
        raise CheckpointFormatError(f"{path} lacks GPT-2 field {err}") from err


def _normalised_tensors(weights_path: Path) -> dict[str, torch.Tensor]:
    tensors = load_file(str(weights_path))
    out = {}
    for key, value in tensors.items():
        key = key.removeprefix("transformer.")
        if key in _IGNORED_KEYS or key.endswith(_IGNORED_SUFFIXES):
            continue
        out[key] = value
    return out


def load_gpt2(path: str | os.PathLike[str], *, lm_head: bool = True, dropout: float = 0.0) -> GPT:
    """Build a `GPT` from a Hugging Face GPT-2 directory (`config.json` + `model.safetensors`).

    Raises:
        CheckpointFormatError: a file is missing, a key is missing or unexpected, or a shape
            does not match the config.
    """
    directory = Path(path)
    weights_path = directory / "model.safetensors"
    if not weights_path.exists():
        raise CheckpointFormatError(f"{weights_path} not found; expected a GPT-2 directory")
    config = GPTConfig(**_read_hf_config(directory), dropout=dropout, bias=True, lm_head=lm_head)
    model = GPT(config)
    tensors = _normalised_tensors(weights_path)
    ours = model.state_dict()
    expected = {_hf_key(k) for k in ours if not k.startswith("lm_head.")}
    missing, unexpected = expected - tensors.keys(), tensors.keys() - expected
    if missing or unexpected:
        raise CheckpointFormatError(
            f"{weights_path} does not match GPT-2 with {config.n_layer} layers: "
            f"missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}"
        )
    with torch.no_grad():
        for our_key, param in ours.items():
            if our_key.startswith("lm_head."):
                continue  # tied to wte
            value = tensors[_hf_key(our_key)]
            if our_key.endswith(_CONV1D_SUFFIXES):
                value = value.t()
            if value.shape != param.shape:
                raise CheckpointFormatError(
                    f"{weights_path}: {_hf_key(our_key)} has shape {tuple(value.shape)}, "
                    f"expected {tuple(param.shape)} (after Conv1D transpose) for this config"
                )
            param.copy_(value)
    return model


def gpt2_state_dict(model: GPT) -> dict[str, torch.Tensor]:
    """Return `model`'s weights under Hugging Face GPT-2 key names and layouts (Conv1D = (in, out))."""
    out = {}
    for key, value in model.state_dict().items():
        if key.startswith("lm_head."):
            continue
        if key.endswith(_CONV1D_SUFFIXES):
            value = value.t()
        out[_hf_key(key)] = value.detach().contiguous().clone()
    return out


def save_gpt2(model: GPT, directory: str | os.PathLike[str]) -> None:
    """Write `model` as a Hugging Face GPT-2 directory (`config.json` + `model.safetensors`).

    Each file is written atomically (`nanogpt_dag.atomic.atomic_write`), so a crash leaves either
    the old file or the new one.
    """
    if not model.config.bias:
        raise CheckpointFormatError("GPT-2 layout needs bias=True; this model has no biases")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    c = model.config
    config = {
        "model_type": "gpt2",
        "n_layer": c.n_layer,
        "n_head": c.n_head,
        "n_embd": c.n_embd,
        "n_positions": c.block_size,
        "n_ctx": c.block_size,
        "vocab_size": c.vocab_size,
        "layer_norm_epsilon": 1e-5,
    }
    weights = gpt2_state_dict(model)
    atomic_write(directory / "model.safetensors", lambda tmp: save_file(weights, str(tmp)))
    atomic_write(
        directory / "config.json", lambda tmp: tmp.write_text(json.dumps(config, indent=2))
    )
