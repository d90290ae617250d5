"""``python -m kgdiag``: the same as the ``kgdiag`` command."""

import sys

from kgdiag.cli import main

sys.exit(main())
