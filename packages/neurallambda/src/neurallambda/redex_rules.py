"""The reduction machine's rules: for each kind of redex, where it matches and what it becomes.

Every rule is a pair of small functions, side by side:

- its **pattern** (``Cells -> (B, N)``): how much a redex of this kind starts at each cell. In
  pre-order memory a redex is local: ``App Lam ...`` is a beta redex, ``App App + Int Int`` an
  addition.
- its **rewrite** (``Redex, k -> Rewrite``): which cells of the memory the step keeps, which
  cells are replaced by a copy of an argument (beta), and which cell becomes a computed literal
  (delta rules). ``k`` (B, 1) is how much this step is a step of this kind: 1 or 0 on a decoded
  program, in between while a gradient explores.

``ReductionMachine`` finds the leftmost-outermost redex from the patterns of RULES (in order)
and adds the rewrites up, each weighted by its kind. To change one rule, change its two
functions here (and `neurallambda.reference.contract`, the ground truth the tests compare with).

Integers are carried as distributions over the codebook's range during a step: ``+`` of two
distributions is their convolution (``-`` and ``*`` likewise), a comparison is the probability
that it holds, and the mass that falls outside the range is the overflow. On one-hot operands
this is exact arithmetic.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from neurallambda.codebook import BINARY_INT_OPS, COMPARISON_OPS, SymbolGroups
from neurallambda.memory import TAGS
from neurallambda.syntax import PRIMITIVES

TAG = {name: i for i, name in enumerate(TAGS)}
PRIM = {name: i for i, name in enumerate(PRIMITIVES)}


def ahead(x: Tensor, k: int) -> Tensor:
    """x[:, p + k] at position p (zeros past the end); x is (B, N, ...)."""
    if k == 0:
        return x
    pad = [0, 0] * (x.dim() - 2) + [0, k]
    return F.pad(x[:, k:], pad)


@dataclass(frozen=True)
class Cells:
    """What patterns read: each cell's tag weights and primitive weights."""

    tag_w: Tensor  # (B, N, n_tags)
    prims: Tensor  # (B, N, n_prims), zero unless the cell is a Prim
    # (B, N) P(true) of each Bool cell, where a condition may be a superposition (linear value
    # decoding); None where conditions are always read as certain
    truth: Tensor | None = None

    def is_(self, tag: str, k: int = 0) -> Tensor:
        """(B, N): weight of ``tag`` at cell p + k."""
        return ahead(self.tag_w[..., TAG[tag]], k)

    def op(self, *names: str, k: int = 0) -> Tensor:
        """(B, N): weight of any of the primitives ``names`` at cell p + k."""
        return ahead(sum(self.prims[..., PRIM[name]] for name in names), k)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Redex:
    """What rewrites read about the redex found at cell r (one per program)."""

    at: dict[int, Tensor]  # one-hot (B, N) of cell r + k, k = 0..5
    sub: dict[int, Tensor]  # (B, N): membership in the sub-term starting at r + k
    arg: Tensor  # (B, N) the redex's last argument (beta: the argument; if: the else-branch)
    is_var: Tensor  # (B, N) Var tag weight per cell
    index: Tensor  # (B, N) de Bruijn index per cell
    rel_depth: Tensor  # (B, N) binder depth of each cell inside the beta redex's body
    payload: Tensor  # (B, N, D) payload vectors
    prims: Tensor  # (B, N, n_prims)
    groups: SymbolGroups
    int_range: tuple[int, int]
    decode: Callable[[Tensor, Tensor], Tensor]  # (..., D) x (K, D) -> (..., K) weights
    tri: Callable[[Tensor], Tensor]  # soft indicator of x == 0 (the machine's relaxation)
    step01: Callable[[Tensor], Tensor]  # soft indicator of x >= 1

    def near(self, *ks: int) -> Tensor:
        """(B, len(ks), D): the payload vectors of cells r + k."""
        return torch.stack([self.at[k] for k in ks], dim=1) @ self.payload


@dataclass(frozen=True)
class Rewrite:
    """One kind's share of a step's rewrite, already weighted by the kind (all optional but
    ``keep``): cells kept (B, N); cells replaced by a copy of the argument and de Bruijn indices
    lowered by one (B, N); the cell that becomes a literal (B, N), its tag weights (B, T) and
    payload (B, D); the integer overflow (B,)."""

    keep: Tensor
    expand: Tensor | None = None
    decrement: Tensor | None = None
    literal_at: Tensor | None = None
    literal_tag: Tensor | None = None
    literal_vector: Tensor | None = None
    int_overflow: Tensor | None = None


def _tag(name: str, like: Tensor) -> Tensor:
    """(1, n_tags) one-hot of tag ``name``."""
    return torch.eye(len(TAGS), device=like.device, dtype=like.dtype)[TAG[name]][None]


# --- beta: ((fn [x] body) arg) -> body[x := arg] ------------------------------------------------


def beta_pattern(c: Cells) -> Tensor:
    """``App`` followed by ``Lam``."""
    return c.is_("App") * c.is_("Lam", 1)


