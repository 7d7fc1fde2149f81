"""Entities in a message: team, periods, services/providers/regions/accounts, column, breakdown, people, amounts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.understanding.context import ParseContext
from bot.understanding.periods import periods
from bot.understanding.types import Amount, Entities

DATA = Path(__file__).with_name("data")
_MENTION = re.compile(r"<@([^>|\s]+)(?:\|[^>]*)?>")
_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP", "usd": "USD", "eur": "EUR", "gbp": "GBP", "dollars": "USD",
             "euros": "EUR", "euro": "EUR", "pounds": "GBP", "chf": "CHF", "jpy": "JPY", "inr": "INR", "cad": "CAD"}
_AMOUNT = re.compile(r"(?P<pre>[$€£])?\s?(?P<num>\d[\d,]*(?:\.\d+)?)\s?(?P<mult>k|m|thousand|million)?\b\s?"
                     r"(?P<cur>usd|eur|gbp|chf|jpy|inr|cad|dollars|euros?|pounds)?\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.:-])\d+(?:\.\d+)?(?![\w-])")
_TOP = re.compile(r"\b(?:top|biggest|largest|highest|most expensive) (?P<n>\d{1,3}|[a-z]+)\b|"
                  r"\b(?P<m>\d{1,3}) (?:biggest|largest|most expensive|top)\b")
_TEAM_WORD = re.compile(r"\b(?P<name>[\w][\w&.-]*(?: [\w&.-]+)?)(?:'s|s')? (?:team|squad)\b")


@dataclass(frozen=True)
class Lexicon:
    """The word lists from ``data/*.yaml``: everyday service names, categories, providers, columns, breakdowns."""

    services: Mapping[str, tuple[str, str, str]]  # name → (ServiceName, ServiceCategory, ProviderName)
    categories: Mapping[str, str]
    providers: Mapping[str, str]
    self_team: tuple[str, ...]
    columns: Mapping[str, str]
    dimensions: Mapping[str, str]
    numbers: Mapping[str, int]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Read the data files once."""
    svc = yaml.safe_load((DATA / "services.yaml").read_text(encoding="utf-8"))
    words = yaml.safe_load((DATA / "words.yaml").read_text(encoding="utf-8"))
    services = {n: (s["service"], s["category"], s["provider"]) for s in svc["services"] for n in s["names"]}

    def flip(table: Mapping[str, list[str]]) -> dict[str, str]:
        return {w: key for key, ws in table.items() for w in ws}

    return Lexicon(services, flip(svc["categories"]), flip(svc["providers"]), tuple(words["self_team"]),
                   flip(words["columns"]), flip(words["dimensions"]), dict(words["numbers"]))


@lru_cache(maxsize=256)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def _find(text: str, table: Iterable[str]) -> str | None:
    """The first phrase of ``table`` found in ``text`` on word boundaries (longer phrases win at one place)."""
    phrases = tuple(table)
    if not phrases:
        return None
    m = _pattern(phrases).search(text)
    return m.group(0) if m else None


def find_team(text: str, teams: Mapping[str, tuple[str, ...]]) -> str | None:
    """A team of the directory named in the text: exact name or alias, else a close spelling ("serch team")."""
    names = {" ".join(n.lower().replace("-", " ").replace("_", " ").split()): team
             for team, aliases in teams.items() for n in (team, *aliases)}
    flat = " ".join(text.replace("-", " ").replace("_", " ").replace("'s ", " ").split())
    if hit := _find(flat, names):
        return names[hit]
    said = [m["name"] for m in _TEAM_WORD.finditer(flat)]  # "the serch team's budget" → "serch"
    words = flat.split()
    grams = said + [" ".join(words[i:i + n]) for n in (2, 1) for i in range(len(words) - n + 1)]
    grams = [g for g in grams if len(g) >= 4]
    best = None
    for gram in grams:
        m = process.extractOne(gram, list(names), scorer=fuzz.ratio, score_cutoff=84)
        if m is not None and (best is None or m[1] > best[1]):
            best = m
    return names[best[0]] if best else None


def _amounts(text: str) -> tuple[Amount, ...]:
    out = []
    for m in _AMOUNT.finditer(text):
        pre, cur, mult = m["pre"], (m["cur"] or "").lower(), (m["mult"] or "").lower()
        if not (pre or cur or mult):
            continue
        value = float(m["num"].replace(",", ""))
        value *= {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get(mult, 1.0)
        out.append(Amount(value, _CURRENCY.get(pre or cur)))
    return tuple(out)


def _top_n(text: str, numbers: Mapping[str, int]) -> int | None:
    m = _TOP.search(text)
    if m is None:
        return None
    raw = m["n"] or m["m"]
    return int(raw) if raw.isdigit() else numbers.get(raw)


def _known(text: str, values: Iterable[str]) -> str | None:
    table = {v.lower(): v for v in values if len(v) >= 2}
    hit = _find(text, table)
    return table[hit] if hit else None


def read_entities(raw: str, ctx: ParseContext) -> Entities:
    """Every entity found in the raw message text (mentions are read before lower-casing)."""
    lex, text = lexicon(), " ".join(raw.lower().replace("’", "'").split())
    people = tuple(dict.fromkeys(ctx.person(m[1]) for m in _MENTION.finditer(raw)))
    plain = _MENTION.sub(" ", text)
    team = find_team(plain, ctx.teams) if ctx.teams else None
    period, compare_to = periods(plain, ctx.now.date())
    service_name = _known(plain, ctx.values.get("service", ())) or None
    everyday = _find(plain, lex.services)
    service, category, provider = lex.services[everyday] if everyday else (None, None, None)
    cat_word, prov_word = _find(plain, lex.categories), _find(plain, lex.providers)
    column_word, dim_word = _find(plain, lex.columns), _find(plain, lex.dimensions)
    amounts = _amounts(plain)
    return Entities(
        team=team,
        my_team=team is None and _find(plain, lex.self_team) is not None,
        period=period, compare_to=compare_to,
        service=service_name or service,
        service_category=lex.categories[cat_word] if cat_word else category,
        provider=_known(plain, ctx.values.get("provider", ())) or (lex.providers[prov_word] if prov_word else provider),
        region=_known(plain, ctx.values.get("region", ())),
        account=_known(plain, ctx.values.get("account", ())),
        column=lex.columns[column_word] if column_word else None,
        dimension=lex.dimensions[dim_word] if dim_word else None,
        top_n=_top_n(plain, lex.numbers),
        people=people, amounts=amounts,
        numbers=tuple(float(n) for n in _NUMBER.findall(plain.replace(",", ""))),
    )
