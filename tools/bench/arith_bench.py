"""DAG-GPT against a plain GPT on arithmetic questions, with extrapolation, in one run.

    uv run python tools/bench/arith_bench.py [--steps 3000] [--seeds 0] [--eval 400]

Both models are the same character-level GPT (`--n-layer`, `--n-embd`), trained from scratch
for the same steps on the same stream of training questions (`nanogpt_dag.questions`: 1-2 digit
numbers, 2-3 of them, four renderings, decimals and negatives). The plain GPT learns to write
the answer; DAG-GPT also learns a DAG head and answers by executing the DAG it reads
(`nanogpt_dag.dag_gpt`). A third line scores DAG-GPT's own language-model answers (the same
backbone, written instead of executed): the ablation that shows where the answers come from.

Scored by exact match of the answer text (rounded to two decimals) on held-out questions:
test (same distribution, no expression or commuted twin trained on), and the two extrapolation
splits, longer_numbers (3-4 digit numbers) and more_operands (4-5 numbers); per rendering on
test. With several seeds each figure is the median over seeds.

The last line is `dag vs plain extrapolation ratio: <DAG-GPT / plain GPT exact match on both
extrapolation splits together>`; a plain GPT with no correct answer counts as one correct
answer (so the ratio stays finite, and is a lower bound).
"""

import argparse
import statistics
import time

import torch
from nanogpt_dag import GPTConfig
from nanogpt_dag.answer_gpt import MAX_ANSWER_CHARS, AnswerGPT
from nanogpt_dag.answer_training import AnswerTraining, exact_match, train_answer_model
from nanogpt_dag.dag_gpt import DagGPT, DagGPTConfig
from nanogpt_dag.questions import (
    QUESTION_ALPHABET,
    RENDERINGS,
    dag_config_for,
    make_questions,
    split_shapes,
)

EVAL_SPLITS = ("test", "longer_numbers", "more_operands")
METHODS = ("plain GPT", "DAG-GPT", "DAG-GPT, own LM answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="training steps of each model")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--eval", type=int, default=400, help="questions per held-out split")
    parser.add_argument("--n-layer", type=int, default=3)
    parser.add_argument("--n-embd", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    began = time.perf_counter()

    shapes = split_shapes()
    dag = dag_config_for(shapes)
    held_out = {s: make_questions(s, args.eval, shapes[s], dag, seed=1) for s in EVAL_SPLITS}
    longest = max(len(q.text) for questions in held_out.values() for q in questions)
    gpt = GPTConfig(
        block_size=longest + 2 + MAX_ANSWER_CHARS,
        vocab_size=len(QUESTION_ALPHABET) + 1,
        n_layer=args.n_layer,
        n_head=4,
        n_embd=args.n_embd,
    )
    print(
        f"{args.steps} steps x {args.batch_size} questions per model, GPT {args.n_layer} layers "
        f"x {args.n_embd}, block {gpt.block_size}, seeds {args.seeds}, {args.eval} questions per "
        f"split, DAG {dag}"
    )

    scores: dict[str, list[dict[str, float]]] = {m: [] for m in METHODS}
    train_seconds: dict[str, list[float]] = {m: [] for m in METHODS}
    for seed in args.seeds:
        settings = AnswerTraining(steps=args.steps, batch_size=args.batch_size, seed=seed)
        for name, model in (
            ("plain GPT", AnswerGPT(gpt)),
            ("DAG-GPT", DagGPT(DagGPTConfig(gpt, dag))),
        ):
            start = time.perf_counter()
            train_answer_model(model, shapes["train"], dag, settings)
            seconds = time.perf_counter() - start
            answerers = {name: model.answer}
            if isinstance(model, DagGPT):
                answerers["DAG-GPT, own LM answer"] = model.write_answers
            for method, answer in answerers.items():
                train_seconds[method].append(seconds)
                scores[method].append(_score(answer, held_out))
                print(f"seed {seed} {method}: {_row(scores[method][-1])} ({seconds:.0f} s)")

    median = {m: {k: statistics.median(s[k] for s in scores[m]) for k in scores[m][0]}
              for m in METHODS}  # fmt: skip
    print()
    print("| method | test | longer_numbers | more_operands | extrapolation | "
          + " | ".join(f"test {r}" for r in RENDERINGS) + " | train s |")  # fmt: skip
    print("| --- " * (6 + len(RENDERINGS)) + "|")
    for method in METHODS:
        m = median[method]
        cells = [m[s] for s in (*EVAL_SPLITS, "extrapolation")] + [m[r] for r in RENDERINGS]
        seconds = statistics.median(train_seconds[method])
        print(f"| {method} | " + " | ".join(f"{c:.1%}" for c in cells) + f" | {seconds:.0f} |")
    floor = 1 / (2 * args.eval)
    plain = max(median["plain GPT"]["extrapolation"], floor)
    print(f"\nwhole run: {time.perf_counter() - began:.0f} s")
    print(f"dag vs plain extrapolation ratio: {median['DAG-GPT']['extrapolation'] / plain:.2f}")


def _score(answer, held_out) -> dict[str, float]:
    result = {split: exact_match(answer, qs) for split, qs in held_out.items()}
    figures = {split: r.overall for split, r in result.items()}
    # both extrapolation splits hold --eval questions: their union scores the mean
    figures["extrapolation"] = (figures["longer_numbers"] + figures["more_operands"]) / 2
    return figures | result["test"].per_rendering


def _row(figures: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1%}" for k, v in figures.items())


if __name__ == "__main__":
    main()
