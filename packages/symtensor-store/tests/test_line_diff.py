import random

import pytest
from symtensor_store import line_diff
from symtensor_store.line_diff import diff_opcodes, group_opcodes
from symtensor_store.unified_diff import split_lines


def lcs_length(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
            )
    return table[0][0]


def apply_opcodes(a, b, opcodes):
    out = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
            out.extend(a[i1:i2])
        else:
            out.extend(b[j1:j2])
    return out


@pytest.mark.parametrize("seed", range(40))
def test_opcodes_are_a_minimal_edit_script(seed):
    rng = random.Random(seed)
    a = [rng.choice("abc") for _ in range(rng.randint(0, 12))]
    b = [rng.choice("abc") for _ in range(rng.randint(0, 12))]
    opcodes = diff_opcodes(a, b)
    assert apply_opcodes(a, b, opcodes) == b
    equal = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == "equal")
    assert equal == lcs_length(a, b)


def test_large_edit_distance_falls_back_to_sequence_matcher(monkeypatch):
    monkeypatch.setattr(line_diff, "MAX_EDIT_DISTANCE", 1)
    a, b = list("abcdefgh"), list("xbcyefgz")
    assert apply_opcodes(a, b, diff_opcodes(a, b)) == b


def test_grouping_merges_changes_closer_than_twice_the_context():
    a = list("abcdefghij")
    near = a.copy()
    near[1], near[6] = "X", "Y"  # 4 equal lines apart: one hunk with context 2
    assert len(list(group_opcodes(diff_opcodes(a, near), 2))) == 1
    far = a.copy()
    far[0], far[9] = "X", "Y"  # 8 equal lines apart: two hunks
    assert len(list(group_opcodes(diff_opcodes(a, far), 2))) == 2


def test_split_lines_breaks_only_on_newline():
    assert split_lines("a\r\nb\rc\u2028d\n\ne") == ["a\r\n", "b\rc\u2028d\n", "\n", "e"]
    assert split_lines("") == []
    assert split_lines("x\n") == ["x\n"]
