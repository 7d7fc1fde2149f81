"""``python -m bot`` is the same as ``finops-bot``."""

import sys

from bot.cli import main

sys.exit(main())
