"""Off-topic detection: questions the knowledge base must refuse instead of answering from the nearest article."""

from __future__ import annotations

import re

_CUR = (r"(?:usd|eur|euros?|dollars?|gbp|pounds?|sterling|yen|jpy|chf|francs?|inr|rupees?|cad|aud|cny|yuan|"
        r"bucks|pesos?|krona|kronor)")

# Each pattern runs on ``text.light`` output: lower-case words separated by single spaces, no punctuation.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("injection", r"\b(?:ignore|disregard|forget|override|bypass)\b(?: \w+){0,4} "
                      r"(?:instructions?|prompts?|rules|guidelines|guardrails|directives|context|programming)\b"
                      r"|\bsystem prompt\b|\byour (?:prompt|instructions|rules|configuration|config)\b"
                      r"|\b(?:you are now|from now on you|act as (?:an? )?(?!finops)|pretend (?:to be|you)|roleplay)\b"
                      r"|\b(?:jailbreak|jailbroken|developer mode|dan mode|do anything now|sudo mode|god mode)\b"
                      r"|\b(?:reveal|print|dump|repeat|show) (?:me )?(?:your|the) (?:hidden |initial |original )?"
                      r"(?:prompt|instructions|system|rules)\b"),
        ("secret", r"\b(?:passwords?|passwd|passcodes?|credentials?|creds|api ?keys?|access ?keys?|secret ?keys?|"
                   r"client secrets?|private keys?|ssh keys?|pgp keys?|connection strings?|"
                   r"(?:api|access|bearer|auth|oauth|slack|bot|github|session|refresh|admin|root) tokens?|"
                   r"(?:mfa|2fa|otp|one time) codes?|root account login|login details|secrets? (?:manager|vault|of)"
                   r"|signing secret|aws_secret\w*|env(?:ironment)? var(?:iable)?s|dot ?env file|"
                   r"sas tokens?|keys? (?:for|to) (?:the |our )?"
                   r"(?:aws|azure|gcp|prod|production|database|billing))\b"),
        ("personal", r"\b(?:salar(?:y|ies)|home address(?:es)?|phone numbers?|mobile numbers?|social security|ssn|"
                     r"date of birth|birthdays?|medical|health records?|performance reviews?|who got fired|"
                     r"personal (?:email|data|details|info\w*)|(?:email|e mail) address(?:es)? (?:of|for)|"
                     r"(?:is|was) \w+ (?:getting fired|pregnant|sick)|how much (?:does|do) \w+ (?:earn|make))\b"),
        ("smalltalk", r"\b(?:weather|raining|rain today|snow(?:ing)?|temperature outside|sunny|umbrella|"
                      r"jokes?|funny|make me laugh|riddle|poem|haiku|song|lyrics|rap about|limerick|story about|"
                      r"football|soccer|basketball|baseball|cricket|nba|nfl|super bowl|world cup|champions league|"
                      r"who won the (?:game|match)|recipes?|cook(?:ing)?|bake|pizza|lasagna|restaurants?|movies?|"
                      r"netflix|tv shows?|horoscope|zodiac|dating|girlfriend|boyfriend|meaning of life|"
                      r"capital of|president of|prime minister|stock price|share price|bitcoin|crypto(?:currency)?|"
                      r"lottery|^(?:whats |what is )?(?:the |any )?(?:latest |todays )?news$|"
                      r"(?:world|breaking|sports) news|"
                      r"how old are you|are you (?:human|alive|sentient|a robot)|"
                      r"what time is it|whats the time|todays date|(?:whats |what is )?the date today|"
                      r"what day is (?:it|today)|what year is it|who is the (?:ceo|cfo|cto|founder|president|owner) "
                      r"of|tell me about yourself|favorite (?:color|food)|"
                      r"vacation|holiday plans|flights? to|hotel|lunch|dinner|order food|"
                      r"recommend (?:a|me a|some) (?:book|movie|film|show|series|podcast|song|game|restaurant)s?|"
                      r"cover letter|resume|cv|elections?|voting|politics|political party|"
                      r"write (?:me )?(?:an? )?(?:essay|email|letter|story|poem))\b"),
        ("conversion", rf"\bconvert (?:\d+|an? amount|money|{_CUR})\b|\b\d+ ?(?:k |m )?{_CUR} (?:to|in|into) {_CUR}\b"
                       rf"|\bhow (?:many|much) {_CUR} (?:is|are|in|for|do i get)\b|\b{_CUR} to {_CUR} (?:rate|today)\b"
                       rf"|\bexchange rates? (?:from|between|for) {_CUR}\b|\b(?:todays|current|live) exchange rates?\b"
                       r"|\bexchange rates? today\b|\bwhat is \d+ (?:percent|plus|minus|times|divided by) (?:of )?\d+\b"
                       r"|\bcalculate \d+|\b\d+ (?:plus|minus|times|divided by) \d+\b"),
        ("career", r"\b(?:(?:a|my|pay|salary) (?:raise|rise|increase|bump)|promotion|promoted|job offer|job interview"
                   r"|negotiate (?:my|a) (?:salary|offer|contract)|quit my job|get hired|performance review"
                   r"|who (?:is|are) my (?:manager|boss|director|team lead|lead|skip level|hr \w+)|who do i report to"
                   r"|(?:vacation|holiday|sick|pto|parental) (?:days?|leave)|expense reports?|burn(?:t|ed) out)\b"),
        ("data", r"\b(?:how much|what) (?:did|do|does|have|has|is|was|were|are) (?:we|our|us|i|my|the company|"
                 r"the \w+ team|team \w+|\w+ team)\b.*\b(?:spen[dt]|spending|pay|paid|cost|costs|bill(?:ed)?|"
                 r"invoiced?|charged?|burn(?:ing)?|owe)\b"
                 r"|\b(?:our|my|the company s|company) (?:total |current |monthly |annual |latest |last )?"
                 r"(?:aws |azure |gcp |cloud |snowflake )?(?:bill|invoice|spend|spending|costs?) (?:for|in|last|this|"
                 r"from|during|yesterday|today)\b"
                 r"|\b(?:show|list|give|send|export|download|pull|fetch|email)(?: me| us)? (?:all |the |our |my )?"
                 r"(?:list of )?(?:our|my|all|the (?:latest|current|last)) (?:\w+ ){0,2}(?:invoices?|bills?|"
                 r"resources|instances|vms|virtual machines|disks|volumes|snapshots|buckets|databases|accounts|"
                 r"subscriptions|reservations|tags|users|employees|contracts|anomalies|budgets|costs)\b"
                 r"|\b(?:what|how much) will (?:our|my|the|this months?|next months?) (?:\w+ )?(?:bill|spend|"
                 r"spending|costs?|invoice)\b|\b(?:our|my) (?:aws |azure |gcp |cloud )?(?:account|subscription|"
                 r"tenant|billing account|payer account|project) (?:numbers?|ids?)\b"
                 r"|\b(?:our|my) (?:current|latest|actual|real|exact|total|live) (?:\w+ ){0,3}(?:coverage|"
                 r"utilization|spend|spending|costs?|bill|savings|esr|forecast|waste|numbers?|figures?)\b"
                 r"|\b(?:which|what) (?:team|teams|department|service|account|project)s? (?:spent|spends|costs?|"
                 r"is spending|burned|wasted) (?:the )?most\b|\btop \d+ (?:most expensive|costliest)\b"
                 r"|\b(?:last|this) (?:month|quarter|week|year)s? (?:aws |azure |gcp |cloud )?"
                 r"(?:bill|invoice|spend)\b|\b(?:in|for) (?:january|february|march|april|may|june|july|august|"
                 r"september|october|november|december|q[1-4]) (?:20\d\d )?(?:bill|invoice|spend)\b"),
    )
)


def classify(text_light: str) -> str | None:
    """The off-topic category of a (``light``-normalised) question, or None when it may be a FinOps question."""
    for name, pattern in _RULES:
        if pattern.search(text_light):
            return name
    return None
