"""Follow-ups about the last knowledge topic ("tell me more", "who is responsible for that?", "next?").

These read the conversation, not the world: a short grammar over the last topic, checked before the model.
"""

from __future__ import annotations

import re

from knowledge.text import light

_THAT = r"(?:it|that|this|those|these|them|the (?:above|last one|same))"
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("more", r"^(?:(?:can you |could you |please )?(?:tell me|say|explain|show me) more(?: about " + _THAT
                 + r")?|more(?: please| details| detail| info)?|go on|keep going|elaborate(?: on " + _THAT + r")?|"
                 r"what else|more on " + _THAT + r"|(?:give me )?(?:more )?details|expand on " + _THAT + r"|and)$"),
        ("who", r"^(?:and |so )?who(?:s| is| s| are| should be| would be)? (?:responsible|accountable|in charge|"
                r"involved|owns?|does|handles?|drives?|runs?|leads?|cares?|should care)(?: (?:for|of|about|in|with))?"
                r"(?: " + _THAT + r")?$"),
        ("next", r"^(?:and |so |ok )?(?:what(?:s| s| is| comes)? )?(?:the )?(?:next|after (?:that|this))"
                 r"(?: one| phase| stage| step| level| lens| domain)?(?: after " + _THAT + r")?$"),
        ("previous", r"^(?:and |so )?(?:what(?:s| s| is| comes)? )?(?:the )?(?:previous|before (?:that|this)|prior)"
                     r"(?: one| phase| stage| step| level| lens| domain)?$"),
        ("measure", r"^(?:and )?(?:how (?:do|would|can|should) (?:i|we|you) measure " + _THAT + r"|"
                    r"(?:what are )?(?:the )?(?:kpis|metrics|measures) for " + _THAT + r")$"),
        ("sources", r"^(?:sources?|where (?:is|does) " + _THAT + r" (?:from|come from)|whats the source|citation)$"),
        ("example", r"^(?:and |so |ok )?(?:(?:can you |could you )?(?:give|show) (?:me |us )?|got |do you have |any )?"
                    r"(?:an? |some )?(?:example|examples|worked example)(?: please)?(?: of " + _THAT + r")?$"),
        ("how", r"^(?:and |so |ok )?(?:how (?:do|would|can|should) (?:i|we|you) )?getstarted(?: with " + _THAT + r")?$|"
                r"^(?:and |so |ok )?how (?:do|would|can|should) (?:i|we|you) (?:start|begin|do " + _THAT
                + r"|implement " + _THAT + r"|set " + _THAT + r" up)(?: with " + _THAT + r")?$"),
        ("pitfalls", r"^(?:and |so )?(?:any |what are the |the |common )?(?:pitfalls|mistakes|risks|gotchas)"
                     r"(?: to avoid)?(?: with " + _THAT + r")?$"),
    )
)


def followup_kind(text: str) -> str | None:
    """Which follow-up the message is, or None when it is a question of its own."""
    said = light(text).rstrip()
    return next((kind for kind, pattern in _KINDS if pattern.match(said)), None)
