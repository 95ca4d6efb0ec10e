"""The one configuration object: DAG depth and the digit limits of its initial numbers."""

from dataclasses import dataclass

MAX_PLACES = 15
"""Largest ``max_digits + max_decimals``: float64 holds every integer below ``10**15`` exactly
(``2**53`` is about ``9.007e15``), which the executor needs to give correctly rounded numbers."""


@dataclass(frozen=True)
class DagConfig:
    """Size of the fixed DAG tensors.

    depth:        d, the number of operation steps. The DAG has ``d + 1`` initial nodes (the
                  numbers of the expression) and ``d`` step nodes, ``2d + 1`` nodes in all.
    max_digits:   M, integer digits of every initial number (so ``|x| < 10**M``).
    max_decimals: K, decimal places of every initial number (so ``x * 10**K`` is an integer).
                  ``M + K <= 15``, so that every number executes to its correctly rounded float64.
    """

    depth: int = 4
    max_digits: int = 4
    max_decimals: int = 4

    def __post_init__(self) -> None:
        if self.depth < 1:
            raise ValueError(f"DagConfig.depth must be >= 1, got {self.depth}")
        if self.max_digits < 1 or self.max_decimals < 0:
            raise ValueError(
                "DagConfig needs max_digits >= 1 and max_decimals >= 0, got "
                f"{self.max_digits} and {self.max_decimals}"
            )
        if self.max_digits + self.max_decimals > MAX_PLACES:
            raise ValueError(
                f"DagConfig needs max_digits + max_decimals <= {MAX_PLACES} (float64 holds "
                f"15-digit integers exactly, not more), got {self.max_digits} + {self.max_decimals}"
            )

    @property
    def num_initial(self) -> int:
        """Number of initial (number) nodes, ``depth + 1``."""
        return self.depth + 1

    @property
    def num_nodes(self) -> int:
        """Total number of nodes, ``2 * depth + 1``."""
        return 2 * self.depth + 1

    @property
    def num_places(self) -> int:
        """Digit places of an initial number, ``max_digits + max_decimals``."""
        return self.max_digits + self.max_decimals


DEFAULT_CONFIG = DagConfig()
"""The default configuration (depth 4, 4 integer digits, 4 decimals)."""
