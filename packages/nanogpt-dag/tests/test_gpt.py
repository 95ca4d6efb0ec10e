"""The GPT backbone: shapes, gradients, causality, configuration errors."""

import pytest
import torch
from nanogpt_dag import GPT, GPTConfig, ModelConfigError, SequenceTooLongError

TINY = GPTConfig(block_size=16, vocab_size=11, n_layer=2, n_head=2, n_embd=16)


def _model(**overrides) -> GPT:
    torch.manual_seed(0)
    fields = {**TINY.__dict__, **overrides}
    return GPT(GPTConfig(**fields)).eval()


def test_forward_gives_logits_per_position_and_a_scalar_loss():
    model = _model()
    idx = torch.randint(0, 11, (3, 7))
    logits, loss = model(idx, targets=idx)
    assert logits.shape == (3, 7, 11)
    assert loss is not None and loss.shape == ()
    assert abs(loss.item() - torch.log(torch.tensor(11.0)).item()) < 0.5  # near-uniform at init


def test_backward_reaches_every_parameter():
    model = _model()
    idx = torch.randint(0, 11, (2, 5))
    _, loss = model(idx, targets=idx)
    loss.backward()
    for name, param in model.named_parameters():
        if name.startswith("transformer.wpe"):
            assert param.grad[:5].abs().sum() > 0, name
            continue
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_hidden_states_have_embedding_width_and_no_lm_head_needed():
    model = _model(lm_head=False)
    hidden = model.hidden_states(torch.randint(0, 11, (4, 9)))
    assert hidden.shape == (4, 9, 16)
    with pytest.raises(ModelConfigError, match="lm_head=False"):
        model(torch.zeros(1, 3, dtype=torch.long))


def test_changing_a_later_token_never_changes_an_earlier_prediction():
    model = _model()
    idx = torch.randint(0, 11, (1, 12))
    changed = idx.clone()
    changed[0, 8:] = (changed[0, 8:] + 1) % 11
    before, _ = model(idx)
    after, _ = model(changed)
    torch.testing.assert_close(before[:, :8], after[:, :8], rtol=0, atol=1e-6)
    assert not torch.allclose(before[:, 8:], after[:, 8:])


def test_lm_head_is_tied_to_the_token_embedding():
    model = _model()
    assert model.lm_head.weight is model.transformer.wte.weight


def test_sequence_longer_than_block_size_is_rejected_with_a_clear_message():
    with pytest.raises(SequenceTooLongError, match="exceeds block_size 16"):
        _model().hidden_states(torch.zeros(1, 17, dtype=torch.long))


def test_inconsistent_config_is_rejected():
    with pytest.raises(ModelConfigError, match="divisible by n_head"):
        GPTConfig(n_embd=10, n_head=3)
    with pytest.raises(ModelConfigError, match="n_layer must be >= 1"):
        GPTConfig(n_layer=0)


def test_dropout_is_active_only_in_training_mode():
    model = _model(dropout=0.5)
    idx = torch.randint(0, 11, (2, 6))
    assert torch.equal(model(idx)[0], model(idx)[0])
    model.train()
    assert not torch.equal(model(idx)[0], model(idx)[0])
