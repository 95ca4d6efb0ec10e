"""The differentiable DAG executor: DAG tensors (hard or soft) -> the value, in float64.

Each node carries a sign and a magnitude. Initial node j has sign ``signs[j]`` and magnitude
``sum_p digit(p) * 10**(M-1-p)`` (computed as an integer mantissa over ``10**K`` so one-hot digits
give the correctly rounded decimal). Step i, over the nodes before it with coefficients ``c``:

    linear:  L = sum_j c_j * sign_j * mag_j;       sign = sgn(L),  mag = |L|
    log:     sign = prod_j (1 - c_j**2 * (1 - sign_j))   (= sign_j**|c_j| for c in {-1, 0, 1}
             and +-1 signs, smooth in between),   mag = prod_j mag_j ** c_j
    node:    sign_i = s_i * (g_i sgn(L) + (1 - g_i) log sign),  mag_i = g_i |L| + (1 - g_i) log mag

The log-domain magnitude is differentiated as ``exp(sum_j c_j log mag_j)`` but its value is the
product of the exact powers (``m``, ``1/m`` or ``1`` for integer coefficients), so hard tensors
give correctly rounded products: (-3) * (-3) is exactly 9.0. A zero magnitude with a nonzero
coefficient makes the product 0 (also for a negative coefficient: the executor never returns
inf or nan; ``expression_to_dag`` rejects division by zero). Magnitudes are clamped to
``max_magnitude`` so that soft inputs cannot overflow. A hard result whose computation met that
clamp (in any node it depends on) is not its true value: the hard path raises
``MagnitudeRangeError`` for it, or with ``out_of_range="inf"`` returns +-inf in its place.

Soft path (``hard=False``, the default): digits are probabilities over 0..9 (the expected digit
is used), signs lie in [-1, 1], operands in [-1, 1], gates in [0, 1]; everything is
differentiable, and on one-hot tensors it computes exactly the hard values. Straight-through path
(``hard=True``): the forward pass uses argmax digits, +-1 signs, coefficients rounded to
{-1, 0, 1} and gates rounded to {0, 1}, the backward pass the gradients of the soft path. With
``inputs="logits"`` the executor first applies softmax (digits), tanh (signs, operands) and a
sigmoid (gates).

Internally nodes are kept node-major, ``(node, B)``, so each step appends one contiguous row.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor, nn

from dag_executor.config import DEFAULT_CONFIG, DagConfig
from dag_executor.errors import DagShapeError, MagnitudeRangeError
from dag_executor.tensors import DagTensors


def straight_through(soft: Tensor, hard: Tensor) -> Tensor:
    """``hard`` in the forward pass, the gradient of ``soft`` in the backward pass."""
    return hard + (soft - soft.detach())


def harden(
    digits: Tensor, signs: Tensor, operands: Tensor, gates: Tensor
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Straight-through versions of soft DAG tensors (one-hot, +-1, {-1, 0, 1}, {0, 1})."""
    one_hot = nn.functional.one_hot(digits.max(-1).indices, digits.shape[-1]).to(digits.dtype)
    return (
        straight_through(digits, one_hot),
        *_harden_small(signs, operands, gates),
    )