def beta_rewrite(r: Redex, k: Tensor) -> Rewrite:
    """Keep the body (sub-term at r + 2); each Var bound by the lambda expands into a copy of
    the argument; Vars bound outside it lose one binder (their index drops by one)."""
    bound_here = r.rel_depth
    expand = k * r.sub[2] * r.is_var * r.tri(r.index - bound_here)
    decrement = k * r.sub[2] * r.is_var * r.step01(r.index - bound_here)
    return Rewrite(keep=k * (r.sub[2] - expand), expand=expand, decrement=decrement)


# --- arithmetic and comparison: (op a b) -> literal ----------------------------------------------


def arith_pattern(c: Cells) -> Tensor:
    """``App App op Int Int`` with op one of ``+ - *`` or a comparison."""
    return (
        c.is_("App") * c.is_("App", 1) * c.op(*BINARY_INT_OPS, *COMPARISON_OPS, k=2)
        * c.is_("Int", 3) * c.is_("Int", 4)
    )  # fmt: skip


def arith_rewrite(r: Redex, k: Tensor) -> Rewrite:
    """The redex cell becomes an Int (``+ - *``: the distribution of the result) or a Bool
    (comparisons: the probability that it holds); results outside the range overflow."""
    lo, hi = r.int_range
    ops = torch.einsum("bn,bnp->bp", r.at[2], r.prims)  # (B, P) the operator
    a, b = r.decode(r.near(3, 4), r.groups.ints).unbind(1)  # (B, K) each: distributions
    is_int_op = sum(ops[:, PRIM[name]] for name in BINARY_INT_OPS)
    is_cmp = sum(ops[:, PRIM[name]] for name in COMPARISON_OPS)
    # Computed only for the programs whose redex is one (weight above 1e-9: less could change
    # no result), a product, whose joint distribution is (B, K, K), only where one multiplies.
    int_w, out_of_range, true = 0 * a, 0 * is_int_op, 0 * is_cmp
    for name in BINARY_INT_OPS:
        rows = (ops[:, PRIM[name]].detach() > 1e-9).nonzero().squeeze(1)
        if len(rows):
            result = combined(a[rows], b[rows], lo, hi, name)
            weight = ops[rows, PRIM[name]]
            int_w = int_w.index_add(0, rows, weight[:, None] * result)
            out_of_range = out_of_range.index_add(0, rows, weight * (1 - result.sum(1)))
    if bool(is_cmp.detach().max() > 1e-9):
        truths = comparisons(a, b)
        true = sum(ops[:, PRIM[name]] * truths[name] for name in COMPARISON_OPS)
    bool_w = torch.stack([is_cmp - true, true], dim=-1)  # type: ignore[operator, list-item]
    tag = is_int_op[:, None] * _tag("Int", a) + is_cmp[:, None] * _tag("Bool", a)  # type: ignore[index]
    return Rewrite(
        keep=k * r.at[0],
        literal_at=k * r.at[0],
        literal_tag=k * tag,
        literal_vector=k * (int_w @ r.groups.ints + bool_w @ r.groups.bools),
        int_overflow=k[:, 0] * out_of_range,
    )


def combined(a: Tensor, b: Tensor, lo: int, hi: int, op: str) -> Tensor:
    """Distribution (B, K) over ``lo..hi`` of ``x op y`` for independent ``x ~ a``, ``y ~ b``
    (each (B, K) over ``lo..hi``); mass of results outside the range is left out.

    ``+`` and ``-`` are a convolution and a correlation of the two distributions; ``*`` sums
    the joint distribution by product.
    """
    batch, k = a.shape
    if op in ("+", "-"):
        kernel = (b.flip(-1) if op == "+" else b).unsqueeze(1)  # (B, 1, K)
        full = F.conv1d(a.unsqueeze(0), kernel, padding=k - 1, groups=batch)[0]  # (B, 2K - 1)
        # full[:, t] is P(i + j = t) for +, P(i - j = t - (K - 1)) for -; result index
        # r = value - lo, with value 2 lo + t for + and t - (K - 1) for -
        first = -lo if op == "+" else lo + k - 1
        padded = F.pad(full, (k, k))
        return padded[:, first + k : first + 2 * k]
    index, inside = product_table(lo, hi, a.device)
    joint = (a[:, :, None] * b[:, None, :]).reshape(batch, -1) * inside.to(a.dtype)
    return a.new_zeros(a.shape).scatter_add(1, index.expand(batch, -1), joint)


@functools.lru_cache(maxsize=8)
def product_table(lo: int, hi: int, device: torch.device) -> tuple[Tensor, Tensor]:
    """For operands ``lo + i``, ``lo + j`` (flattened ``i * K + j``): the index of their product
    in ``lo..hi`` (1, K*K) and whether it lies there (K*K,)."""
    values = torch.arange(lo, hi + 1, device=device, dtype=torch.float64)
    product = values[:, None] * values[None, :]
    inside = (product >= lo) & (product <= hi)
    index = torch.where(inside, product - lo, torch.zeros_like(product))
    return index.long().reshape(1, -1), inside.reshape(-1)


