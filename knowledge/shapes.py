"""Question shapes the search treats specially: a role asking, a comparison, people mentioned as context."""

from __future__ import annotations

import re

# a person the asker mentions ("my manager keeps saying it") is context, not the subject of the question
MENTIONED = re.compile(r"\b(?:my|our) (?:boss|bosses|manager|managers|director|team lead|lead|supervisor|"
                       r"cto|cfo|ceo|cio|vp|coworkers?|colleagues?|higher ups|execs?|leadership|management)\b")
# ... and so is the audience of an explanation ("finops explained for a new engineer")
AUDIENCE = re.compile(r"\b(explained|explain it|explanation|intro|introduction|summary|primer|eli5) (?:for|to) "
                      r"(?:an? |my |our |the )?(?:new |junior |non technical )?\w+$")
# how-to wording about running something: a capability rather than the term it is named after
PROCESS = re.compile(r"\b(?:run|running|implement\w*|setup|operate|operating|operationali[sz]e|rollout|"
                     r"establish\w*|workflow|automate|organi[sz]e|manage|managing)\b")
DEFINING = re.compile(r"^(?:whats|what is|what are|what does|define|meaning)\b|\b(?:mean|means|definition)\b")
PERSONA = re.compile(
    r"^(?:as an?|as the|im an?|i am an?|speaking as an?|being an?|for an?|from an?)\s+"
    r"(?P<who>(?:\w+\s+){0,3}?(?:owner|manager|engineer|developer|dev|analyst|practitioner|lead|leader|executive|"
    r"exec|cfo|cto|cio|ceo|vp|architect|controller|accountant|buyer|officer|sre|pm|po|director|person|"
    r"finance|procurement|sustainability|security|itam|tbm|itsm|leadership|team))\b\s*(?P<rest>.*)$")
ROLE_QUESTION = re.compile(
    r"^(?:what|how|why) (?:does|do|should|can|would|will) (?:an? |the |our )?(?P<who>[a-z ]{2,40}?) "
    r"(?:do|contribute|need|want|expect|bring|fit|help|care|own)\b(?P<rest>.*)$")
ROLE_OF = re.compile(r"^(?:whats |what is |what are )?(?:the )?roles? of (?:an? |the )?(?P<who>[a-z ]{2,30}?)"
                     r"(?P<rest>(?: in| for| within| on) .*)?$")
NOT_WHO = frozenset(("i", "we", "you", "they", "it", "this", "that", "people", "teams", "team", "everyone",
                    "someone", "companies", "organizations"))
VERSUS = re.compile(r"^(?:.*?\b(?:difference|diff) between (?P<left>.+?) and |(?P<first>.+?) "
                    r"(?:vs|versus|compared to|compared with|better than|worse than|instead of|rather than)\b)"
                    r"(?P<right>.+)$")
