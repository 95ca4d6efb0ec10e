"""Symbolic tensors: torch tensors whose elements are text files on disk, with atomic writes and in-process diff/patch."""
