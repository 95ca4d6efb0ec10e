import pytest
import torch
from symtensor_autograd import (
    ExperienceShapeError,
    GradientChannel,
    LexicalKeywords,
    RootMismatchError,
    StMoePrompts,
    edit_distance_ratio,
    make_experience,
    read_texts,
    st_moe,
)
from symtensor_autograd.llm_runner import FileTask
from symtensor_store import make_tensor, unified_diff

X0, X1 = "def inc(x):\n    return x + 1\n", "def dec(x):\n    return x - 1\n"
Y0, Y1 = "inc :=\n    <- $x + 1\n", "dec :=\n    <- $x - 1\n"


def filled_experience(root, rows):
    """Experience with (query, key, value) rows whose query is the lexical keywords of the key."""
    (keywords,) = [LexicalKeywords()([key for key, _ in rows])]
    triples = [
        ("\n".join(words) + "\n", key, value)
        for words, (key, value) in zip(keywords, rows, strict=True)
    ]
    return make_experience(triples, root, dtype=torch.float64)


def run(root, experience, inputs, runner, **kwargs):
    x = make_tensor(inputs, root, dtype=torch.float64)
    kwargs.setdefault("channel", GradientChannel("moe"))
    kwargs.setdefault("generator", torch.Generator().manual_seed(0))
    return x, *st_moe(x, experience, runner=runner, **kwargs)


def experience_diffs(output, expected, root, experience):
    """Backward of the summed loss of ``output`` against the ``expected`` texts; returns the
    experience's text gradient, flat (three diffs a row), from the channel ``run`` stamped."""
    edit_distance_ratio(output, make_tensor(expected, root)).sum().backward()
    return read_texts(output.st_channel.text_grad(experience))


def test_forward_on_an_empty_experience_cold_starts_each_input_on_its_own_row(root, runner_for):
    experience = make_experience(3, root, dtype=torch.float64)
    _, output, indexes = run(root, experience, [X0, X1], runner_for())
    assert output.shape == (2,)
    assert indexes.shape == (2, 1)
    assert len(set(indexes.flatten().tolist())) == 2
    assert read_texts(output) == ["unknown\n", "unknown\n"]


def test_forward_retrieves_the_matching_row_and_the_llm_uses_it(root, runner_for):
    experience = filled_experience(root, [(X1, Y1), (X0, Y0)])
    _, output, indexes = run(root, experience, [X0, X1], runner_for())
    assert indexes.flatten().tolist() == [1, 0]
    assert read_texts(output) == [Y0, Y1]


def test_forward_lays_out_task_prompt_examples_and_input_for_the_llm(root, runner_for, memory_llm):
    seen = []

    def spy(view, todo):
        seen.append((view.instruction, dict(view.files), todo, list(view.examples)))
        return memory_llm(view, todo)

    experience = filled_experience(root, [(X0, Y0)])
    run(
        root,
        experience,
        [X0],
        runner_for(spy),
        prompts=StMoePrompts(task="Translate Python to Viba."),
    )
    translate = [s for s in seen if s[2] == "output.txt"]
    assert len(translate) == 1
    instruction, files, _, examples = translate[0]
    assert instruction.startswith("Translate Python to Viba.")
    assert files["input.txt"] == X0
    assert files["example_1_input.txt"] == X0
    assert files["example_1_output.txt"] == Y0
    assert examples == [("example_1_input.txt", "example_1_output.txt")]


