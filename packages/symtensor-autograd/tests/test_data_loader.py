import pytest
import torch
from symtensor_autograd import DataLoaderError, FileBatchLoader, read_texts


@pytest.fixture
def dataset(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ["a", "b", "c"]:
        (folder / f"{name}.py").write_text(f"{name} python\n")
        (folder / f"{name}.viba").write_text(f"{name} viba\n")
    return folder


def test_batches_cover_every_pair_once_in_order(dataset, root):
    loader = FileBatchLoader.from_directory(dataset, ".py", ".viba", root, batch_size=2)
    batches = list(loader)
    assert len(loader) == len(batches) == 2
    assert [read_texts(x) for x, _ in batches] == [["a python\n", "b python\n"], ["c python\n"]]
    assert [read_texts(y) for _, y in batches] == [["a viba\n", "b viba\n"], ["c viba\n"]]


def test_inputs_are_symlinks_to_the_files(dataset, root):
    (inputs, _), *_ = FileBatchLoader.from_directory(dataset, ".py", ".viba", root, batch_size=3)
    (dataset / "a.py").write_text("changed\n")
    assert read_texts(inputs)[0] == "changed\n"


def test_shuffle_is_reproducible_with_a_seeded_generator(dataset, root):
    def order(seed):
        loader = FileBatchLoader.from_directory(
            dataset,
            ".py",
            ".viba",
            root,
            shuffle=True,
            generator=torch.Generator().manual_seed(seed),
        )
        return [read_texts(x)[0] for x, _ in loader]

    assert order(5) == order(5)
    assert sorted(order(5)) == ["a python\n", "b python\n", "c python\n"]


def test_drop_last_skips_the_short_batch(dataset, root):
    loader = FileBatchLoader.from_directory(
        dataset, ".py", ".viba", root, batch_size=2, drop_last=True
    )
    assert len(loader) == len(list(loader)) == 1


def test_a_missing_expected_file_is_named(dataset, root):
    (dataset / "b.viba").unlink()
    with pytest.raises(DataLoaderError, match=r"b\.viba"):
        FileBatchLoader.from_directory(dataset, ".py", ".viba", root)


def test_batch_size_must_be_positive(dataset, root):
    with pytest.raises(DataLoaderError, match="batch_size"):
        FileBatchLoader([(dataset / "a.py", dataset / "a.viba")], root, batch_size=0)


def test_an_empty_list_of_pairs_is_refused(root):
    with pytest.raises(DataLoaderError, match="at least one"):
        FileBatchLoader([], root)


def test_a_pair_naming_a_missing_file_is_refused(dataset, root):
    with pytest.raises(DataLoaderError, match=r"nope\.py"):
        FileBatchLoader([(dataset / "nope.py", dataset / "a.viba")], root)
