"""GPT-2 weights in the Hugging Face layout load into our GPT (tested on a locally made file)."""

import json

import pytest
import torch
from nanogpt_dag import GPT, CheckpointFormatError, GPTConfig, gpt2_state_dict, load_gpt2, save_gpt2
from safetensors.torch import save_file

N_LAYER, N_HEAD, N_EMBD, N_POS, VOCAB = 2, 2, 8, 12, 13


def _hf_gpt2_tensors(prefix: str = "") -> dict[str, torch.Tensor]:
    """Random weights named and shaped exactly as a Hugging Face GPT2Model saves them."""
    g = torch.Generator().manual_seed(1)
    C = N_EMBD
    t = {"wte.weight": (VOCAB, C), "wpe.weight": (N_POS, C), "ln_f.weight": (C,), "ln_f.bias": (C,)}
    for i in range(N_LAYER):
        t |= {
            f"h.{i}.ln_1.weight": (C,),
            f"h.{i}.ln_1.bias": (C,),
            f"h.{i}.attn.c_attn.weight": (C, 3 * C),  # Conv1D: (in, out)
            f"h.{i}.attn.c_attn.bias": (3 * C,),
            f"h.{i}.attn.c_proj.weight": (C, C),
            f"h.{i}.attn.c_proj.bias": (C,),
            f"h.{i}.ln_2.weight": (C,),
            f"h.{i}.ln_2.bias": (C,),
            f"h.{i}.mlp.c_fc.weight": (C, 4 * C),
            f"h.{i}.mlp.c_fc.bias": (4 * C,),
            f"h.{i}.mlp.c_proj.weight": (4 * C, C),
            f"h.{i}.mlp.c_proj.bias": (C,),
        }
    tensors = {prefix + k: torch.randn(shape, generator=g) for k, shape in t.items()}
    for i in range(N_LAYER):  # the causal-mask buffer old checkpoints carry
        tensors[f"{prefix}h.{i}.attn.bias"] = torch.tril(torch.ones(1, 1, N_POS, N_POS))
    return tensors


def _write_hf_dir(directory, tensors):
    directory.mkdir()
    save_file(tensors, str(directory / "model.safetensors"))
    config = {"n_layer": N_LAYER, "n_head": N_HEAD, "n_embd": N_EMBD, "n_positions": N_POS,
              "vocab_size": VOCAB, "model_type": "gpt2"}  # fmt: skip
    (directory / "config.json").write_text(json.dumps(config))
    return directory


@pytest.mark.parametrize("prefix", ["", "transformer."])
def test_hf_layout_loads_with_conv1d_weights_transposed(tmp_path, prefix):
    tensors = _hf_gpt2_tensors(prefix)
    model = load_gpt2(_write_hf_dir(tmp_path / "gpt2", tensors))
    assert model.config == GPTConfig(
        block_size=N_POS, vocab_size=VOCAB, n_layer=N_LAYER, n_head=N_HEAD, n_embd=N_EMBD
    )
    blk = model.transformer.h[1]
    assert torch.equal(blk.attn.c_attn.weight, tensors[f"{prefix}h.1.attn.c_attn.weight"].t())
    assert torch.equal(blk.mlp.c_proj.weight, tensors[f"{prefix}h.1.mlp.c_proj.weight"].t())
    assert torch.equal(blk.ln_2.bias, tensors[f"{prefix}h.1.ln_2.bias"])
    assert torch.equal(model.transformer.wte.weight, tensors[f"{prefix}wte.weight"])
    assert torch.equal(model.lm_head.weight, tensors[f"{prefix}wte.weight"])


def test_loaded_attention_matches_conv1d_arithmetic(tmp_path):
    tensors = _hf_gpt2_tensors()
    model = load_gpt2(_write_hf_dir(tmp_path / "gpt2", tensors))
    x = torch.randn(3, N_EMBD)
    conv1d = x @ tensors["h.0.attn.c_attn.weight"] + tensors["h.0.attn.c_attn.bias"]  # HF Conv1D
    torch.testing.assert_close(model.transformer.h[0].attn.c_attn(x), conv1d)


def test_save_then_load_round_trips_weights_and_outputs(tmp_path):
    torch.manual_seed(3)
    config = GPTConfig(block_size=N_POS, vocab_size=VOCAB, n_layer=N_LAYER, n_head=N_HEAD,
                       n_embd=N_EMBD)  # fmt: skip
    original = GPT(config).eval()
    save_gpt2(original, tmp_path / "ckpt")
    loaded = load_gpt2(tmp_path / "ckpt").eval()
    for key, value in gpt2_state_dict(original).items():
        assert torch.equal(gpt2_state_dict(loaded)[key], value), key
    idx = torch.randint(0, VOCAB, (2, N_POS))
    torch.testing.assert_close(loaded(idx)[0], original(idx)[0], rtol=0, atol=0)


def test_missing_weight_is_named_in_the_error(tmp_path):
    tensors = _hf_gpt2_tensors()
    del tensors["h.1.mlp.c_fc.bias"]
    with pytest.raises(CheckpointFormatError, match=r"missing \['h.1.mlp.c_fc.bias'\]"):
        load_gpt2(_write_hf_dir(tmp_path / "gpt2", tensors))


def test_wrong_shape_is_named_in_the_error(tmp_path):
    tensors = _hf_gpt2_tensors()
    tensors["h.0.attn.c_proj.weight"] = torch.zeros(N_EMBD, N_EMBD + 1)
    with pytest.raises(CheckpointFormatError, match=r"h\.0\.attn\.c_proj\.weight has shape"):
        load_gpt2(_write_hf_dir(tmp_path / "gpt2", tensors))


def test_directory_without_weights_is_rejected(tmp_path):
    with pytest.raises(CheckpointFormatError, match=r"model\.safetensors not found"):
        load_gpt2(tmp_path)


def test_unreadable_config_json_is_a_checkpoint_format_error(tmp_path):
    directory = _write_hf_dir(tmp_path / "gpt2", _hf_gpt2_tensors())
    (directory / "config.json").write_text("{not json")
    with pytest.raises(CheckpointFormatError, match=r"config\.json is not valid JSON"):
        load_gpt2(directory)
