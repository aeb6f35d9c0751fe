"""``python -m gvi`` is the ``gvi`` command."""

import sys

from gvi.cli import main

sys.exit(main())
