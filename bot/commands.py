"""What the command line hands a feature command: the composition root's builders.

Feature commands (``finops-bot costs``, ``nudge``, ``survey``, ``teams-package`` …) live beside their feature, but
building the whole bot is the composition root's job (bot/app.py), and a feature package that imported it would
import every other feature and the adapters with it. So the entry point, bot/cli.py, puts a ``Builders`` on the
parsed arguments and the command asks for it with ``builders(args)``. The results are typed ``Any`` on purpose:
naming ``Services`` or ``Bot`` here would make every feature depend on all the others.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.config import Settings


@dataclass(frozen=True)
class Builders:
    """Lazy builders from the composition root (nothing heavy is imported until a command calls one)."""

    services: Callable[[Settings], Any]  # bot.services.Services over a migrated database, no demo data
    bot: Callable[[Settings], Any]  # bot.runtime.Bot over a migrated database, no demo data
    intents: Callable[[], tuple[type, ...]]  # the intent classes the bot answers with (intents.INTENTS)


def builders(args: argparse.Namespace) -> Builders:
    """The builders bot/cli.py set on the parsed arguments."""
    found = getattr(args, "builders", None)
    if not isinstance(found, Builders):
        raise RuntimeError("feature commands run through bot.cli.main, which sets args.builders")
    return found
