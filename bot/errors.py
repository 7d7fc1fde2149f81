"""Errors whose message is meant for the person at the keyboard (printed as one line, no traceback)."""


class UserError(Exception):
    """Bad input to a command: the message says what is wrong and how to fix it."""
