"""The instructions st_moe gives the LLM, and the file layout each task sees.

Each LLM task is a small workspace of text files plus one file to write (see
:class:`~symtensor_autograd.llm_runner.FileTask`); the backend shows the model every file by
name, so names are part of the prompt. ``{task}`` in a template is replaced by the task prompt
(e.g. "Translate Python to Viba."). Set your own with ``StMoePrompts(task=...)`` or replace any
template; keep them short and concrete for small models.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class StMoePrompts:
    """Task prompt and the instruction templates of st_moe.

    ``translate`` is the system prompt when retrieved examples are given as previous exchanges
    (example input, example output), then the input; ``translate_alone`` is the instruction
    when there are none (the input is then a file, input.txt, and the answer output.txt).
    """

    task: str = "Transform the input."
    translate: str = "{task}\nAnswer with the result only."
    translate_alone: str = "{task}\nWrite output.txt: the result for input.txt."
    improve_input: str = (
        "{task}\n"
        "input.txt produced output.txt, but the right result is expected_output.txt. "
        "Write new_input.txt: input.txt rewritten so that it leads to the expected output."
    )
    improve_key: str = (
        "{task}\n"
        "entry_key.txt -> entry_value.txt is a memory entry. It was recalled for the cases "
        "case_N_input.txt, but their outputs (case_N_output.txt) differ from the expected ones "
        "(case_N_expected.txt). Write new_key.txt: the source-side example this entry should "
        "hold, so that it is recalled for inputs like these."
    )
    improve_value: str = (
        "{task}\n"
        "entry_key.txt -> entry_value.txt is a memory entry used as a worked example. It was "
        "recalled for the cases case_N_input.txt, but their outputs (case_N_output.txt) differ "
        "from the expected ones (case_N_expected.txt). Write new_value.txt: the correct result "
        "for entry_key.txt, in the style of the expected outputs."
    )

    def with_task(self, task: str) -> StMoePrompts:
        """These prompts with another task prompt."""
        return replace(self, task=task)

    def render(self, template: str) -> str:
        """A template with ``{task}`` filled in."""
        return template.replace("{task}", self.task).strip()
