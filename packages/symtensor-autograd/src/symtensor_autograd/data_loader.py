"""Batches of (input, expected) symbolic tensors made from pairs of files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
from symtensor_store import make_tensor

from symtensor_autograd.errors import DataLoaderError


class FileBatchLoader:
    """Iterates over ``(input, expected)`` batches of 1-D symbolic tensors built from files.

    Inputs are symbolic links to the input files (so the tensors show the files' current text);
    expected texts are copied. Each epoch visits every pair once, shuffled with ``generator``
    when ``shuffle`` is set; the last batch may be shorter unless ``drop_last``.
    """

    def __init__(
        self,
        pairs: Sequence[tuple[Path | str, Path | str]],
        root: Path | str,
        *,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: torch.Generator | None = None,
    ) -> None:
        if batch_size < 1:
            raise DataLoaderError(f"batch_size must be >= 1, got {batch_size}")
        if not pairs:
            raise DataLoaderError("FileBatchLoader needs at least one (input, expected) file pair")
        self.pairs = [(Path(a), Path(b)) for a, b in pairs]
        for input_path, expected_path in self.pairs:
            for path in (input_path, expected_path):
                if not path.is_file():
                    raise DataLoaderError(f"{path}: not a readable file")
        self.root = Path(root)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator

    @classmethod
    def from_directory(
        cls,
        directory: Path | str,
        input_suffix: str,
        expected_suffix: str,
        root: Path | str,
        **kwargs,
    ) -> FileBatchLoader:
        """Pairs ``name<input_suffix>`` with ``name<expected_suffix>`` in ``directory`` (sorted by name)."""
        directory = Path(directory)
        inputs = sorted(directory.glob(f"*{input_suffix}"))
        pairs = []
        for input_path in inputs:
            stem = input_path.name[: -len(input_suffix)]
            expected = directory / f"{stem}{expected_suffix}"
            if not expected.is_file():
                raise DataLoaderError(
                    f"{input_path} has no matching {expected.name} in {directory}"
                )
            pairs.append((input_path, expected))
        return cls(pairs, root, **kwargs)

    def __len__(self) -> int:
        full, rest = divmod(len(self.pairs), self.batch_size)
        return full if self.drop_last or not rest else full + 1

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = (
            torch.randperm(len(self.pairs), generator=self.generator).tolist()
            if self.shuffle
            else list(range(len(self.pairs)))
        )
        for start in range(0, len(order), self.batch_size):
            chosen = [self.pairs[k] for k in order[start : start + self.batch_size]]
            if self.drop_last and len(chosen) < self.batch_size:
                return
            inputs = make_tensor([a for a, _ in chosen], self.root, symlink=True)
            expected = make_tensor([b for _, b in chosen], self.root)
            yield inputs, expected
