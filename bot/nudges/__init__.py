"""Nudges: messages practitioners send now, later or on a schedule."""
