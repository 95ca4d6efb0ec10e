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