def _harden_small(signs: Tensor, operands: Tensor, gates: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    return (
        straight_through(signs, torch.where(signs >= 0, 1.0, -1.0).to(signs.dtype)),
        straight_through(operands, operands.clamp(-1, 1).round()),
        straight_through(gates, (gates >= 0.5).to(gates.dtype)),
    )


class DagExecutor(nn.Module):
    """Executes batches of DAG tensors (layout: ``dag_executor.tensors``) in float64.

    Args:
        config: the DagConfig the tensors were made for.
        hard: default for ``forward(hard=...)``: straight-through estimators (True) or the
            fully soft path (False).
        inputs: ``"probabilities"`` (digits are probabilities, signs/operands in [-1, 1], gates
            in [0, 1]) or ``"logits"`` (raw scores; softmax / tanh / sigmoid are applied).
        max_magnitude: node magnitudes are clamped to this (guards soft inputs from overflow).
        out_of_range: what the hard path does with a result that met the clamp: ``"raise"``
            a MagnitudeRangeError (the default), or ``"inf"`` (+-inf; an evaluation that scores
            many predictions counts it as wrong and goes on).
    """

    def __init__(
        self,
        config: DagConfig = DEFAULT_CONFIG,
        *,
        hard: bool = False,
        inputs: Literal["probabilities", "logits"] = "probabilities",
        max_magnitude: float = 1e100,
        out_of_range: Literal["raise", "inf"] = "raise",
    ) -> None:
        super().__init__()
        if inputs not in ("probabilities", "logits"):
            raise ValueError(f"inputs must be 'probabilities' or 'logits', got {inputs!r}")
        if out_of_range not in ("raise", "inf"):
            raise ValueError(f"out_of_range must be 'raise' or 'inf', got {out_of_range!r}")
        self.out_of_range = out_of_range
        self.config = config
        self.hard = hard
        self.inputs = inputs
        self.max_magnitude = max_magnitude
        places = config.num_places
        place_weights = 10.0 ** torch.arange(places - 1, -1, -1, dtype=torch.float64)  # (M+K,)
        digit_weights = place_weights[:, None] * torch.arange(10, dtype=torch.float64)
        self.register_buffer("place_weights", place_weights, persistent=False)
        self.register_buffer("digit_weights", digit_weights.reshape(-1), persistent=False)

    def forward(
        self,
        digits: Tensor,
        signs: Tensor,
        operands: Tensor,
        gates: Tensor,
        step_mask: Tensor | None = None,
        *,
        hard: bool | None = None,
    ) -> Tensor:
        """The value of each DAG, shape ``batch`` (the inputs' leading dims), float64.

        digits (..., d+1, M+K, 10), signs (..., 2d+1), operands (..., d, 2d+1), gates (..., d);
        step_mask (..., d) bool, optional: when given the result is the node of the last used
        step (node 0 if none) instead of the last node.
        """
        config = self.config
        self._check_shapes(digits, signs, operands, gates)
        digits, signs, operands, gates = (
            x.to(torch.float64) for x in (digits, signs, operands, gates)
        )
        if self.inputs == "logits":
            digits = digits.softmax(-1)
            signs, operands, gates = signs.tanh(), operands.tanh(), gates.sigmoid()
        # integer mantissa sum_p digit_p * 10**(M+K-1-p): exact for one-hot digits
        mantissa = digits.flatten(-2) @ self.digit_weights  # (..., d+1)
        hard = self.hard if hard is None else hard
        if hard:
            # Straight-through on the mantissa: the same gradients as through one-hot digits
            # (the mantissa is linear in them), without building a one-hot tensor.
            chosen = digits.max(-1).indices.to(torch.float64) @ self.place_weights
            mantissa = mantissa + (chosen - mantissa).detach()
            signs, operands, gates = _harden_small(signs, operands, gates)

        magnitudes = mantissa / 10.0**config.max_decimals  # correctly rounded decimals
        # node-major layout from here on: every per-node tensor is (node, B), rows contiguous
        batch = signs.shape[:-1]
        signs = signs.reshape(-1, config.num_nodes).T.contiguous()  # (2d+1, B)
        operands = operands.reshape(-1, config.depth, config.num_nodes).permute(1, 2, 0)
        operands = operands.contiguous()  # (d, 2d+1, B)
        gates = gates.reshape(-1, config.depth).T.contiguous()  # (d, B)
        nodes = _Nodes(signs[: config.num_initial], magnitudes.reshape(-1, config.num_initial).T)
        for i in range(config.depth):
            node = config.num_initial + i
            nodes.append(*self._step(nodes, operands[i, :node], gates[i], signs[node]))
        values = nodes.signs * nodes.mags  # (2d+1, B)
        if step_mask is None:
            result = torch.full_like(values[-1], config.num_nodes - 1, dtype=torch.long)
        else:
            steps_used = step_mask.reshape(-1, config.depth).to(torch.long).sum(-1)  # (B,)
            result = torch.where(steps_used > 0, config.depth + steps_used, 0)
        value = values.gather(0, result[None])[0]
        if hard:
            value = self._out_of_range(value, nodes.clamped.gather(0, result[None])[0])
        return value.reshape(batch)

    def _out_of_range(self, value: Tensor, clamped: Tensor) -> Tensor:
        """Hard results that met the clamp: an error, or +-inf in their place."""
        if not bool(clamped.any()):
            return value
        if self.out_of_range == "raise":
            where = clamped.nonzero().flatten().tolist()
            raise MagnitudeRangeError(
                f"a value reaches {self.max_magnitude:g} in magnitude, beyond the executor's "
                f"range (max_magnitude), in batch row(s) {where[:5]}; its result would be wrong"
            )
        infinite = torch.copysign(torch.full_like(value, math.inf), value)
        return torch.where(clamped, infinite, value)

    def _step(
        self, nodes: _Nodes, coefficients: Tensor, gate: Tensor, out_sign: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Sign, magnitude and whether the range clamp was met (B,) of one step; coefficients
        (node, B), gate and out_sign (B,)."""
        signs, mags = nodes.signs, nodes.mags  # (node, B)
        linear = (coefficients * signs * mags).sum(0)
        odd = coefficients * coefficients  # 1 for c = +-1, 0 for c = 0 (c in [-1, 1])
        log_sign = (1 - odd * (1 - signs)).prod(0)
        # prod_j mags_j ** c_j: differentiated as exp(sum_j c_j log m_j), valued as the product
        # of the exact powers (m, 1/m or 1 for the integer coefficients of hard tensors), so
        # hard tensors give correctly rounded products; both clamped so nothing overflows.
        limit = math.log(self.max_magnitude)
        log_powers = coefficients * nodes.log_mags
        with torch.no_grad():
            exact = torch.exp(log_powers.clamp(-limit, limit))
            exact = torch.where(coefficients == 1, nodes.safe_mags, exact)
            exact = torch.where(coefficients == -1, 1 / nodes.safe_mags, exact)
            exact = exact.prod(0).clamp(max=self.max_magnitude)
        if torch.is_grad_enabled():
            soft_product = torch.exp(log_powers.sum(0).clamp(-limit, limit))
            product = soft_product + (exact - soft_product).detach()
        else:
            product = exact
        zero_factor = (1 - nodes.zeros * coefficients.abs().clamp(max=1)).prod(0)
        log_mag = product * zero_factor
        sign = out_sign * (gate * torch.sign(linear) + (1 - gate) * log_sign)
        mag = gate * linear.abs() + (1 - gate) * log_mag
        with torch.no_grad():  # did this node, or a node it reads, meet the clamp?
            met = (mag >= self.max_magnitude) | ((coefficients != 0) & nodes.clamped).any(0)
        return sign, mag.clamp(max=self.max_magnitude), met

    def _check_shapes(self, digits: Tensor, signs: Tensor, operands: Tensor, gates: Tensor):
        c = self.config
        batch = signs.shape[:-1]
        expected = {
            "digits": (digits, (c.num_initial, c.num_places, 10)),
            "signs": (signs, (c.num_nodes,)),
            "operands": (operands, (c.depth, c.num_nodes)),
            "gates": (gates, (c.depth,)),
        }
        for name, (tensor, tail) in expected.items():
            if tuple(tensor.shape) != (*batch, *tail):
                raise DagShapeError(
                    f"{name} must have shape (*batch, {', '.join(map(str, tail))}) with batch "
                    f"{tuple(batch)} for {c}, got {tuple(tensor.shape)}"
                )
        return batch

    def execute(self, tensors: DagTensors, *, hard: bool | None = None) -> Tensor:
        """Run on a DagTensors (batched or not); uses its step_mask."""
        return self(
            tensors.digits,
            tensors.signs,
            tensors.operands,
            tensors.gates,
            tensors.step_mask,
            hard=hard,
        )


class _Nodes:
    """Sign, magnitude, magnitude with 0 -> 1, its log, a zero flag and a range-clamp flag per
    node, each (node, B).

    Grown by one row per step; the log of 0 is never taken (it would give nan gradients).
    """

    def __init__(self, signs: Tensor, mags: Tensor) -> None:
        self.signs = signs
        self.mags = mags
        self.safe_mags, self.log_mags, self.zeros = self._derived(mags)
        self.clamped = torch.zeros_like(mags, dtype=torch.bool)

    @staticmethod
    def _derived(mags: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        is_zero = mags == 0
        safe = torch.where(is_zero, torch.ones_like(mags), mags)
        return safe, safe.log(), is_zero.to(mags.dtype)

    def append(self, sign: Tensor, mag: Tensor, clamped: Tensor) -> None:
        """Add the row of a new node; sign, mag and clamped are (B,)."""
        safe, log_mag, zero = self._derived(mag[None])
        self.signs = torch.cat([self.signs, sign[None]])
        self.mags = torch.cat([self.mags, mag[None]])
        self.safe_mags = torch.cat([self.safe_mags, safe])
        self.log_mags = torch.cat([self.log_mags, log_mag])
        self.zeros = torch.cat([self.zeros, zero])
        self.clamped = torch.cat([self.clamped, clamped[None]])
