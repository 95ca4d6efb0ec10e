"""Streaming data: targets are dag_executor's tensors; positions fix the examples."""

import torch
from dag_executor import DagExecutor, expression_to_dag, parse_expression
from predictor_trainer import ExampleStream, TrainConfig

CONFIG = TrainConfig(dag_depth=2, max_digits=2, max_decimals=1, batch_size=4, grad_accum_steps=2,
                     block_size=64)  # fmt: skip


def test_batch_targets_are_the_dag_executor_tensors_of_the_batch_text():
    stream = ExampleStream(CONFIG)
    batch = stream.batch("train", range(8))
    for i, text in enumerate(batch.texts):
        expected = expression_to_dag(text, stream.dag)
        assert batch.targets[i].equal(expected), text
        assert batch.values[i].item() == float(parse_expression(text).value())
        assert stream.tokenizer.decode(batch.ids[i, : batch.lengths[i]]) == text


def test_executing_the_targets_gives_the_exact_values():
    stream = ExampleStream(CONFIG)
    batch = stream.batch("val", range(16))
    values = DagExecutor(stream.dag).execute(batch.targets, hard=True)
    torch.testing.assert_close(values, batch.values, rtol=1e-9, atol=1e-12)


def test_train_batches_are_deterministic_and_distinct_per_step_micro_and_rank():
    a, b = ExampleStream(CONFIG), ExampleStream(CONFIG)
    assert a.train_batch(3, 1, rank=1, world_size=2).texts == b.train_batch(3, 1, 1, 2).texts
    seen = [
        tuple(a.train_batch(step, micro, rank, 2).texts)
        for step in range(2) for micro in range(2) for rank in range(2)
    ]  # fmt: skip
    assert len(set(seen)) == len(seen)


def test_rank_batches_tile_the_single_process_accumulation_batches():
    """Rank r of 2 at step s reads what micro-batch r of a 1-process, 2-accumulation run reads."""
    one_process = ExampleStream(CONFIG)
    two_ranks = ExampleStream(TrainConfig(**{**CONFIG.to_dict(), "grad_accum_steps": 1}))
    for step in range(3):
        for r in range(2):
            assert (
                two_ranks.train_batch(step, 0, r, 2).texts == one_process.train_batch(step, r).texts
            )


def test_train_and_test_splits_share_no_expression():
    stream = ExampleStream(CONFIG)
    train = set(stream.batch("train", range(120)).texts)
    test = set(stream.batch("test", range(120)).texts)
    assert not train & test
