"""Pure step logic of the assessment conversation: parse typed answers and buttons, pick capabilities, ask."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.assessment.info import AssessmentInfo
from bot.assessment.model import (
    CAPABILITY_BY_ID,
    DOMAINS,
    LENSES,
    QUICK_DEFAULT,
    QUICK_MAX,
    QUICK_MIN,
    Capability,
    Lens,
    domain_capabilities,
    domain_name,
    find_capability,
    find_domain,
    question_at,
)
from bot.models import Choice, Reply
from bot.text import normalize

ACTIONS = ("skip", "back", "why", "pause")
BUTTON = re.compile(r"^assess:(\d{1,12}):(\d{1,4}):([0-4]|skip|back|why|pause)$")
WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10}
_PREFIX = re.compile(r"^(?:(?:i'?d say|i would say|i think|we are|we're|it'?s|probably|maybe|about|around|"
                     r"answer|level|lvl|score|a|an)\b\s*:?\s*)+")
_NUMBER = re.compile(r"^(-?\d+(?:[.,]\d+)?|[a-z]+)\s*(?:/\s*4|out of (?:4|four))?[.!]*$")
_KEYWORDS = (
    ("skip", re.compile(r"^(?:skip|pass|next|don'?t know|do not know|dunno|idk|not sure|no idea|n/?a)"
                        r"(?: (?:this|it|this one|question))?[.!]*$")),
    ("back", re.compile(r"^(?:back|go back|previous|prev|undo|change (?:my |the )?(?:previous|last) answer)[.!]*$")),
    ("why", re.compile(r"^(?:why|explain|what does (?:this|that|it) mean|what do you mean|meaning|"
                       r"what is (?:this|that) lens|explain (?:this|that|the lens)|more info|details)\s*\??[.!]*$")),
    ("pause", re.compile(r"^(?:pause|later|continue later|pause (?:the )?assessment|take a break|brb)[.!]*$")),
    ("repeat", re.compile(r"^(?:resume|continue|repeat|again|where was i|progress|status|"
                          r"resume (?:the |my )?assessment|continue (?:the |my )?assessment)[.!?]*$")),
)


@dataclass(frozen=True)
class Answer:
    """What a typed answer or a button means: level (with ``level``), skip, back, why, pause, repeat,
    out_of_range (a number outside 0-4) or unclear."""

    kind: str
    level: int | None = None


@dataclass(frozen=True)
class Press:
    """A level or action button: which assessment, which question, what."""

    assessment: int
    question: int
    answer: Answer


def parse_button(text: str) -> Press | None:
    """Decode ``assess:<id>:<question>:<level|action>``."""
    m = BUTTON.match(text.strip())
    if m is None:
        return None
    value = m.group(3)
    answer = Answer("level", int(value)) if value.isdigit() else Answer(value)
    return Press(int(m.group(1)), int(m.group(2)), answer)


def parse_answer(text: str, lens: Lens | None = None) -> Answer:
    """A typed answer: "3", "three", "level 2", "skip", "back", "why?", "pause"; never a guess."""
    if re.match(r"^\s*[-−]\s*\d", text):
        return Answer("out_of_range")
    said = normalize(text)
    for kind, pattern in _KEYWORDS:
        if pattern.match(said):
            return Answer(kind)
    if lens is not None:
        names = [level.split(":")[0].strip().lower() for level in lens.levels]
        if said.rstrip(".!") in names:
            return Answer("level", names.index(said.rstrip(".!")))
    m = _NUMBER.match(_PREFIX.sub("", said))
    if m is None:
        return Answer("unclear")
    token = m.group(1)
    if token in WORDS:
        value = WORDS[token]
    elif re.fullmatch(r"-?\d+", token):
        value = int(token)
    else:
        return Answer("out_of_range") if re.fullmatch(r"-?\d+[.,]\d+", token) else Answer("unclear")
    return Answer("level", value) if 0 <= value <= 4 else Answer("out_of_range")


def question_reply(info: AssessmentInfo, note: str | None = None) -> Reply:
    """Question ``info.position``: progress, the five level descriptions and buttons 0-4 plus actions."""
    q = info.position
    cap, lens = question_at(info.capabilities, q)
    lines = [note] if note else []
    lines.append(f"Question {q + 1} / {info.total} · {cap.name} · {lens.name} lens")
    lines.append(lens.question.format(cap=cap.name, team=info.team_name))
    lines += [f"{n}. {text}" for n, text in enumerate(lens.levels)]
    if q in info.answers:
        previous = info.answers[q]
        lines.append(f"(Your earlier answer: {'skipped' if previous is None else previous}.)")
    lines.append("Answer 0-4, or say skip, back, why? or pause.")
    levels = tuple(Choice(str(n), f"assess:{info.id}:{q}:{n}") for n in range(5))
    actions = tuple(Choice(label, f"assess:{info.id}:{q}:{value}") for label, value in
                    (("Skip", "skip"), ("Back", "back"), ("Why?", "why"), ("Pause", "pause")) if value != "back" or q)
    return Reply("\n".join(lines), title=f"{info.team_name}: {cap.name} ({q + 1} / {info.total})",
                 choices=levels + actions)


def explain_lens(lens: Lens, cap: Capability) -> str:
    """Our own explanation of a lens (used when the knowledge base has no article)."""
    return (f"The {lens.name} lens looks at {lens.meaning}. For {cap.name}, level 0 means "
            f"“{lens.levels[0].split(': ', 1)[1].rstrip('.')}” and level 4 means "
            f"“{lens.levels[4].split(': ', 1)[1].rstrip('.')}”.")


@dataclass(frozen=True)
class CapabilityPick:
    """The capabilities chosen, or why not (``problem``) with ``suggestions`` for unknown names."""

    capabilities: tuple[str, ...] = ()
    problem: str | None = None
    suggestions: tuple[Capability, ...] = ()


_SPLIT = re.compile(r"\s*(?:,|;|\band\b(?! (?:workload|saas|benchmarking|chargeback|enablement|analytics|"
                    r"estimating|services|risk|governance|finance|cost))|\+|\n)\s*")


def pick_capabilities(text: str, previous: tuple[str, ...] = ()) -> CapabilityPick:
    """"quick", "same", "full optimize", "full", or 3-5 typed names (fuzzy matched)."""
    said = normalize(text).rstrip(".!?")
    if said in ("quick", "quick set", "default", "suggested", "ok", "yes", "the suggested set", "quick assessment"):
        return CapabilityPick(QUICK_DEFAULT)
    if said in ("same", "same as last time", "again") and previous:
        return CapabilityPick(previous)
    if said in ("full", "full assessment", "all", "everything", "full framework"):
        return CapabilityPick(tuple(CAPABILITY_BY_ID))
    if said.startswith("full "):
        domain = find_domain(said.removeprefix("full ").strip())
        if domain is None:
            names = ", ".join(f"full {key}" for key, _, _ in DOMAINS)
            return CapabilityPick(problem=f"I don't know that domain. Say one of: {names}, or just “full”.")
        return CapabilityPick(domain_capabilities(domain))
    found: list[str] = []
    for part in (p for p in _SPLIT.split(said) if p.strip()):
        cap, suggestions = find_capability(part)
        if cap is None:
            hint = (f" Did you mean {', '.join(s.name for s in suggestions)}?" if suggestions else
                    " Say “quick” for the suggested set, or name capabilities such as Allocation or Forecasting.")
            return CapabilityPick(problem=f"I don't know a capability called “{part[:60]}”.{hint}",
                                  suggestions=tuple(suggestions))
        if cap.id not in found:
            found.append(cap.id)
    if not QUICK_MIN <= len(found) <= QUICK_MAX:
        return CapabilityPick(tuple(found), problem=(
            f"A quick assessment takes {QUICK_MIN} to {QUICK_MAX} capabilities (you named {len(found)}). "
            "Name a few more, say “quick” for the suggested set, or “full <domain>” for a whole domain."))
    return CapabilityPick(tuple(found))


def capabilities_prompt(team: str, previous: tuple[str, ...] = (), note: str | None = None) -> Reply:
    """Ask which capabilities to assess, with the suggested quick set first."""
    quick = ", ".join(CAPABILITY_BY_ID[c].name for c in QUICK_DEFAULT)
    lines = [note] if note else []
    lines.append(f"Which capabilities should we assess for {team}? The quick set is {quick} "
                 f"({len(QUICK_DEFAULT) * len(LENSES)} questions, a few minutes).")
    choices = [Choice(f"Quick set: {quick}"[:75], "quick", "primary")]
    if previous:
        same = ", ".join(CAPABILITY_BY_ID[c].name for c in previous)
        lines.append(f"Last time you assessed {same}; “same” repeats it, so the trend stays comparable.")
        choices.insert(0, Choice(f"Same as last time ({len(previous)})", "same", "primary"))
    lines.append(f"Or name {QUICK_MIN}-{QUICK_MAX} capabilities (e.g. “forecasting, budgeting, unit economics”), "
                 "or say “full <domain>” (" + ", ".join(k for k, _, _ in DOMAINS) + ") or “full”.")
    choices += [Choice(f"Full: {domain_name(k)}", f"full {k}") for k, _, _ in DOMAINS]
    return Reply("\n".join(lines), title=f"Maturity assessment: {team}", choices=tuple(choices))
