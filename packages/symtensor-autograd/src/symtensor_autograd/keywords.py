"""Query keywords: the sets that experience retrieval compares by Jaccard similarity.

A query is stored as text, one keyword per line, sorted and deduplicated. Two extractors make
them: :class:`LlmKeywords` asks the LLM (the seed's way), :class:`LexicalKeywords` takes the
identifiers and words of the text (deterministic, free, and much steadier with a tiny model).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from symtensor_autograd.llm_runner import FileTask, LlmRunner

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ANY_WORD = re.compile(r"\w+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


def normalize_keywords(words: Iterable[str]) -> list[str]:
    """Lowercased, stripped, non-empty, deduplicated and sorted keywords."""
    return sorted({word.strip().lower() for word in words if word.strip()})


def parse_keyword_text(text: str | None) -> list[str]:
    """Keywords of a query text: its words, one per line ideally (bullets, numbering, commas and
    several words on a line are tolerated: every word counts)."""
    if not text:
        return []
    words: list[str] = []
    for line in text.splitlines():
        words.extend(_ANY_WORD.findall(_BULLET.sub("", line)))
    return normalize_keywords(words)


def format_keywords(keywords: Iterable[str]) -> str:
    """The stored form of a query: normalized keywords, one per line ("" when there are none)."""
    words = normalize_keywords(keywords)
    return "".join(f"{word}\n" for word in words)


@runtime_checkable
class KeywordExtractor(Protocol):
    """Turns texts into keyword lists (each sorted and deduplicated)."""

    def __call__(self, texts: Sequence[str]) -> list[list[str]]:
        """One keyword list per text."""
        ...


class LexicalKeywords:
    """Identifiers and words of a text (at least ``min_length`` characters, minus ``stopwords``)."""

    def __init__(self, *, min_length: int = 2, stopwords: Iterable[str] = ()) -> None:
        self.min_length = min_length
        self.stopwords = {word.lower() for word in stopwords}

    def __call__(self, texts: Sequence[str]) -> list[list[str]]:
        """One keyword list per text."""
        return [
            [
                word
                for word in normalize_keywords(_WORD.findall(text or ""))
                if len(word) >= self.min_length and word not in self.stopwords
            ]
            for text in texts
        ]


KEYWORD_INSTRUCTION = (
    "Write keywords.txt: the keywords of text.txt (its main names, operations and concepts), "
    "one lowercase word per line, at most 12 lines, nothing else."
)


class LlmKeywords:
    """Keywords written by the LLM: one task per non-empty text (``text.txt`` -> ``keywords.txt``)."""

    def __init__(self, runner: LlmRunner, *, instruction: str = KEYWORD_INSTRUCTION) -> None:
        self.runner = runner
        self.instruction = instruction

    def __call__(self, texts: Sequence[str]) -> list[list[str]]:
        """One keyword list per text (empty for an empty text or a failed task)."""
        wanted = [k for k, text in enumerate(texts) if text and text.strip()]
        answers = self.runner.run(
            [FileTask(self.instruction, "keywords.txt", {"text.txt": texts[k]}) for k in wanted]
        )
        result: list[list[str]] = [[] for _ in texts]
        for k, answer in zip(wanted, answers, strict=True):
            result[k] = parse_keyword_text(answer)
        return result
