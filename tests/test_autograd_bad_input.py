"""Bad input to the training stack gives a clear error or a counted rejection, never a corrupt experience."""

from __future__ import annotations

import pytest
from llm_backends import ScriptedBackend, TaskHandler
from symtensor_autograd import (
    ExperienceShapeError,
    LossShapeError,
    RootMismatchError,
    StMoeModule,
    StSGD,
    edit_distance_ratio,
    make_experience,
    read_texts,
)
from symtensor_store import make_tensor, write_element

X, Y = "def one():\n    return 1\n", "one :=\n    <- 1\n"


def respond(view, todo):
    if todo == "keywords.txt":
        return "one\nreturn\n"
    if todo == "output.txt":
        return view.files.get("example_1_output.txt", "no idea\n")
    if todo == "new_key.txt":
        return view.files["case_1_input.txt"]
    if todo == "new_value.txt":
        return view.files["case_1_expected.txt"]
    raise KeyError(todo)


def model_for(experience):
    handler = TaskHandler(ScriptedBackend(respond), use_cache=False)
    return StMoeModule(handler, keywords="lexical", experience=experience)


@pytest.mark.parametrize("shape", [[2, 2], [3], [1, 3, 1]])
def test_an_experience_that_is_not_n_by_3_is_refused_with_its_shape(tmp_path, shape):
    bad = make_tensor(_texts(shape), tmp_path)
    with pytest.raises(
        ExperienceShapeError, match=str(shape).replace("[", r"\[").replace("]", r"\]")
    ):
        model_for(bad)


def _texts(shape):
    if len(shape) == 1:
        return ["x"] * shape[0]
    return [_texts(shape[1:]) for _ in range(shape[0])]


def test_input_and_experience_under_different_roots_are_refused(tmp_path):
    model = model_for(make_experience(2, tmp_path / "weights"))
    with pytest.raises(RootMismatchError, match="weights"):
        model(make_tensor([X], tmp_path / "data"))


def test_a_loss_over_mismatched_shapes_is_refused(tmp_path):
    model = model_for(make_experience(2, tmp_path))
    output, _ = model(make_tensor([X, X], tmp_path))
    with pytest.raises(LossShapeError, match=r"\[2\] and \[1\]"):
        edit_distance_ratio(output, make_tensor([Y], tmp_path))


def test_a_patch_that_no_longer_applies_is_counted_and_leaves_the_row_intact(tmp_path):
    experience = make_experience(
        [("one\nreturn\n", X, "stale value\nline two\nline three\n")], tmp_path
    )
    model = model_for(experience)
    optimizer = StSGD(model.parameters(), lr=1.0)
    output, _ = model(make_tensor([X], tmp_path))
    edit_distance_ratio(output, make_tensor([Y], tmp_path)).mean().backward()
    # someone rewrites the row between backward and step: the value diff cannot apply any more
    write_element(model.experience, (0, 2), "completely\ndifferent\ntext\n")
    before = read_texts(model.experience)
    optimizer.step()
    assert read_texts(model.experience) == before
    report = optimizer.last_report
    assert report.rejected == 1
    assert report.rows_rolled_back == 1
    assert report.rows_updated == 0
