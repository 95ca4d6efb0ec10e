"""``python -m viba_trainer`` is ``viba-train``."""

import sys

from viba_trainer.cli import main

sys.exit(main())
