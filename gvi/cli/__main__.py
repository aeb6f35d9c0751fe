"""``python -m gvi.cli`` is the ``gvi`` command."""

import sys

from gvi.cli import main

sys.exit(main())
