import pytest
import torch
from neural_structures import atomic_torch_save


class Unpicklable:
    def __reduce__(self):
        raise RuntimeError("refuses to be pickled")


def test_saved_payload_loads_back(tmp_path):
    atomic_torch_save({"x": torch.arange(3)}, tmp_path / "a.pt")
    assert torch.load(tmp_path / "a.pt", weights_only=True)["x"].tolist() == [0, 1, 2]


def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "a.pt"
    atomic_torch_save({"x": torch.zeros(2)}, path)
    with pytest.raises(RuntimeError, match="refuses to be pickled"):
        atomic_torch_save({"x": Unpicklable()}, path)
    assert torch.load(path, weights_only=True)["x"].tolist() == [0.0, 0.0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pt"]
