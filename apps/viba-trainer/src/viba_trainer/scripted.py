"""A deterministic stand-in for an LLM (``--backend scripted``): copies what experience shows.

It answers the file-filling tasks of ``symtensor_autograd.st_moe`` by name:

- ``keywords.txt``: the identifiers of ``text.txt``;
- ``output.txt`` (translate): the output of the example whose input is most similar to
  ``input.txt`` (Jaccard over identifiers), or, with no example, a Viba stub naming the function;
- ``new_key.txt`` / ``new_value.txt``: the entry unchanged / the expected output of the first case
  whose input is the entry's key;
- anything else: the first file of the task, unchanged.

It can only get a translation right once the experience holds it, which makes it a clean probe of
the training loop: loss falls exactly as fast as the experience learns.
"""

from __future__ import annotations

import re

from llm_backends import ScriptedBackend, TaskView

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DEF = re.compile(r"^\s*def\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


def _words(text: str) -> set[str]:
    return {word.lower() for word in _IDENTIFIER.findall(text)}


def _similarity(a: str, b: str) -> float:
    x, y = _words(a), _words(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def _translate(files: dict[str, str]) -> str:
    source = files.get("input.txt", "")
    examples = sorted(name for name in files if re.fullmatch(r"example_\d+_input\.txt", name))
    if examples:
        best = max(examples, key=lambda name: _similarity(files[name], source))
        answer = files.get(best.replace("_input", "_output"), "")
        if answer.strip():
            return answer
    match = _DEF.search(source)
    return f"{match.group(1) if match else 'main'} :=\n    ...\n"


def respond(view: TaskView, todo_file: str) -> str:
    """The scripted answer for ``todo_file`` of ``view`` (see the module docstring)."""
    files = view.files
    if todo_file == "keywords.txt":
        return "\n".join(sorted(_words(files.get("text.txt", "")))) + "\n"
    if todo_file == "output.txt":
        return _translate(files)
    if todo_file == "new_value.txt":
        key = files.get("entry_key.txt", "")
        for name in sorted(files):
            if re.fullmatch(r"case_\d+_input\.txt", name) and files[name] == key:
                return files[name.replace("_input", "_expected")]
        return files.get("entry_value.txt", "") or "..."
    if todo_file == "new_key.txt":
        return files.get("entry_key.txt", "") or "..."
    first = next((text for name, text in sorted(files.items()) if text.strip()), "...")
    return first


def scripted_backend() -> ScriptedBackend:
    """The ``scripted`` backend of ``viba-train``."""
    return ScriptedBackend(respond, model="scripted:viba-copy")
