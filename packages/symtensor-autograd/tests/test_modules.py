import pytest
import torch
from symtensor_autograd import (
    CheckpointError,
    LexicalKeywords,
    StMoeModule,
    WithDenseView,
    copy,
    make_experience,
    read_texts,
)
from symtensor_store import make_tensor

X0, Y0 = "def inc(x):\n    return x + 1\n", "inc :=\n    <- $x + 1\n"


def test_module_forward_returns_output_and_recalled_rows(root, runner_for):
    model = StMoeModule(runner_for(), task_prompt="Translate.", experience=make_experience(2, root))
    output, indexes = model(make_tensor([X0], root))
    assert read_texts(output) == ["unknown\n"]
    assert indexes.shape == (1, 1)


def test_module_stamps_its_channel_and_keywords_on_the_experience(root, runner_for):
    model = StMoeModule(runner_for(), keywords="lexical", experience=make_experience(2, root))
    assert model.experience.st_channel is model.gradient_channel
    assert isinstance(model.experience.st_keywords, LexicalKeywords)
    assert [name for name, _ in model.named_parameters()] == ["experience"]


def test_task_prompt_can_be_read_and_set(runner_for):
    model = StMoeModule(runner_for(), task_prompt="Translate Python to Viba.")
    assert model.task_prompt == "Translate Python to Viba."
    model.task_prompt = "Summarise."
    assert model.prompts.render(model.prompts.translate).startswith("Summarise.")


def test_module_without_experience_says_what_to_do(root, runner_for):
    with pytest.raises(CheckpointError, match="load_experience"):
        StMoeModule(runner_for())(make_tensor([X0], root))


def test_state_dict_round_trips_experience_text_and_generator(root, runner_for):
    model = StMoeModule(
        runner_for(), experience=make_experience([("inc\n", X0, Y0), ("", "", "")], root)
    )
    model.generator.manual_seed(1234)
    state = model.state_dict()
    restored = StMoeModule(runner_for(), experience=make_experience(2, root))
    restored.load_state_dict(state)
    assert read_texts(restored.experience) == read_texts(model.experience)
    assert torch.equal(restored.generator.get_state(), model.generator.get_state())
    assert torch.equal(restored.experience.detach(), model.experience.detach())


def test_loading_a_state_dict_of_another_experience_shape_is_refused(root, runner_for):
    state = StMoeModule(runner_for(), experience=make_experience(2, root)).state_dict()
    other = StMoeModule(runner_for(), experience=make_experience(3, root))
    with pytest.raises(CheckpointError, match=r"\[2, 3\]"):
        other.load_state_dict(state)


def test_unknown_keyword_mode_is_refused(runner_for):
    with pytest.raises(ValueError, match="keywords"):
        StMoeModule(runner_for(), keywords="magic")


def test_with_dense_view_runs_the_inner_module_on_the_dense_tensor(root, runner_for):
    experience = make_experience([("def\ninc\nreturn\nx\n", X0, Y0)], root)
    model = StMoeModule(runner_for(), experience=experience, keywords="lexical")
    model.experience.requires_grad_(False)
    wrapper = WithDenseView(model, (2, 2))
    coordinates = torch.tensor([[0, 1], [1, 0]])
    values = make_tensor([X0, "other\n"], root)
    result = wrapper(coordinates, values)
    assert result.shape == (2,)
    assert read_texts(result) == [Y0, "unknown\n"]


def test_with_dense_view_accepts_a_plain_function(root, channel):
    values = make_tensor(["a", "b"], root)
    wrapper = WithDenseView(lambda dense: copy(dense, channel=channel), (3,))
    result = wrapper(torch.tensor([[2], [0]]), values)
    assert read_texts(result) == ["a", "b"]
