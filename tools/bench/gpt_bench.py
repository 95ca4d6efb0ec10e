"""Training throughput of nanogpt_dag.GPT versus a straightforward reference GPT, same run.

The reference below is the same model with the attention written the textbook way:
softmax(QK^T / sqrt(d) + mask) V with an explicit (T, T) causal mask buffer. Both models get
identical weights (checked: same logits), then each does full training steps (forward, loss,
backward, AdamW step) on the same batches; rounds alternate between the two so that machine noise
hits both alike. Peak memory: on CUDA the allocator's peak during training; on CPU the peak
resident-set growth of a fresh subprocess that trains only that model (sampled).

    uv run python tools/bench/gpt_bench.py            # main config: 2 layers, 4 heads, 256 wide
    uv run python tools/bench/gpt_bench.py --device cuda --batch-size 64 --block-size 256
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import subprocess
import sys
import threading
import time

import torch
import torch.nn.functional as F
from nanogpt_dag import GPT, GPTConfig
from nanogpt_dag.gpt import Block
from torch import nn


class ReferenceAttention(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head, self.n_embd = config.n_head, config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        mask = torch.tril(torch.ones(config.block_size, config.block_size, dtype=torch.bool))
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class ReferenceBlock(Block):
    """Our Block with the textbook attention in place of SDPA."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__(config)
        self.attn = ReferenceAttention(config)


class ReferenceGPT(GPT):
    """Our GPT built from ReferenceBlocks: the two models differ in attention only."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__(config)
        self.transformer.h = nn.ModuleList([ReferenceBlock(config) for _ in range(config.n_layer)])


def build(kind: str, config: GPTConfig, device: str) -> nn.Module:
    torch.manual_seed(0)
    ours = GPT(config)
    if kind == "ours":
        return ours.to(device)
    ref = ReferenceGPT(config)
    ref.load_state_dict(ours.state_dict())
    return ref.to(device)


def batches(args: argparse.Namespace, vocab: int, device: str) -> list[tuple[torch.Tensor, ...]]:
    g = torch.Generator().manual_seed(1)
    shape = (args.batch_size, args.block_size)
    return [
        (torch.randint(0, vocab, shape, generator=g).to(device),
         torch.randint(0, vocab, shape, generator=g).to(device))
        for _ in range(4)
    ]  # fmt: skip


def train_steps(
    model: nn.Module, opt: torch.optim.Optimizer, data, steps: int, device: str
) -> float:
    """Run `steps` training steps; return the seconds they took."""
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(steps):
        x, y = data[i % len(data)]
        _, loss = model(x, y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def peak_memory_mb(kind: str, args: argparse.Namespace) -> float:
    if args.device == "cuda":
        config = model_config(args)
        model = build(kind, config, "cuda")
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        data = batches(args, config.vocab_size, "cuda")
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        train_steps(model, opt, data, 3, "cuda")
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    cmd = [sys.executable, __file__, "--memory-probe", kind, *sys.argv[1:]]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def memory_probe(kind: str, args: argparse.Namespace) -> None:
    """Child process: train `kind` a few steps and print its peak RSS growth in MiB.

    A thread samples the resident set every millisecond; the figure is the highest sample minus
    the resident set before training (model, optimizer and data already built).
    """
    config = model_config(args)
    model = build(kind, config, "cpu")
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    data = batches(args, config.vocab_size, "cpu")
    base, peak, done = _rss_bytes(), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_bytes())
            time.sleep(0.001)

    sampler = threading.Thread(target=sample)
    sampler.start()
    train_steps(model, opt, data, 3, "cpu")
    done.set()
    sampler.join()
    print((peak[0] - base) / 2**20)


def model_config(args: argparse.Namespace) -> GPTConfig:
    return GPTConfig(block_size=args.block_size, vocab_size=args.vocab_size, n_layer=args.n_layer,
                     n_head=args.n_head, n_embd=args.n_embd)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--n-layer", type=int, default=2)
    parser.add_argument("--n-head", type=int, default=4)
    parser.add_argument("--n-embd", type=int, default=256)
    parser.add_argument("--vocab-size", type=int, default=19)
    parser.add_argument("--block-size", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=5, help="training steps per timed round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per model")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--memory-probe", choices=["ours", "reference"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.memory_probe:
        memory_probe(args.memory_probe, args)
        return

    config = model_config(args)
    data = batches(args, config.vocab_size, args.device)
    models = {kind: build(kind, config, args.device) for kind in ("ours", "reference")}
    with torch.no_grad():
        x, y = data[0]
        diff = (models["ours"](x, y)[0] - models["reference"](x, y)[0]).abs().max().item()
    opts = {k: torch.optim.AdamW(m.parameters(), lr=1e-4) for k, m in models.items()}
    for kind in models:  # warm-up
        train_steps(models[kind], opts[kind], data, 2, args.device)
    seconds: dict[str, list[float]] = {k: [] for k in models}
    for _ in range(args.rounds):
        for kind in models:
            seconds[kind].append(
                train_steps(models[kind], opts[kind], data, args.steps, args.device)
            )
    tokens = args.steps * args.batch_size * args.block_size
    tps = {k: tokens / statistics.median(v) for k, v in seconds.items()}
    mem = {k: peak_memory_mb(k, args) for k in models}

    print(f"device={args.device} threads={torch.get_num_threads()} torch={torch.__version__}")
    print(f"model: n_layer={config.n_layer} n_head={config.n_head} n_embd={config.n_embd} "
          f"block={args.block_size} batch={args.batch_size}; max |logit diff| = {diff:.2e}")  # fmt: skip
    for kind in models:
        print(f"{kind:>9}: {tps[kind]:10.0f} training tokens/s   peak memory {mem[kind]:8.1f} MiB")
    print(f"peak memory ratio (reference / ours): {mem['reference'] / max(mem['ours'], 1e-9):.2f}")
    print(f"training throughput ratio: {tps['ours'] / tps['reference']:.2f}")


if __name__ == "__main__":
    main()
