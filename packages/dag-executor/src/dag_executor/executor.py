"""The differentiable DAG executor: DAG tensors (hard or soft) -> the value, in float64.

Each node carries a sign and a magnitude. Initial node j has sign ``signs[j]`` and magnitude
``sum_p digit(p) * 10**(M-1-p)`` (computed as an integer mantissa over ``10**K`` so one-hot digits
give the correctly rounded decimal). Step i, over the nodes before it with coefficients ``c``:

    linear:  L = sum_j c_j * sign_j * mag_j;      sign = sgn(L),  mag = |L|
    log:     sign = prod_j (1 - (1 - cos(pi c_j)) / 2 * (1 - sign_j))   (= sign_j**|c_j| for
             integer c and +-1 signs, smooth in between),  mag = prod_j mag_j ** c_j
    node:    sign_i = s_i * (g_i * sgn(L) + (1 - g_i) * log sign),  mag_i = g_i |L| + (1 - g_i) log mag

The log domain is evaluated as a product of powers, not ``exp(sum log)``, so hard tensors give
correctly rounded products ((-3) * (-3) is exactly 9.0). A zero magnitude with a nonzero
coefficient makes the product 0 (also for a negative coefficient: the executor never returns
inf or nan; ``expression_to_dag`` rejects division by zero). Magnitudes are clamped to
``max_magnitude`` so that soft inputs cannot overflow.

Soft path (``hard=False``): digits are probabilities over 0..9 (expected digit), signs lie in
[-1, 1], operands in [-1, 1], gates in [0, 1]; everything is differentiable. Straight-through
path (``hard=True``): the forward pass uses one-hot digits, +-1 signs, coefficients rounded to
{-1, 0, 1} and gates rounded to {0, 1}, the backward pass the gradients of the soft path. With
``inputs="logits"`` the executor first applies softmax (digits), tanh (signs, operands) and a
sigmoid (gates).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor, nn

from dag_executor.config import DEFAULT_CONFIG, DagConfig
from dag_executor.errors import DagShapeError
from dag_executor.tensors import DagTensors


def straight_through(soft: Tensor, hard: Tensor) -> Tensor:
    """``hard`` in the forward pass, the gradient of ``soft`` in the backward pass."""
    return hard + (soft - soft.detach())


def harden(
    digits: Tensor, signs: Tensor, operands: Tensor, gates: Tensor
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Straight-through versions of soft DAG tensors (one-hot, +-1, {-1, 0, 1}, {0, 1})."""
    one_hot = nn.functional.one_hot(digits.argmax(-1), digits.shape[-1]).to(digits.dtype)
    return (
        straight_through(digits, one_hot),
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
    """

    def __init__(
        self,
        config: DagConfig = DEFAULT_CONFIG,
        *,
        hard: bool = False,
        inputs: Literal["probabilities", "logits"] = "probabilities",
        max_magnitude: float = 1e100,
    ) -> None:
        super().__init__()
        if inputs not in ("probabilities", "logits"):
            raise ValueError(f"inputs must be 'probabilities' or 'logits', got {inputs!r}")
        self.config = config
        self.hard = hard
        self.inputs = inputs
        self.max_magnitude = max_magnitude
        places = config.num_places
        mantissa_weights = 10.0 ** torch.arange(places - 1, -1, -1, dtype=torch.float64)
        self.register_buffer("mantissa_weights", mantissa_weights, persistent=False)
        self.register_buffer(
            "digit_values", torch.arange(10, dtype=torch.float64), persistent=False
        )

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
        if self.hard if hard is None else hard:
            digits, signs, operands, gates = harden(digits, signs, operands, gates)

        mantissa = (digits @ self.digit_values) @ self.mantissa_weights  # (..., d+1)
        magnitudes = mantissa / 10.0**config.max_decimals
        node_signs = list(signs[..., : config.num_initial].unbind(-1))
        node_mags = list(magnitudes.unbind(-1))
        for i in range(config.depth):
            node = config.num_initial + i
            sign, mag = self._step(
                torch.stack(node_signs, -1),  # (..., node)
                torch.stack(node_mags, -1),  # (..., node)
                operands[..., i, :node],  # (..., node)
                gates[..., i],
                signs[..., node],
            )
            node_signs.append(sign)
            node_mags.append(mag)
        values = torch.stack(node_signs, -1) * torch.stack(node_mags, -1)  # (..., 2d+1)
        if step_mask is None:
            return values[..., -1]
        steps_used = step_mask.to(torch.long).sum(-1, keepdim=True)
        result = torch.where(steps_used > 0, config.depth + steps_used, 0)
        return values.gather(-1, result).squeeze(-1)

    def _step(
        self, signs: Tensor, mags: Tensor, coefficients: Tensor, gate: Tensor, out_sign: Tensor
    ) -> tuple[Tensor, Tensor]:
        linear = (coefficients * signs * mags).sum(-1)
        odd = (1 - torch.cos(math.pi * coefficients)) / 2  # 1 for odd, 0 for even coefficients
        log_sign = (1 - odd * (1 - signs)).prod(-1)
        is_zero = mags == 0
        safe_mags = torch.where(is_zero, torch.ones_like(mags), mags)
        zero_factor = (1 - is_zero.to(mags.dtype) * coefficients.abs().clamp(max=1)).prod(-1)
        log_mag = safe_mags.pow(coefficients).prod(-1) * zero_factor
        sign = out_sign * (gate * torch.sign(linear) + (1 - gate) * log_sign)
        mag = gate * linear.abs() + (1 - gate) * log_mag
        return sign, mag.clamp(max=self.max_magnitude)

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
