"""The conventions every console script of this line keeps (dag-exec, predictor-train).

symtensor-store's and neural-structures' lines keep the same few lines in their own
``console`` module: the three lines do not depend on each other.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence

Main = Callable[[Sequence[str] | None], int]


def interruptible(prog: str, hint: str = "") -> Callable[[Main], Main]:
    """Decorate a console script's ``main(argv) -> status``: Ctrl-C ends it with status 130
    and one line, ``<prog>: interrupted<hint>``, instead of a KeyboardInterrupt traceback."""

    def decorate(main: Main) -> Main:
        @functools.wraps(main)
        def run(argv: Sequence[str] | None = None) -> int:
            try:
                return main(argv)
            except KeyboardInterrupt:
                print(f"{prog}: interrupted{hint}", file=sys.stderr)
                return 130

        return run

    return decorate
