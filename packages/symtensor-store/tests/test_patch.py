import pytest
from symtensor_store import MalformedDiffError, PatchStatus, apply_patch, unified_diff

BASE = "".join(f"line {i}\n" for i in range(1, 21))


def test_patch_applies_own_diff_exactly():
    new = BASE.replace("line 10\n", "line ten\n")
    result = apply_patch(BASE, unified_diff(BASE, new))
    assert result.status is PatchStatus.APPLIED
    assert result.text == new


def test_patch_finds_hunk_at_an_offset():
    new = BASE.replace("line 10\n", "line ten\n")
    shifted = "extra 1\nextra 2\n" + BASE
    result = apply_patch(shifted, unified_diff(BASE, new))
    assert result.status is PatchStatus.FUZZED
    assert result.hunks[0].offset == 2
    assert result.text == "extra 1\nextra 2\n" + new


def test_patch_applies_with_fuzz_when_context_differs():
    new = BASE.replace("line 10\n", "line ten\n")
    drifted = BASE.replace("line 7\n", "line seven\n")
    result = apply_patch(drifted, unified_diff(BASE, new), fuzz=3)
    assert result.status is PatchStatus.FUZZED
    assert result.hunks[0].fuzz == 1
    assert result.text == drifted.replace("line 10\n", "line ten\n")


def test_patch_without_fuzz_rejects_changed_context():
    new = BASE.replace("line 10\n", "line ten\n")
    drifted = BASE.replace("line 7\n", "line seven\n")
    result = apply_patch(drifted, unified_diff(BASE, new), fuzz=0)
    assert result.status is PatchStatus.REJECTED
    assert result.text == drifted


def test_patch_rejects_when_changed_line_is_gone():
    new = BASE.replace("line 10\n", "line ten\n")
    result = apply_patch("something else\n", unified_diff(BASE, new))
    assert result.status is PatchStatus.REJECTED
    assert result.rejected_hunks == 1


def test_patch_round_trips_missing_newlines_and_empty_texts():
    for a, b in [("", "x"), ("x", ""), ("a\nb", "a\nb\n"), ("a\nb\n", "a\nc"), ("é\n", "ü")]:
        assert apply_patch(a, unified_diff(a, b)).text == b


def test_empty_diff_is_skipped():
    assert apply_patch("text", "").status is PatchStatus.SKIPPED


def test_malformed_diff_raises_domain_error():
    with pytest.raises(MalformedDiffError, match="hunk"):
        apply_patch("a\n", "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n")
    with pytest.raises(MalformedDiffError, match="no '@@"):
        apply_patch("a\n", "just some words\n")
