"""Answers an adapter gives by itself, when a message has nothing the router could read."""

from __future__ import annotations

from bot.models import Choice, Reply

IMAGE_ONLY = Reply("I can only read text, so I can't look at pictures or files. Ask me in words, for example "
                   "“what is showback?” or “budget status”, or type “help” to see everything I can do.",
                   choices=(Choice("What is showback?", "what is showback?"), Choice("Help", "help")))
