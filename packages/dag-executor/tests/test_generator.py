import pytest
from dag_executor import (
    Add,
    DagConfig,
    Expr,
    ExpressionGenerator,
    Mul,
    Number,
    Recip,
    expression_to_dag,
    normalize,
    parse_expression,
    split_of,
)

CONFIG = DagConfig(depth=4, max_digits=2, max_decimals=1)


def samples(split: str, count: int, seed: int = 0, **options: object) -> list[tuple[str, Expr]]:
    generator = ExpressionGenerator(CONFIG, split, seed, **options)  # type: ignore[arg-type]
    return [generator.sample(i) for i in range(count)]


def test_samples_are_deterministic_per_seed_split_and_index() -> None:
    assert ExpressionGenerator(CONFIG, "val", 3).sample(17) == ExpressionGenerator(
        CONFIG, "val", 3
    ).sample(17)
    assert samples("train", 20, seed=1) != samples("train", 20, seed=2)


def test_iteration_yields_sample_by_index() -> None:
    generator = ExpressionGenerator(CONFIG, "train", 5)
    first = [item for item, _ in zip(generator, range(3), strict=False)]
    assert first == [generator.sample(i) for i in range(3)]


def test_sample_with_dag_adds_the_tensors_of_the_same_example() -> None:
    generator = ExpressionGenerator(CONFIG, "test", 2)
    for i in range(10):
        text, expr, tensors = generator.sample_with_dag(i)
        assert (text, expr) == generator.sample(i)
        assert tensors.equal(expression_to_dag(text, CONFIG))


def test_splits_never_share_an_expression() -> None:
    splits = {
        split: {expr for _, expr in samples(split, 150)} for split in ("train", "val", "test")
    }
    assert not splits["train"] & splits["val"]
    assert not splits["train"] & splits["test"]
    assert not splits["val"] & splits["test"]
    for split, exprs in splits.items():
        assert all(split_of(expr) == split for expr in exprs)


def test_text_parses_to_the_expression_and_fits_the_config() -> None:
    for text, expr in samples("train", 100):
        assert normalize(parse_expression(text)) == expr
        expression_to_dag(expr, CONFIG)  # does not raise


def test_trees_are_not_only_chains() -> None:
    def branchy(expr: Expr) -> bool:
        compound = [c for c in expr.children() if not isinstance(c, Number)]
        return len(compound) >= 2 or any(branchy(c) for c in expr.children())

    assert any(branchy(expr) for _, expr in samples("train", 200, min_numbers=4))


def test_operation_weights_choose_the_mix() -> None:
    only_sums = samples("train", 30, operation_weights={"+": 1.0}, negation_probability=0.0)
    assert all(isinstance(expr, Add) for _, expr in only_sums)
    only_divisions = samples("train", 30, operation_weights={"/": 1.0}, negation_probability=0.0)
    for _, expr in only_divisions:
        assert isinstance(expr, Mul) and any(isinstance(f, Recip) for f in expr.factors)


def test_number_count_respects_the_bounds() -> None:
    for _, expr in samples("train", 50, min_numbers=3, max_numbers=3):
        assert len(expr.numbers()) == 3


@pytest.mark.parametrize(
    "options",
    [{"split": "dev"}, {"seed": -1}, {"max_numbers": 9}, {"operation_weights": {"%": 1.0}}],
)
def test_bad_options_are_rejected(options: dict[str, object]) -> None:
    arguments = {"config": CONFIG, "split": "train", "seed": 0, **options}
    with pytest.raises(ValueError):
        ExpressionGenerator(**arguments)  # type: ignore[arg-type]


def _every_text(numbers: int, operations: str, negative: bool, negated: bool) -> list[str]:
    """Every text of every tree of ``numbers`` numbers (of the longest digits), exhaustively."""
    from decimal import Decimal

    from dag_executor import Neg

    def trees(count: int) -> list[Expr]:
        if count == 1:
            signs = (1, -1) if negative else (1,)
            return [Number(Decimal(sign * 99)) for sign in signs]
        built: list[Expr] = []
        for left_count in range(1, count):
            for left in trees(left_count):
                for right in trees(count - left_count):
                    for op in operations:
                        node = {
                            "+": Add((left, right)),
                            "-": Add((left, Neg(right))),
                            "*": Mul((left, right)),
                            "/": Mul((left, Recip(right))),
                        }[op]
                        built += [node, Neg(node)] if negated else [node]
        return built

    return [str(tree) for tree in trees(numbers)]


@pytest.mark.parametrize(
    ("operations", "negative", "negated"),
    [("+-*/", True, True), ("+-", True, False), ("*/", False, True), ("-", False, False)],
)
def test_longest_text_is_the_longest_any_tree_can_write(operations, negative, negated) -> None:
    config = DagConfig(depth=3, max_digits=2, max_decimals=0)
    generator = ExpressionGenerator(
        config,
        operation_weights=dict.fromkeys(operations, 1.0),
        negative_probability=0.2 if negative else 0.0,
        negation_probability=0.1 if negated else 0.0,
    )
    exhaustive = max((t for n in (2, 3, 4) for t in _every_text(n, operations, negative, negated)),
                     key=len)  # fmt: skip
    assert len(generator.longest_text()) == len(exhaustive)


def test_samples_reach_longest_text_and_never_pass_it() -> None:
    # predictor-train's tiny task: seed 1 draws a 26-character text at index 7745
    generator = ExpressionGenerator(DagConfig(depth=2, max_digits=1, max_decimals=0), seed=1)
    lengths = [len(generator.sample(i)[0]) for i in range(8_000)]
    assert max(lengths) == len(generator.longest_text()) == 26
