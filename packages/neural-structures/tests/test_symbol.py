import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from neural_structures import (
    CheckpointError,
    StateShapeError,
    SymbolEncodingError,
    SymbolSpace,
    UnknownSymbolError,
    UnresolvedVectorError,
    decode_symbol,
    encode_symbol,
)

literal = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.binary(max_size=4),
    lambda inner: st.tuples(inner, inner) | st.frozensets(inner, max_size=3),
    max_leaves=6,
)


@pytest.mark.slow  # ~5 s: a 10,000 x 10,000 x 2048 similarity matmul
def test_unproject_of_project_is_identity_for_10000_symbols_at_default_size():
    torch.set_num_threads(2)  # a big matmul: worth both cores (conftest restores the count)
    symbols = [f"sym{i}" for i in range(5000)] + list(range(5000))
    space = SymbolSpace()
    vectors = space.project_many(symbols)
    assert space.vec_size == 2048
    assert vectors.shape == (10_000, 2048)
    assert space.unproject(vectors) == symbols


def test_vector_depends_only_on_seed_and_symbol_not_insertion_order():
    forward = SymbolSpace(vec_size=64, symbols=["a", "b", "c"])
    backward = SymbolSpace(vec_size=64, symbols=["c", "b", "a"])
    assert torch.equal(forward.project("a"), backward.project("a"))
    assert not torch.equal(forward.project("a"), SymbolSpace(64, seed=1).project("a"))


def test_add_is_idempotent_and_returns_index():
    space = SymbolSpace(vec_size=16)
    assert space.add("x") == 0
    assert space.add("y") == 1
    assert space.add("x") == 0
    assert space.symbols == ["x", "y"]
    assert space.vectors.shape == (2, 16)


def test_vectors_are_unit_norm_and_nearly_orthogonal():
    space = SymbolSpace(symbols=range(50))
    gram = space.vectors @ space.vectors.T
    assert torch.allclose(gram.diagonal(), torch.ones(50), atol=1e-5)
    assert gram.fill_diagonal_(0).abs().max() < 0.15


def test_unproject_keeps_leading_dimensions():
    space = SymbolSpace(vec_size=128, symbols="abcdef")
    batch = space.project_many("abcdef").reshape(2, 3, 128)
    assert space.unproject(batch) == [["a", "b", "c"], ["d", "e", "f"]]
    assert space.unproject(space.project("e")) == "e"


def test_unproject_returns_none_below_threshold():
    space = SymbolSpace(vec_size=256, symbols=["a", "b"])
    noise = SymbolSpace(vec_size=256, seed=99).project("unrelated")
    found = space.unproject(torch.stack([space.project("b"), noise]), threshold=0.5)
    assert found == ["b", None]


def test_unproject_strict_raises_naming_the_position():
    space = SymbolSpace(vec_size=256, symbols=["a"])
    noise = SymbolSpace(vec_size=256, seed=99).project("unrelated")
    with pytest.raises(UnresolvedVectorError, match="position 1"):
        space.unproject(torch.stack([space.project("a"), noise]), threshold=0.5, strict=True)


def test_unproject_tolerates_noise():
    space = SymbolSpace(symbols=range(100))
    noisy = space.project_many(range(100)) + 0.02 * torch.randn(100, 2048)
    assert space.unproject(noisy) == list(range(100))


def test_similarity_is_cosine_and_differentiable():
    space = SymbolSpace(vec_size=32, symbols=["a", "b"])
    query = (3.0 * space.project("a")).requires_grad_()
    sim = space.similarity(query)
    assert sim.shape == (2,)
    assert sim[0].item() == pytest.approx(1.0, abs=1e-5)
    sim[1].backward()
    assert query.grad is not None and query.grad.abs().sum() > 0


def test_wrong_vector_size_is_a_shape_error():
    space = SymbolSpace(vec_size=32, symbols=["a"])
    with pytest.raises(StateShapeError, match=r"\(\.\.\., 32\)"):
        space.unproject(torch.zeros(4, 31))


def test_index_of_unknown_symbol_raises():
    with pytest.raises(UnknownSymbolError, match="'missing'"):
        SymbolSpace(vec_size=8).index("missing")


def test_unproject_on_empty_space_raises():
    with pytest.raises(UnknownSymbolError, match="no symbols"):
        SymbolSpace(vec_size=8).unproject(torch.zeros(8))


def test_unhashable_symbol_raises():
    with pytest.raises(UnknownSymbolError, match="hashable"):
        SymbolSpace(vec_size=8).add(["a", "list"])


@given(literal)
def test_symbol_encoding_roundtrips(symbol):
    assert decode_symbol(encode_symbol(symbol)) == symbol


def test_state_dict_roundtrips_symbols_and_vectors():
    symbols = ["a", 1, 2.5, None, False, ("pair", 3), frozenset({"x", "y"}), b"\x00"]
    source = SymbolSpace(vec_size=64, seed=7, symbols=symbols)
    target = SymbolSpace(vec_size=64)
    target.load_state_dict(source.state_dict())
    assert target.symbols == symbols
    assert target.seed == 7
    assert torch.equal(target.vectors, source.vectors)
    assert torch.equal(target.project("new"), source.project("new"))


def test_state_dict_nested_in_a_parent_module():
    parent = torch.nn.Module()
    parent.space = SymbolSpace(vec_size=16, symbols=["p", "q"])
    state = parent.state_dict()
    assert set(state) == {"space.vectors", "space._extra_state"}
    other = torch.nn.Module()
    other.space = SymbolSpace(vec_size=16)
    other.load_state_dict(state)
    assert other.space.symbols == ["p", "q"]


def test_load_state_dict_with_wrong_vec_size_raises():
    with pytest.raises(CheckpointError, match="vec_size 16"):
        SymbolSpace(vec_size=32).load_state_dict(SymbolSpace(16, symbols="a").state_dict())


def test_save_and_load_file(tmp_path):
    source = SymbolSpace(vec_size=32, seed=3, symbols=["a", ("b", 2)], dtype=torch.float64)
    path = tmp_path / "space.pt"
    source.save(path)
    loaded = SymbolSpace.load(path)
    assert loaded.symbols == source.symbols
    assert loaded.dtype == torch.float64
    assert torch.equal(loaded.vectors, source.vectors)
    assert [p.name for p in tmp_path.iterdir()] == ["space.pt"]


def test_load_of_garbage_file_raises(tmp_path):
    path = tmp_path / "bad.pt"
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a saved SymbolSpace"):
        SymbolSpace.load(path)


def test_saving_an_unencodable_symbol_raises():
    space = SymbolSpace(vec_size=8, symbols=[object.__new__(type("Opaque", (), {}))])
    with pytest.raises(SymbolEncodingError, match="Opaque"):
        space.state_dict()


def test_to_dtype_moves_the_codebook():
    space = SymbolSpace(vec_size=8, symbols="ab").to(torch.float64)
    assert space.vectors.dtype == torch.float64
    assert space.project("c").dtype == torch.float64
