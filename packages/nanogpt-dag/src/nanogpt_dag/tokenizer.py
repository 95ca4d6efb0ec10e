"""A character-level tokenizer for arithmetic text: nothing to download, nothing to train."""

from __future__ import annotations

import torch

from nanogpt_dag.errors import TokenizerError

ARITHMETIC_ALPHABET = "0123456789.+-*/() "
"""Characters that arithmetic expressions are written with (digits, operators, parentheses, space)."""


class CharTokenizer:
    """Maps each character of a fixed alphabet to one id; id 0 is padding.

    >>> tok = CharTokenizer()
    >>> tok.decode(tok.encode("1.5*(2-3)"))
    '1.5*(2-3)'
    """

    pad_id = 0

    def __init__(self, alphabet: str = ARITHMETIC_ALPHABET) -> None:
        if len(set(alphabet)) != len(alphabet):
            raise TokenizerError(f"alphabet has repeated characters: {alphabet!r}")
        self.alphabet = alphabet
        self._ids = {ch: i + 1 for i, ch in enumerate(alphabet)}

    @property
    def vocab_size(self) -> int:
        """Number of ids, padding included."""
        return len(self.alphabet) + 1

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, one per character."""
        try:
            return [self._ids[ch] for ch in text]
        except KeyError as err:
            raise TokenizerError(
                f"character {err.args[0]!r} in {text!r} is not in the tokenizer alphabet "
                f"{self.alphabet!r}"
            ) from None

    def decode(self, ids: list[int] | torch.Tensor) -> str:
        """Text of `ids`; padding ids are dropped."""
        ids = ids.tolist() if isinstance(ids, torch.Tensor) else ids
        if any(not 0 <= i < self.vocab_size for i in ids):
            raise TokenizerError(f"ids must be in [0, {self.vocab_size}), got {ids}")
        return "".join(self.alphabet[i - 1] for i in ids if i != self.pad_id)

    def encode_batch(self, texts: list[str], block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-padded ids (B, T) with T = longest text, and each text's length (B,).

        Raises:
            TokenizerError: a text is empty, longer than `block_size`, or has an unknown character.
        """
        encoded = [self.encode(t) for t in texts]
        for text, ids in zip(texts, encoded, strict=True):
            if not 0 < len(ids) <= block_size:
                raise TokenizerError(
                    f"text {text!r} has {len(ids)} characters; it must have 1..{block_size} "
                    "(raise block_size or generate shorter expressions)"
                )
        T = max(len(ids) for ids in encoded)
        batch = torch.full((len(texts), T), self.pad_id, dtype=torch.long)
        for row, ids in enumerate(encoded):
            batch[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        lengths = torch.tensor([len(ids) for ids in encoded], dtype=torch.long)
        return batch, lengths
