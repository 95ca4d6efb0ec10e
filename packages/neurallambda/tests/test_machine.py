import pytest
import torch
from neurallambda import (
    IntegerRangeError,
    MachineConfig,
    NoNormalFormError,
    ProgramTooLargeError,
    ReductionMachine,
    compile_text,
    from_memory,
    show,
    trace,
)
from neurallambda.generate import random_terms, reductions
from neurallambda.machine import cells_needed
from neurallambda.memory import TAGS

CONFIG = MachineConfig(cells=24, vec_size=256, int_range=(-32, 32))


@pytest.fixture(scope="module")
def machine() -> ReductionMachine:
    return ReductionMachine(CONFIG)


def texts(machine: ReductionMachine, programs: list[str], max_steps: int = 30) -> list[str]:
    with torch.no_grad():
        return [o.text for o in machine.evaluate(programs, max_steps)]


def test_each_step_matches_the_reference_step(machine):
    program = "((fn [f x] (f (f x))) (fn [n] (+ n 1)) 3)"
    expected = [show(t) for t in trace(compile_text(program))]
    state = machine.compile([program])
    seen = [show(from_memory(machine.decode(state)[0]))]
    with torch.no_grad():
        for _ in range(len(expected) - 1):
            state = machine.step(state)
            seen.append(show(from_memory(machine.decode(state)[0])))
    assert seen == expected


def test_halting_flag_rises_only_at_normal_form(machine):
    with torch.no_grad():
        state = machine.step(machine.compile(["((fn [x] x) 1)"]))
        assert state.halted.item() < 0.5
        state = machine.step(state)
    assert state.halted.item() > 0.5
    assert state.steps.item() == pytest.approx(1.0)


def test_run_stops_as_soon_as_every_program_halts(machine, monkeypatch):
    calls = []
    real_step = machine.step
    monkeypatch.setattr(
        machine, "step", lambda state, **kw: calls.append(1) or real_step(state, **kw)
    )
    with torch.no_grad():
        state = machine.run(machine.compile(["(+ 1 2)", "((fn [x] (* x x)) 3)"]), max_steps=50)
    assert len(calls) == 3  # two reductions for the slower program, then one that finds none
    assert state.steps.tolist() == [1.0, 2.0]
    assert bool(state.done.all())


def test_a_finished_program_leaves_the_batch_and_its_memory_is_kept(machine, monkeypatch):
    sizes = []
    real_step = machine.step
    monkeypatch.setattr(
        machine,
        "step",
        lambda state, **kw: sizes.append(state.memory.shape[0]) or real_step(state, **kw),
    )
    programs = ["(+ 1 2)", "((fn [f] (f (f 3))) (fn [y] (* y 2)))"]
    with torch.no_grad():
        batched = machine.run(machine.compile(programs), max_steps=50)
        batch_sizes = list(sizes)
        alone = [machine.run(machine.compile([p]), max_steps=50) for p in programs]
    # (+ 1 2) reduces at the first step and halts at the second; then the other steps alone
    assert batch_sizes[:2] == [2, 2] and set(batch_sizes[2:]) == {1} and len(batch_sizes) > 3
    for row, single in enumerate(alone):  # bit for bit what the program gives alone
        assert torch.equal(batched.memory[row], single.memory[0])
        assert batched.steps[row] == single.steps[0]


def test_mixed_batch_gives_each_program_its_own_result(machine):
    programs = ["(+ 1 2)", "((fn [x] '(x x)) true)", "(car '(7 8))", "(fn [x] x)"]
    assert texts(machine, programs) == ["3", "'(true true)", "7", "(fn [x] x)"]


def test_capture_is_avoided(machine):
    assert texts(machine, ["((fn [x] (fn [y] (x y))) y)"]) == ["(fn [y1] (y y1))"]


def test_divergence_is_reported_not_read_back(machine):
    with torch.no_grad():
        (outcome,) = machine.evaluate(["((fn [w] (w w w)) (fn [w] (w w)))"], max_steps=3)
    assert not outcome.ok
    assert isinstance(outcome.error, NoNormalFormError | ProgramTooLargeError)
    with pytest.raises(type(outcome.error)):
        outcome.unwrap()


def test_running_out_of_steps_is_reported(machine):
    with torch.no_grad():
        (outcome,) = machine.evaluate(["(+ 1 (+ 2 (+ 3 4)))"], max_steps=2)
    assert isinstance(outcome.error, NoNormalFormError)
    assert "within 2 steps" in str(outcome.error)


