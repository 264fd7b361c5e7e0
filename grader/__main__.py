"""``python -m grader`` is ``nnkata``."""

import sys

from .cli import main

sys.exit(main())
