from symtensor_autograd import (
    LexicalKeywords,
    LlmKeywords,
    format_keywords,
    normalize_keywords,
    parse_keyword_text,
)


def test_normalize_lowercases_deduplicates_and_sorts():
    assert normalize_keywords(["b", "A", "a", " c ", ""]) == ["a", "b", "c"]


def test_format_writes_one_keyword_per_line():
    assert format_keywords(["loop", "for", "loop"]) == "for\nloop\n"
    assert format_keywords([]) == ""


def test_parse_tolerates_bullets_numbers_commas_and_several_words_per_line():
    assert parse_keyword_text("- Loop\n2. sum, total\n* for each\n") == [
        "each",
        "for",
        "loop",
        "sum",
        "total",
    ]
    assert parse_keyword_text(None) == []


def test_lexical_keywords_are_the_identifiers_of_the_text():
    (words,) = LexicalKeywords()(["def add(a, bb):\n    return a + bb\n"])
    assert words == ["add", "bb", "def", "return"]


def test_lexical_keywords_drop_stopwords():
    (words,) = LexicalKeywords(stopwords=["def"])(["def add"])
    assert words == ["add"]


def test_llm_keywords_ask_the_llm_once_per_non_empty_text(runner_for):
    runner = runner_for()
    keywords = LlmKeywords(runner)
    assert keywords(["Add two Numbers", "", "add"]) == [["add", "numbers", "two"], [], ["add"]]
    assert runner.usage.calls == 2