def test_running_out_of_steps_is_reported_per_program(machine):
    with torch.no_grad():
        slow, quick = machine.evaluate(["(+ 1 (+ 2 (+ 3 4)))", "(+ 1 1)"], max_steps=2)
    assert isinstance(slow.error, NoNormalFormError) and "program 0" in str(slow.error)
    assert slow.term is None
    assert (quick.text, quick.steps) == ("2", 1)


def test_a_budget_of_exactly_the_needed_steps_is_enough(machine):
    with torch.no_grad():
        (outcome,) = machine.evaluate(["(+ 1 (+ 2 (+ 3 4)))"], max_steps=3)
    assert (outcome.text, outcome.steps) == ("10", 3)


def test_memory_overflow_is_reported_per_program(machine):
    grow = "((fn [x] '(x x x x)) '(1 2 3 4 5))"
    with torch.no_grad():
        bad, good = machine.evaluate([grow, "(+ 1 1)"])
    assert isinstance(bad.error, ProgramTooLargeError)
    assert good.text == "2"


def test_integer_overflow_is_reported(machine):
    with torch.no_grad():
        (outcome,) = machine.evaluate(["(* 30 30)"])
    assert isinstance(outcome.error, IntegerRangeError)


def test_program_too_large_to_load_is_rejected(machine):
    with pytest.raises(ProgramTooLargeError, match="program 1"):
        machine.compile(["1", "'(1 2 3 4 5 6 7 8 9 10 11 12)"])


def test_dtype_follows_the_input(machine):
    state = machine.compile(["((fn [x] (+ x 1)) 2)"], dtype=torch.float64)
    with torch.no_grad():
        state = machine.run(state, 10)
    assert state.memory.dtype == torch.float64
    assert machine.read_back(state)[0].text == "3"


def test_gradients_reach_the_input_memory(machine):
    memory = machine.compile(["((fn [x y] (+ x y)) 1 2)"]).memory.requires_grad_()
    state = machine.run(machine.initial_state(memory), 5)
    (state.memory.square().sum() + state.halted.sum()).backward()
    assert memory.grad is not None
    assert torch.isfinite(memory.grad).all()


def test_state_dict_round_trip_keeps_the_codebook(machine):
    machine.compile(["(fn [some-name] some-name)"])
    fresh = ReductionMachine(CONFIG)
    fresh.load_state_dict(machine.state_dict())
    assert fresh.codebook.names == machine.codebook.names
    assert torch.equal(fresh.codebook.space.vectors, machine.codebook.space.vectors)


@pytest.mark.parametrize("value_decoding", ["sharp", "linear"])
def test_agrees_with_reference_on_longer_random_reductions(value_decoding):
    cells, max_steps = 48, 40
    candidates = random_terms(400, max_cells=cells, seed=11, depth=5)
    pairs = list(
        reductions(candidates, max_steps, max_cells=cells, int_range=CONFIG.int_range, min_steps=4)
    )
    assert len(pairs) >= 24
    config = MachineConfig(
        cells=cells, vec_size=256, int_range=(-32, 32), value_decoding=value_decoding
    )
    with torch.no_grad():
        outcomes = ReductionMachine(config).evaluate([term for term, _ in pairs], max_steps)
    assert [(o.term, o.steps) for o in outcomes] == [(r.term, r.steps) for _, r in pairs]


def test_linear_value_decoding_reads_a_superposition_back_as_its_distribution():
    machine = ReductionMachine(MachineConfig(cells=8, value_decoding="linear"))
    book = machine.codebook.groups(machine.compile(["1"]).memory).ints
    distribution = torch.zeros(book.shape[0])
    distribution[[120, 130, 140]] = torch.tensor([0.2, 0.5, 0.3])
    read = machine.decode_values(distribution @ book, book)
    assert torch.allclose(read, distribution, atol=1e-4)
    sharp = ReductionMachine(MachineConfig(cells=8)).decode_values
    assert sharp(distribution @ book, book)[130] > 0.99  # the default rounds it


def test_an_unknown_value_decoding_is_refused():
    from neurallambda.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="value_decoding must be one of sharp, linear"):
        ReductionMachine(MachineConfig(cells=8, value_decoding="soft"))
    with pytest.raises(ConfigurationError, match="needs vec_size >= the 257 integers"):
        ReductionMachine(MachineConfig(cells=8, vec_size=256, value_decoding="linear"))


