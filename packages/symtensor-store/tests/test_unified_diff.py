from symtensor_store import unified_diff


def test_equal_texts_have_an_empty_diff():
    assert unified_diff("same\n", "same\n") == ""
    assert unified_diff("", "") == ""


def test_diff_has_gnu_headers_and_hunk_ranges():
    diff = unified_diff("a\nb\nc\n", "a\nB\nc\n")
    assert diff == "--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"


def test_diff_from_empty_text_uses_zero_range():
    assert unified_diff("", "x\n") == "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n"


def test_missing_trailing_newline_gets_the_marker():
    diff = unified_diff("a\n", "a\nb")
    assert diff.endswith("+b\n\\ No newline at end of file\n")


def test_context_limits_hunk_size_and_splits_far_changes():
    a = "".join(f"{i}\n" for i in range(20))
    b = a.replace("1\n", "one\n", 1).replace("18\n", "eighteen\n")
    diff = unified_diff(a, b, context=2)
    assert diff.count("@@ -") == 2
    assert "@@ -1,4 +1,4 @@" in diff