def comparisons(a: Tensor, b: Tensor) -> dict[str, Tensor]:
    """P(x op y) (B,) for independent ``x ~ a``, ``y ~ b`` over one range, per comparison."""
    equal = (a * b).sum(1)
    less = (b * (torch.cumsum(a, 1) - a)).sum(1)  # P(x < y) = sum_j P(y = j) P(x < j)
    greater = (a * (torch.cumsum(b, 1) - b)).sum(1)
    return {"=": equal, "<": less, ">": greater, "<=": less + equal, ">=": greater + equal}


# --- if: (if cond then else) -> then or else -----------------------------------------------------


def if_pattern(c: Cells) -> Tensor:
    """``App App App if Bool``. A condition that is a superposition (neither surely true nor
    surely false) waits until both branches are literals, ``App App App if Bool Int Int``
    (or Bool): the rewrite then mixes two values, where two unreduced branches of different
    shapes would be mixed cell by cell."""
    ready = c.is_("App") * c.is_("App", 1) * c.is_("App", 2) * c.op("if", k=3) * c.is_("Bool", 4)
    if c.truth is None:
        return ready
    truth = ahead(c.truth, 4).detach()
    # within 1% of true or false: what linear decoding reads of a certain condition carries
    # noise of ~1e-4 (a comparison sums the rounding of every integer's coefficient)
    certain = (torch.minimum(truth, 1 - truth) < 0.01).to(ready.dtype)
    literals = (c.is_("Int", 5) + c.is_("Bool", 5)) * (c.is_("Int", 6) + c.is_("Bool", 6))
    return ready * torch.maximum(certain, literals)


def if_rewrite(r: Redex, k: Tensor) -> Rewrite:
    """Keep the then-branch (sub-term at r + 5) as much as the condition (r + 4) is true, the
    else-branch as much as it is false."""
    condition = r.decode(r.near(4), r.groups.bools)[:, 0, 1:2]  # (B, 1) P(true)
    return Rewrite(keep=k * (r.sub[5] * condition + r.arg * (1 - condition)))


# --- not: (not b) -> literal ---------------------------------------------------------------------


def not_pattern(c: Cells) -> Tensor:
    """``App not Bool``."""
    return c.is_("App") * c.op("not", k=1) * c.is_("Bool", 2)


def not_rewrite(r: Redex, k: Tensor) -> Rewrite:
    """The redex cell becomes the Bool with the operand's (r + 2) truth flipped."""
    operand = r.decode(r.near(2), r.groups.bools)[:, 0]  # (B, 2)
    return Rewrite(
        keep=k * r.at[0],
        literal_at=k * r.at[0],
        literal_tag=k * _tag("Bool", operand),
        literal_vector=k * (operand.flip(-1) @ r.groups.bools),
    )


# --- cons / car / cdr ----------------------------------------------------------------------------


def cons_pattern(c: Cells) -> Tensor:
    """``App App cons``."""
    return c.is_("App") * c.is_("App", 1) * c.op("cons", k=2)


def cons_rewrite(r: Redex, k: Tensor) -> Rewrite:
    """Drop the two Apps; the ``cons`` cell (r + 2) becomes a Cons cell over head and tail."""
    return Rewrite(
        keep=k * (r.sub[0] - r.at[0] - r.at[1]),
        literal_at=k * r.at[2],
        literal_tag=k * _tag("Cons", k),
    )


def car_pattern(c: Cells) -> Tensor:
    """``App car Cons``."""
    return c.is_("App") * c.op("car", k=1) * c.is_("Cons", 2)


def car_rewrite(r: Redex, k: Tensor) -> Rewrite:
    """Keep the head (sub-term at r + 3)."""
    return Rewrite(keep=k * r.sub[3])


def cdr_pattern(c: Cells) -> Tensor:
    """``App cdr Cons``."""
    return c.is_("App") * c.op("cdr", k=1) * c.is_("Cons", 2)


def cdr_rewrite(r: Redex, k: Tensor) -> Rewrite:
    """Keep the tail: the Cons's sub-term (r + 2) without its cell and its head."""
    return Rewrite(keep=k * (r.sub[2] - r.at[2] - r.sub[3]))


class Rule(NamedTuple):
    """A kind of redex: its name, pattern and rewrite."""

    name: str
    pattern: Callable[[Cells], Tensor]
    rewrite: Callable[[Redex, Tensor], Rewrite]


RULES: tuple[Rule, ...] = (
    Rule("beta", beta_pattern, beta_rewrite),
    Rule("arith", arith_pattern, arith_rewrite),
    Rule("if", if_pattern, if_rewrite),
    Rule("not", not_pattern, not_rewrite),
    Rule("cons", cons_pattern, cons_rewrite),
    Rule("car", car_pattern, car_rewrite),
    Rule("cdr", cdr_pattern, cdr_rewrite),
)
"""Every redex kind, in the order ``ReductionMachine`` stacks their patterns."""
