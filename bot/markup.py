"""Text a person typed, made inert before a reply echoes it: no live link, mention or tag on Slack or Teams."""

from __future__ import annotations

import re

JOINER = "\u2060"  # WORD JOINER: invisible, keeps the text readable, breaks the syntax it is placed in
# after "]": "](", "][", "]:" (Markdown links); after "<": "<at>", "<a href", "<https://…|label>", "<@U1>", "<!here>"
_AFTER = re.compile(r"([\]<])")


def user_text(text: str) -> str:
    """``text`` with link, mention and tag syntax broken (the renderers' escaping still applies on top)."""
    return _AFTER.sub(rf"\1{JOINER}", text.replace(JOINER, ""))
