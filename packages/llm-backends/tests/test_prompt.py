import pytest
from llm_backends import TaskView, build_messages, extract_file_content


@pytest.mark.parametrize(
    ("answer", "content"),
    [
        ("x = 1", "x = 1\n"),
        ("```python\nx = 1\n```", "x = 1\n"),
        ("Sure! Here it is:\n```\nx = 1\ny = 2\n```\nHope it helps.", "x = 1\ny = 2\n"),
        ("```python\nx = 1", "x = 1\n"),  # truncated before the closing fence
        ("```python\n", ""),  # truncated right after the opening fence
        ("```\n```\nx = 1", "x = 1\n"),
        ("   \n", ""),
    ],
)
def test_file_content_is_extracted_from_the_answer(answer, content):
    assert extract_file_content(answer) == content


def test_the_prompt_packs_instruction_files_and_target():
    view = TaskView("add numbers", {"b.py": "TODO", "a.txt": "spec"}, ["b.py"])
    system, user = build_messages(view, "b.py")
    assert system.role == "system" and user.role == "user"
    assert user.content.index("add numbers") < user.content.index("=== a.txt ===\nspec")
    assert user.content.index("=== a.txt ===") < user.content.index("=== b.py ===\nTODO")
    assert user.content.rstrip().endswith("`b.py`.")


def test_examples_become_previous_exchanges_before_the_input():
    files = {
        "ex1_in.txt": "1 + 1",
        "ex1_out.txt": "2",
        "ex2_in.txt": "2 + 3",
        "ex2_out.txt": "5",
        "input.txt": "4 + 4",
        "output.txt": "TODO",
    }
    examples = [("ex1_in.txt", "ex1_out.txt"), ("ex2_in.txt", "ex2_out.txt")]
    view = TaskView("Add. Answer with the sum only.", files, ["output.txt"], examples)
    messages = build_messages(view, "output.txt")
    assert [(m.role, m.content) for m in messages] == [
        ("system", "Add. Answer with the sum only."),
        ("user", "1 + 1"),
        ("assistant", "2"),
        ("user", "2 + 3"),
        ("assistant", "5"),
        ("user", "4 + 4"),
    ]


def test_with_examples_several_remaining_files_are_packed_by_name():
    files = {"q.txt": "a", "out.txt": "b", "x.txt": "one", "y.txt": "two", "z.txt": "TODO"}
    view = TaskView("do it", files, ["z.txt"], [("q.txt", "out.txt")])
    *_, last = build_messages(view, "z.txt")
    assert last.role == "user"
    assert last.content.index("=== x.txt ===\none") < last.content.index("=== y.txt ===\ntwo")
    assert "=== q.txt" not in last.content and "=== z.txt" not in last.content
    assert last.content.endswith("`z.txt`.")
