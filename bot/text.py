"""Small text helpers shared by the router, flows and intents (normalising, filler removal, question detection)."""

from __future__ import annotations

import re
import unicodedata

_FILLER = re.compile(
    r"^(?:(?:hey|hi|hello|yo|ok|okay|so|please|pls|plz|quick q|quick question|question|q)\b[\s,:!.-]*)+"
    r"|(?:\b(?:please|pls|plz|thanks|thank you|thx)\b[\s!.?]*)+$",
    re.IGNORECASE,
)
_MENTION = re.compile(r"<@[^>]+>|@finops[-_ ]?bot\b|\bfinops[-_ ]?bot\b[,:]?", re.IGNORECASE)


def normalize(text: str) -> str:
    """Lower-case, accents folded, mentions and greetings removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _MENTION.sub(" ", text)
    text = " ".join(text.split()).strip()
    text = _FILLER.sub("", text).strip(" ,:;-")
    return text.lower()


_ASKS = frozenset(("what", "whats", "what's", "who", "whos", "who's", "how", "hows", "why", "when", "where", "which",
                   "can", "could", "should", "would", "is", "are", "do", "does", "did", "explain", "tell", "show",
                   "define", "give", "list", "any"))


def is_question(text: str) -> bool:
    """Whether a message reads as a question or a request ("what is…", "…?", "explain…"), not a remark."""
    said = normalize(text)
    first = said.split(" ", 1)[0] if said else ""
    return said.endswith("?") or first in _ASKS


def user_ref_from(token: str, platform: str) -> str:
    """A Slack mention ``<@U123>`` as ``slack:U123``; platform-qualified ids pass through unchanged."""
    mention = re.fullmatch(r"<@([A-Z0-9]+)>", token)
    return f"{platform}:{mention.group(1)}" if mention else token


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters, digits, &, +, %)."""
    return re.findall(r"[a-z0-9&+%]+", normalize(text))


def form_text(problem: str, intro: str, one_line: str) -> str:
    """The text above a form: the problem to fix (when it came back filled in) or what it is for, then the
    one-line command that does the same (the text must be complete without the form)."""
    return (f"{problem} Please check the form." if problem else intro) + f"\nIn one line: {one_line}"
