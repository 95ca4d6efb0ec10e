"""A small GPT in the style of nanoGPT's model.py.

Read top to bottom: the config dataclass, then the modules from small to large (LayerNorm,
CausalSelfAttention, MLP, Block, GPT). Attention goes through
`torch.nn.functional.scaled_dot_product_attention` with `is_causal=True`, so position t only ever
sees positions <= t. The language-model head is optional: the DAG predictor only needs the final
hidden states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from nanogpt_dag.errors import ModelConfigError, SequenceTooLongError


@dataclass
class GPTConfig:
    """Every hyperparameter of the transformer backbone.

    Attributes:
        block_size: longest sequence the model accepts (size of the position table).
        vocab_size: number of token ids.
        n_layer: number of transformer blocks.
        n_head: attention heads per block; must divide n_embd.
        n_embd: width of the residual stream.
        dropout: dropout probability (attention, residual and embedding).
        bias: whether Linear and LayerNorm layers carry a bias (GPT-2 has them).
        lm_head: whether the model has a language-model head tied to the token embedding.
    """

    block_size: int = 256
    vocab_size: int = 32
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 256
    dropout: float = 0.0
    bias: bool = True
    lm_head: bool = True

    def __post_init__(self) -> None:
        """Reject configurations that cannot build a model."""
        for name in ("block_size", "vocab_size", "n_layer", "n_head", "n_embd"):
            if getattr(self, name) < 1:
                raise ModelConfigError(f"GPTConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.n_embd % self.n_head != 0:
            raise ModelConfigError(
                f"GPTConfig.n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ModelConfigError(f"GPTConfig.dropout must be in [0, 1), got {self.dropout}")


class LayerNorm(nn.Module):
    """LayerNorm with an optional bias (PyTorch's cannot switch the bias off on older versions)."""

    def __init__(self, ndim: int, bias: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise the last dimension."""
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t attends to positions 0..t only."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.dropout = config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Attend causally over the sequence dimension of `x` (B, T, C)."""
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)  # 3 x (B, T, C)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        y = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True
        )  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Position-wise feed-forward network: C -> 4C -> GELU -> C."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate="tanh")  # GPT-2's GELU
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the MLP to every position of `x` (B, T, C)."""
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Transform `x` (B, T, C) into a tensor of the same shape."""
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """The GPT-2 architecture: token + position embeddings, blocks, final LayerNorm, LM head.

    `hidden_states(idx)` gives the final (B, T, n_embd) features that heads read from;
    `forward(idx, targets)` gives next-token logits and loss and needs `config.lm_head`.
    Parameter names follow GPT-2 (`transformer.h.0.attn.c_attn.weight`, ...), so that GPT-2
    weights map one to one (see `nanogpt_dag.gpt2_weights`).
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=LayerNorm(config.n_embd, bias=config.bias),
            )
        )
        self.lm_head: nn.Linear | None = None
        if config.lm_head:
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
            self.lm_head.weight = self.transformer.wte.weight  # weight tying, as in GPT-2
        self.apply(self._init_weights)
        # GPT-2 scales the residual projections by 1/sqrt(2 * n_layer).
        for name, param in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(param, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_parameters(self, non_embedding: bool = True) -> int:
        """Count parameters; by default without the position table (as nanoGPT reports)."""
        n = sum(p.numel() for p in self.parameters())
        if non_embedding:
            n -= self.transformer.wpe.weight.numel()
        return n

    def hidden_states(self, idx: torch.Tensor, start: torch.Tensor | None = None) -> torch.Tensor:
        """Return the final-LayerNorm features (B, T, n_embd) of token ids `idx` (B, T).

        `start` (B,) is the position of each row's first token (default 0). Training at random
        starts fills every row of the position table, so that texts longer than the training
        texts still read positions the model has learned.
        """
        T = idx.shape[1]
        last = T if start is None else T + int(start.max())
        if self.config.block_size < last:
            raise SequenceTooLongError(
                f"sequence of length {T} (starting at {last - T}) exceeds block_size "
                f"{self.config.block_size}; shorten the input or build the model with a larger "
                "block_size"
            )
        pos = torch.arange(T, dtype=torch.long, device=idx.device)  # (T,)
        if start is not None:
            pos = start[:, None] + pos  # (B, T)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)  # (B, T, C)
        x = self.transformer.drop(x)
        for block in self.transformer.h:
            x = block(x)
        return self.transformer.ln_f(x)  # (B, T, C)

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        start: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Next-token logits (B, T, vocab) and, given `targets` (B, T), the cross-entropy loss.

        Targets equal to -1 are ignored; `start` as in `hidden_states`.
        """
        if self.lm_head is None:
            raise ModelConfigError(
                "this GPT was built with lm_head=False; use hidden_states() or rebuild it "
                "with GPTConfig(lm_head=True)"
            )
        logits = self.lm_head(self.hidden_states(idx, start))  # (B, T, vocab)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1
            )
        return logits, loss
