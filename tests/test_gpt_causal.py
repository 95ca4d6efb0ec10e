"""Causality of the whole predictor: a later token never changes an earlier token's DAG."""

import torch
from dag_executor import DagConfig
from hypothesis import given
from hypothesis import strategies as st
from nanogpt_dag import CharTokenizer, GPTConfig, PredictorConfig, PredictorOnlyModel

VOCAB = CharTokenizer().vocab_size
GPT = GPTConfig(block_size=20, vocab_size=VOCAB, n_layer=2, n_head=2, n_embd=16, lm_head=False)
torch.manual_seed(0)
MODEL = PredictorOnlyModel(PredictorConfig(GPT, DagConfig(2, 2, 1))).eval()


@given(
    tokens=st.lists(st.integers(1, VOCAB - 1), min_size=2, max_size=20),
    cut=st.integers(1, 19),
    replacement=st.integers(1, VOCAB - 1),
)
def test_changing_later_tokens_leaves_earlier_predictions_unchanged(tokens, cut, replacement):
    cut = min(cut, len(tokens) - 1)
    idx = torch.tensor([tokens])
    changed = idx.clone()
    changed[0, cut:] = replacement
    with torch.no_grad():
        before, after = MODEL(idx), MODEL(changed)
    for name in ("digit_logits", "sign_logits", "operand_logits", "gate_logits", "steps_logits"):
        a, b = getattr(before, name)[:, :cut], getattr(after, name)[:, :cut]
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5, msg=name)
