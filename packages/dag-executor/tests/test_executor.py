import pytest
import torch
from dag_executor import (
    DagConfig,
    DagExecutor,
    DagShapeError,
    DagTensors,
    expression_to_dag,
    harden,
)

SMALL = DagConfig(depth=2, max_digits=2, max_decimals=1)


def random_soft_inputs(config: DagConfig, batch: int, seed: int) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(seed)

    def uniform(*shape: int, low: float, high: float) -> torch.Tensor:
        x = torch.rand(*shape, generator=generator, dtype=torch.float64)
        return (low + (high - low) * x).requires_grad_()

    return (
        uniform(batch, config.num_initial, config.num_places, 10, low=0.05, high=1.0),
        uniform(batch, config.num_nodes, low=-1.0, high=1.0),
        uniform(batch, config.depth, config.num_nodes, low=-1.0, high=1.0),
        uniform(batch, config.depth, low=0.1, high=0.9),
    )


def test_soft_path_passes_gradcheck() -> None:
    executor = DagExecutor(SMALL)
    inputs = random_soft_inputs(SMALL, batch=3, seed=0)
    assert torch.autograd.gradcheck(executor, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_soft_path_from_logits_passes_gradcheck() -> None:
    executor = DagExecutor(SMALL, inputs="logits")
    inputs = random_soft_inputs(SMALL, batch=2, seed=1)
    assert torch.autograd.gradcheck(executor, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_straight_through_gives_the_hard_value_and_gradients_to_every_component() -> None:
    config = DagConfig(depth=4, max_digits=2, max_decimals=1)
    target = expression_to_dag("(1.5 + 2) * -3 / (4 - 2)", config)
    soft = [
        (x * 0.8 + 0.01).requires_grad_()
        for x in (target.digits, target.signs, target.operands, target.gates)
    ]
    value = DagExecutor(config, hard=True)(*soft)
    assert value.item() == pytest.approx(-5.25, rel=1e-15)
    value.backward()
    for name, tensor in zip(("digits", "signs", "operands", "gates"), soft, strict=True):
        assert tensor.grad is not None and tensor.grad.abs().sum() > 0, name


def test_near_one_hot_soft_inputs_approach_the_hard_value() -> None:
    target = expression_to_dag("(1.5 + 2) * 3", SMALL)
    sharpen = 1 - 1e-6
    soft_digits = target.digits * sharpen + (1 - sharpen) / 10
    value = DagExecutor(SMALL)(soft_digits, target.signs, target.operands, target.gates)
    assert value.item() == pytest.approx(10.5, rel=1e-4)


def test_any_leading_batch_dims() -> None:
    items = [expression_to_dag(text, SMALL) for text in ("1 + 2", "3 * 4", "5 / 2", "-1")]
    batch = DagTensors.stack(items)
    grid = DagTensors(**{k: v.reshape(2, 2, *v.shape[1:]) for k, v in vars(batch).items()})
    values = DagExecutor(SMALL).execute(grid)
    assert values.tolist() == [[3.0, 12.0], [2.5, -1.0]]


def test_step_mask_selects_the_last_used_step() -> None:
    t = expression_to_dag("1 + 2", SMALL)
    operands = t.operands.clone()
    operands[1] = 0.0  # an unused step that computes something else
    executor = DagExecutor(SMALL)
    assert executor(t.digits, t.signs, operands, t.gates).item() == 0.0
    assert executor(t.digits, t.signs, operands, t.gates, t.step_mask).item() == 3.0


def test_division_by_a_zero_node_gives_zero_not_inf() -> None:
    t = expression_to_dag("1 / 2", SMALL)
    digits = t.digits.clone()
    digits[1] = torch.nn.functional.one_hot(torch.zeros(3, dtype=torch.long), 10).double()
    value = DagExecutor(SMALL).execute(
        DagTensors(digits, t.signs, t.operands, t.gates, t.step_mask, t.node_mask)
    )
    assert value.item() == 0.0


def test_wrong_shapes_are_reported() -> None:
    t = expression_to_dag("1 + 2", SMALL)
    with pytest.raises(DagShapeError, match="operands must have shape"):
        DagExecutor(SMALL)(t.digits, t.signs, t.operands[:1], t.gates)


def test_soft_path_on_converted_tensors_equals_the_hard_path() -> None:
    texts = ("(-3) * (-3)", "2 + 1/3", "-(1.5 - 2) / 7", "0 * 5 + 1", "9.9 * 9.9 / 0.1")
    batch = DagTensors.stack([expression_to_dag(t, SMALL) for t in texts])
    executor = DagExecutor(SMALL)
    assert torch.equal(executor.execute(batch), executor.execute(batch, hard=True))
    with torch.no_grad():
        assert torch.equal(executor.execute(batch), executor.execute(batch, hard=True))


def test_extreme_soft_inputs_give_finite_values_and_gradients() -> None:
    config = DagConfig(depth=4, max_digits=4, max_decimals=4)
    generator = torch.Generator().manual_seed(7)
    logits = [
        (torch.randn(shape, generator=generator, dtype=torch.float64) * 30).requires_grad_()
        for shape in ((64, 5, 8, 10), (64, 9), (64, 4, 9), (64, 4))
    ]
    for hard in (False, True):
        value = DagExecutor(config, inputs="logits", hard=hard)(*logits)
        assert torch.isfinite(value).all()
        value.sum().backward()
        assert all(torch.isfinite(x.grad).all() for x in logits)


def test_harden_is_hard_forward_and_soft_backward() -> None:
    digits = torch.tensor([[0.1, 0.7, 0.2]], dtype=torch.float64, requires_grad=True)
    signs = torch.tensor([-0.2, 0.3], dtype=torch.float64, requires_grad=True)
    operands = torch.tensor([-0.7, 0.2, 0.6], dtype=torch.float64, requires_grad=True)
    gates = torch.tensor([0.4, 0.9], dtype=torch.float64, requires_grad=True)
    hard = harden(digits, signs, operands, gates)
    assert [h.tolist() for h in hard] == [[[0, 1, 0]], [-1, 1], [-1, 0, 1], [0, 1]]
    sum(h.sum() for h in hard).backward()
    for soft in (digits, signs, operands, gates):
        assert torch.equal(soft.grad, torch.ones_like(soft))


def test_fifteen_digit_places_still_execute_correctly_rounded() -> None:
    config = DagConfig(depth=1, max_digits=10, max_decimals=5)
    for text in ("9999999999.99999", "1234567890.12345", "0.00001"):
        assert DagExecutor(config).execute(expression_to_dag(text, config)).item() == float(text)


def test_more_than_fifteen_digit_places_are_rejected() -> None:
    # 16 places would need integers above 2**53, which float64 cannot all hold: the executor
    # would then return 9999999999.999998 for 9999999999.999999 (and nan for 200 + 200 places).
    with pytest.raises(ValueError, match=r"max_digits \+ max_decimals <= 15"):
        DagConfig(depth=1, max_digits=10, max_decimals=6)


DEEP = DagConfig(depth=30, max_digits=4, max_decimals=0)


def test_a_hard_result_beyond_the_range_raises_instead_of_returning_the_clamp() -> None:
    from dag_executor import MagnitudeRangeError

    tensors = expression_to_dag("*".join(["9999"] * 26), DEEP)  # 9999**26 ~ 1e104
    with pytest.raises(MagnitudeRangeError, match="beyond the executor's range"):
        DagExecutor(DEEP, hard=True).execute(tensors)
    infinite = DagExecutor(DEEP, hard=True, out_of_range="inf").execute(tensors)
    assert infinite.item() == float("inf")


def test_an_overflow_that_a_later_division_hides_is_still_caught() -> None:
    """(9999**26 + 1) / 9999**4: the clamped sum would give 1e100 / 1e16, a wrong value of a
    plausible size; the flag follows the node through the division."""
    from dag_executor import MagnitudeRangeError

    text = "(" + "*".join(["9999"] * 26) + " + 1) / (9999 * 9999 * 9999 * 9999)"
    tensors = expression_to_dag(text, DEEP)
    with pytest.raises(MagnitudeRangeError):
        DagExecutor(DEEP, hard=True).execute(tensors)


def test_results_inside_the_range_are_exact_and_untouched_by_the_check() -> None:
    text = "*".join(["9999"] * 20)  # ~1e80
    value = DagExecutor(DEEP, hard=True).execute(expression_to_dag(text, DEEP)).item()
    assert value == pytest.approx(9999**20, rel=1e-14)  # 19 float64 roundings


def test_the_soft_path_still_clamps_without_raising() -> None:
    tensors = expression_to_dag("*".join(["9999"] * 26), DEEP)
    value = DagExecutor(DEEP).execute(tensors, hard=False)
    assert value.item() == pytest.approx(1e100)
