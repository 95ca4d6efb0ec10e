"""The character tokenizer: lossless, offline, and explicit about what it cannot encode."""

import pytest
import torch
from nanogpt_dag import CharTokenizer, TokenizerError


def test_encode_decode_round_trip():
    tok = CharTokenizer()
    text = "-12.5 * (3 + 4) / 7"
    assert tok.decode(tok.encode(text)) == text
    assert all(0 < i < tok.vocab_size for i in tok.encode(text))


def test_unknown_character_is_named():
    with pytest.raises(TokenizerError, match="character 'x'"):
        CharTokenizer().encode("2*x")


def test_batch_is_right_padded_with_lengths():
    tok = CharTokenizer()
    ids, lengths = tok.encode_batch(["1+2", "10*30"], block_size=8)
    assert ids.shape == (2, 5)
    assert lengths.tolist() == [3, 5]
    assert ids[0, 3:].tolist() == [tok.pad_id, tok.pad_id]
    assert tok.decode(ids[0]) == "1+2"


def test_text_longer_than_block_size_is_rejected():
    with pytest.raises(TokenizerError, match=r"must have 1\.\.4"):
        CharTokenizer().encode_batch(["1+2+3"], block_size=4)


def test_decode_rejects_out_of_range_ids():
    with pytest.raises(TokenizerError, match="ids must be in"):
        CharTokenizer().decode(torch.tensor([99]))