def test_chat_models_see_the_examples_as_turns_with_the_best_match_last(
    root, runner_for, memory_llm
):
    from llm_backends import build_messages

    seen = []

    def spy(view, todo):
        if todo == "output.txt":
            seen.append(build_messages(view, todo))
        return memory_llm(view, todo)

    experience = filled_experience(root, [(X1, Y1), (X0, Y0)])
    run(root, experience, [X0], runner_for(spy), topk=2)
    [messages] = seen
    assert [m.role for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert [m.content for m in messages[1:]] == [X1, Y1, X0, Y0, X0]


def test_output_coefficients_pass_through_from_the_input(root, runner_for):
    experience = make_experience(2, root, dtype=torch.float64)
    x, output, _ = run(root, experience, [X0, X1], runner_for())
    assert torch.equal(output.detach(), x.detach())


def test_backward_on_a_cold_start_writes_input_and_expected_into_the_claimed_row(root, runner_for):
    experience = make_experience(3, root, dtype=torch.float64).requires_grad_()
    _, output, indexes = run(root, experience, [X0, X1], runner_for())
    diffs = experience_diffs(output, [Y0, Y1], root, experience)
    for i, (x, y) in enumerate([(X0, Y0), (X1, Y1)]):
        row = indexes[i, 0].item()
        assert diffs[3 * row : 3 * row + 3] == ["", unified_diff("", x), unified_diff("", y)]
        assert experience.grad[row, 0] == 0
        assert experience.grad[row, 1] == experience.grad[row, 2] > 0
    unused = ({0, 1, 2} - set(indexes.flatten().tolist())).pop()
    assert experience.grad[unused].tolist() == [0.0, 0.0, 0.0]


def test_backward_numeric_experience_gradient_sums_the_output_gradient(root, runner_for):
    experience = make_experience(1, root, dtype=torch.float64).requires_grad_()
    _, output, _ = run(root, experience, [X0], runner_for())
    loss = edit_distance_ratio(output, make_tensor([Y0], root))
    (3 * loss.sum()).backward()
    assert experience.grad[0, 1].item() == pytest.approx(3 * loss.item())


def test_backward_corrects_the_value_of_a_row_holding_the_input_itself_without_llm(
    root, runner_for
):
    runner = runner_for()
    experience = filled_experience(root, [(X1, "wrong\n")]).requires_grad_()
    _, output, _ = run(root, experience, [X1], runner)
    assert read_texts(output) == ["wrong\n"]
    calls = runner.usage.calls
    diffs = experience_diffs(output, [Y1], root, experience)
    assert runner.usage.calls == calls
    assert diffs == ["", "", unified_diff("wrong\n", Y1)]
    assert experience.grad[0, 1] == 0
    assert experience.grad[0, 2] > 0


def test_backward_rewrites_key_and_value_of_another_recalled_row_with_one_llm_pass_each(
    root, runner_for, memory_llm
):
    todos = []

    def spy(view, todo):
        todos.append(todo)
        return memory_llm(view, todo)

    experience = filled_experience(root, [(X1, Y1)]).requires_grad_()
    _, output, indexes = run(root, experience, [X0], runner_for(spy))
    assert indexes.tolist() == [[0]]  # recalled by keyword overlap, not an exact match
    todos.clear()
    diffs = experience_diffs(output, [Y0], root, experience)
    assert sorted(todos) == ["new_key.txt", "new_value.txt"]
    # the scripted LLM keeps the key and answers the case's expected output as the new value
    assert diffs == ["", "", unified_diff(Y1, Y0)]
    assert experience.grad[0, 1] == experience.grad[0, 2] > 0


def test_the_same_wrong_input_twice_claims_a_single_row(root, runner_for):
    experience = make_experience(4, root, dtype=torch.float64).requires_grad_()
    _, output, _ = run(root, experience, [X0, X0], runner_for())
    diffs = experience_diffs(output, [Y0, Y0], root, experience)
    assert sum(bool(diffs[3 * row + 1]) for row in range(4)) == 1


def test_without_update_filled_rows_a_wrong_input_only_claims_an_empty_row(root, runner_for):
    runner = runner_for()
    experience = filled_experience(root, [(X1, Y1), ("", "")]).requires_grad_()
    _, output, _ = run(root, experience, [X0], runner, update_filled_rows=False, topk=1)
    calls = runner.usage.calls
    diffs = experience_diffs(output, [Y0], root, experience)
    assert runner.usage.calls == calls  # no LLM pass in backward
    assert diffs[:3] == ["", "", ""]
    assert diffs[3:] == ["", unified_diff("", X0), unified_diff("", Y0)]


def test_backward_with_correct_outputs_sends_no_gradient_and_calls_no_llm(root, runner_for):
    runner = runner_for()
    experience = filled_experience(root, [(X0, Y0)]).requires_grad_()
    _, output, _ = run(root, experience, [X0], runner)
    calls = runner.usage.calls
    diffs = experience_diffs(output, [Y0], root, experience)
    assert runner.usage.calls == calls
    assert experience.grad.abs().sum() == 0
    assert all(not d for d in diffs)


def test_input_gradient_is_the_llm_improved_input_and_numeric_pass_through(root, runner_for):
    experience = make_experience(1, root, dtype=torch.float64)
    x = make_tensor([X0], root, dtype=torch.float64).requires_grad_()
    channel = GradientChannel("moe")
    output, _ = st_moe(x, experience, runner=runner_for(), channel=channel)
    loss = edit_distance_ratio(output, make_tensor([Y0], root))
    loss.sum().backward()
    assert read_texts(channel.text_grad(x)) == [unified_diff(X0, "better " + X0)]
    assert x.grad.item() == pytest.approx(loss.item())


def test_input_numeric_gradient_matches_finite_differences(root, runner_for):
    experience = make_experience(2, root, dtype=torch.float64)
    x = make_tensor([X0, X1], root, dtype=torch.float64).requires_grad_()
    runner, channel = runner_for(), GradientChannel("moe")
    assert torch.autograd.gradcheck(
        lambda t: st_moe(t, experience, runner=runner, channel=channel)[0], (x,)
    )


def test_empty_input_elements_are_not_sent_to_the_llm(root, runner_for):
    runner = runner_for()
    experience = make_experience(2, root, dtype=torch.float64)
    _, output, indexes = run(root, experience, ["", X0], runner, keywords=LexicalKeywords())
    assert read_texts(output)[0] == ""
    assert indexes[0].tolist() == [-1]
    assert runner.usage.calls == 1


def test_a_failing_llm_call_gives_an_empty_output_and_is_counted(root, runner_for, memory_llm):
    def broken(view, todo):
        if todo == "output.txt":
            raise RuntimeError("model crashed")
        return memory_llm(view, todo)

    runner = runner_for(broken)
    _, output, _ = run(root, make_experience(1, root, dtype=torch.float64), [X0], runner)
    assert read_texts(output) == [""]
    assert runner.failures == 1
    assert "model crashed" in runner.errors[0]


def test_experience_of_the_wrong_shape_is_refused(root, runner_for):
    with pytest.raises(ExperienceShapeError, match=r"got \[2, 2\]"):
        run(root, make_tensor([["a", "b"], ["c", "d"]], root), [X0], runner_for())


def test_input_and_experience_under_different_roots_are_refused(tmp_path, runner_for):
    experience = make_experience(1, tmp_path / "elsewhere")
    with pytest.raises(RootMismatchError, match="elsewhere"):
        run(tmp_path / "here", experience, [X0], runner_for())


def test_without_examples_the_instruction_does_not_mention_example_files(
    root, runner_for, memory_llm
):
    instructions = []

    def spy(view, todo):
        if todo == "output.txt":
            instructions.append(view.instruction)
        return memory_llm(view, todo)

    run(root, make_experience(1, root, dtype=torch.float64), [X0], runner_for(spy))
    assert len(instructions) == 1
    assert "example" not in instructions[0]


def test_exact_recall_answers_a_verbatim_key_from_memory_without_the_llm(
    root, runner_for, memory_llm
):
    todos = []

    def forgetful(view, todo):
        todos.append(todo)
        return "garbage\n" if todo == "output.txt" else memory_llm(view, todo)

    experience = filled_experience(root, [(X0, Y0)])
    _, output, _ = run(
        root,
        experience,
        [X0, X1],
        runner_for(forgetful),
        keywords=LexicalKeywords(),
        exact_recall=True,
    )
    assert read_texts(output) == [Y0, "garbage\n"]
    assert todos == ["output.txt"]  # only X1, which no row holds, went to the LLM


def test_a_two_dimensional_input_gives_outputs_and_indexes_of_its_shape(root, runner_for):
    experience = filled_experience(root, [(X0, Y0), (X1, Y1)])
    _, output, indexes = run(root, experience, [[X0, X1], [X1, X0]], runner_for(), topk=2)
    assert output.shape == (2, 2)
    assert indexes.shape == (2, 2, 2)
    assert read_texts(output) == [Y0, Y1, Y1, Y0]


def test_each_input_is_translated_under_the_grammar_made_for_it(root, runner_for):
    runner = runner_for()
    sent = []
    run_tasks = runner.run

    def spy(tasks):
        sent.extend(task.grammar for task in tasks)
        return run_tasks(tasks)

    runner.run = spy
    experience = filled_experience(root, [(X0, Y0), (X1, Y1)])

    def grammar(text):
        return None if "dec" in text else f'root ::= "{len(text)}"'

    run(root, experience, [X0, X1], runner, grammar=grammar, keywords=LexicalKeywords())
    assert sent == [f'root ::= "{len(X0)}"', None]
    agent_task = runner._lay_out(root / "task", FileTask("i", "out.txt", grammar="root ::= x"))
    assert agent_task.grammar == "root ::= x"  # what the backend's request carries