def _with_superposed_condition(machine: ReductionMachine, program: str, p_true: float):
    """``program`` compiled with its free variable ``c`` replaced by a Bool cell that is true
    with probability ``p_true``."""
    state = machine.compile([program])
    groups = machine.codebook.groups(state.memory)
    [address] = [
        a
        for a, (tag, value, _) in machine.decode(state)[0].items()
        if tag == "Free" and value == ("name", "c")
    ]
    memory = state.memory.clone()
    memory[0, address, 0] = groups.tags[TAGS.index("Bool")]
    memory[0, address, 1] = torch.tensor([1 - p_true, p_true]) @ groups.bools
    return machine.initial_state(memory), groups


def test_an_uncertain_condition_waits_for_its_branches_to_be_values():
    """Linear decoding: ``(if c (+ 1 2) (* 2 5))`` with c true at 30% reduces both branches
    first, then mixes the two values: the result reads as 3 at 30% and 10 at 70%."""
    machine = ReductionMachine(MachineConfig(cells=16, value_decoding="linear"))
    state, groups = _with_superposed_condition(machine, "(if c (+ 1 2) (* 2 5))", 0.3)
    with torch.no_grad():
        final = machine.run(state, 10)
    assert final.steps.item() == 3  # +, *, then if
    result = machine.decode_values(final.memory[0, 0, 1], groups.ints)
    lo = machine.config.int_range[0]
    assert result[3 - lo].item() == pytest.approx(0.3, abs=1e-3)
    assert result[10 - lo].item() == pytest.approx(0.7, abs=1e-3)


def test_a_certain_condition_stays_lazy_under_linear_decoding():
    """The branch not taken is never reduced: a diverging else-branch does not matter, and
    the Y-combinator factorial (whose recursion an ``if`` guards) still gives 6."""
    machine = ReductionMachine(MachineConfig(cells=16, value_decoding="linear"))
    omega = "((fn [x] (x x)) (fn [x] (x x)))"
    state, _ = _with_superposed_condition(machine, f"(if c 7 {omega})", 1.0)
    with torch.no_grad():
        assert machine.run(state, 10).steps.item() == 1
    y_factorial = (
        "(((fn [f] ((fn [x] (f (fn [v] ((x x) v)))) (fn [x] (f (fn [v] ((x x) v)))))) "
        "(fn [fact] (fn [n] (if (= n 0) 1 (* n (fact (- n 1))))))) 3)"
    )
    config = MachineConfig(cells=cells_needed([y_factorial], 200), value_decoding="linear")
    with torch.no_grad():
        assert ReductionMachine(config).evaluate([y_factorial], 200)[0].text == "6"


def test_a_step_without_gradients_equals_the_dense_differentiable_step(machine):
    # without a gradient a step reads only the rows it needs (machine._assemble,
    # _weights_where); with one it takes the dense products: both must give the same memory
    candidates = random_terms(40, max_cells=CONFIG.cells, seed=3, depth=4)
    programs = [term for term, _ in reductions(candidates, 10, max_cells=CONFIG.cells)][:12]
    assert len(programs) == 12
    sparse = machine.compile(programs)
    dense = machine.initial_state(sparse.memory.clone().requires_grad_())
    for _ in range(4):
        with torch.no_grad():
            sparse = machine.step(sparse)
        dense = machine.step(dense)
        assert (dense.memory - sparse.memory).abs().max().item() < 1e-5
        assert torch.equal(dense.halted > 0.5, sparse.halted > 0.5)


def test_sparse_assembly_equals_the_dense_products():
    from neurallambda.machine import _assemble, _Read

    torch.manual_seed(0)
    b, n, k, d = 3, 7, 5, 4
    shared, own = torch.randn(k, d), torch.randn(b, n, d)
    scale = torch.rand(b, n)
    soft = torch.empty(b, n).uniform_(-2, n + 1)  # fractional, some outside the table
    exact = torch.randint(-1, n + 1, (b, n))  # integers, some outside
    weights = torch.softmax(torch.randn(b, n, k), -1)
    columns = [
        [_Read(shared, weights)],
        [_Read(own, scale, soft), _Read(shared, scale, exact)],
        [_Read(shared, 1 - scale, soft.clamp(0, k - 1))],
    ]
    with torch.no_grad():
        sparse = _assemble(columns)
    dense = _assemble(
        [[_Read(r.table, r.scale.requires_grad_(), r.position) for r in c] for c in columns]
    )
    assert sparse.shape == (b, n, 3, d)
    assert torch.allclose(sparse, dense, atol=1e-6)
    assert sparse.abs().max() > 0.1  # a comparison of zeros would prove nothing
