"""The whole dispatch policy: lock per key, claim the event, load state once, dispatch, save once."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.db import UNAVAILABLE_ERRORS, utcnow
from bot.intent import FlowIntent, Intent, Outcome, TurnContext
from bot.models import ConversationKey, IncomingMessage, Reply, TurnResult
from bot.ratelimit import RateLimiter
from bot.services import Services
from bot.state import FlowState, StaleStateError
from bot.text import is_question
from bot.understanding.context import ParseContext
from bot.understanding.types import Parse
from bot.understanding.vocabulary import KnownValues, Vocabulary
from knowledge.asks import ask_of

log = logging.getLogger(__name__)
MIN_CONFIDENCE = 0.5  # default calibrated P(right) below which the fallback answers with the likeliest readings
INTERRUPT = 0.85  # a flow gives way to an intent it allows to interrupt it only when the parse is this sure
MAX_TEXT = 4000  # longer messages are truncated (with a note) before understanding
LAST_TOPIC = "kb_last_topic"  # the conversation's last knowledge topic (follow-ups), kept by framework_question
KNOWLEDGE = "framework_question"
ADVICE_OVER = frozenset(("cost_question", "budget_status", "cancel"))  # readings an unsure advice request overrides
ADVICE_UNSURE = 0.6  # below this confidence such a reading gives way to the knowledge topic it also considered


class Parser(Protocol):
    """Understanding as the router needs it (``bot.understanding.parse.Understanding``)."""

    def parse(self, text: str, context: ParseContext | None = None) -> Parse: ...

APOLOGY = "Sorry, something went wrong on my side while answering that. Reference: {ref}."
UNAVAILABLE = "I'm temporarily unavailable (my database is not reachable). Please try again in a minute."
SLOW_DOWN = "You're sending messages faster than I can answer; please wait a few seconds and try again."
RACE = "I received two messages for this conversation at the same moment; please send that again."
TRUNCATED = "(Your message was very long, so I read only its first {n:,} characters.)"
EXPIRED = "(Your previous conversation timed out, so I started fresh.)"


class Router:
    """Routes one IncomingMessage at a time per conversation key to the right intent."""

    def __init__(
        self,
        intents: Sequence[Intent],
        services: Services,
        fallback: Intent,
        understanding: Parser,
        clock: Callable[[], datetime] = utcnow,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.intents = tuple(intents)
        self.services = services
        self.fallback = fallback
        self.understanding = understanding
        self.clock = clock
        self.vocabulary = vocabulary or Vocabulary(services.teams.list, _known_values(services))
        self._by_name = {i.name: i for i in (*self.intents, fallback)}
        self._forms = {f: i for i in self.intents for f in getattr(i, "forms", ())}
        self._buttons = tuple((b, i) for i in self.intents for b in getattr(i, "buttons", ()))
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.limiter = RateLimiter(services.settings.rate_limit_per_minute)

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def handle(self, msg: IncomingMessage) -> TurnResult:
        """Answer one message: never raises; duplicates come back with ``duplicate=True``."""
        msg = _valid_unicode(msg)
        started, ref, key = time.perf_counter(), secrets.token_hex(4), msg.key.as_str()
        async with self._lock(key):
            result = await self._turn(msg, key, ref)
        elapsed = time.perf_counter() - started
        m = self.services.metrics
        m.latency.labels(msg.key.platform).observe(elapsed)
        m.turns.labels(msg.key.platform, result.intent).inc()
        log.info("turn", extra={"event_id": msg.event_id, "key": key, "intent": result.intent, "ref": ref,
                                "latency_ms": round(elapsed * 1000, 1), "duplicate": result.duplicate})
        return result

    async def _turn(self, msg: IncomingMessage, key: str, ref: str) -> TurnResult:
        store, now, db = self.services.conversations, self.clock(), self.services.db
        try:
            loaded = await db.run_short(store.begin_turn, msg.event_id, key, now)
            if loaded is None:
                self.services.metrics.duplicates.inc()
                return TurnResult((), intent="duplicate", duplicate=True)
            state = loaded
            if msg.key.platform != "console" and not self.limiter.allow(msg.key.user_ref):
                self.services.metrics.errors.labels("rate_limited").inc()
                warn = self.limiter.should_warn(msg.key.user_ref)  # once per window, then silence
                return TurnResult((Reply(SLOW_DOWN, ephemeral=True),) if warn else (), intent="rate_limited")
        except UNAVAILABLE_ERRORS:
            log.warning("database unavailable event=%s key=%s ref=%s", msg.event_id, key, ref)
            self.services.metrics.errors.labels("database").inc()
            return TurnResult((Reply(UNAVAILABLE),), intent="unavailable")
        long_by = len(msg.text) - MAX_TEXT
        msg = _truncate(msg)
        before = state.snapshot()
        ctx = TurnContext(state, self.services, now, self.intents, Outcome("unknown"), ref)
        try:
            parse = await self._parse(msg, state, now)
            replies = await self._dispatch(msg, parse, ctx)
            if state.snapshot() != before or state.expired:
                ttl = timedelta(seconds=self.services.settings.flow_ttl_seconds)
                await db.run_short(store.save, key, state, now, ttl)
        except StaleStateError:
            self.services.metrics.errors.labels("race").inc()
            return TurnResult((Reply(RACE),), intent="race")
        except UNAVAILABLE_ERRORS:
            log.warning("database unavailable mid-turn event=%s key=%s ref=%s", msg.event_id, key, ref)
            self.services.metrics.errors.labels("database").inc()
            return TurnResult((Reply(UNAVAILABLE),), intent="unavailable")
        except Exception:
            log.exception("intent failed event=%s key=%s ref=%s", msg.event_id, key, ref)
            self.services.metrics.errors.labels("intent").inc()
            return TurnResult((Reply(APOLOGY.format(ref=ref)),), intent="error")
        if not msg.addressed and ctx.outcome.intent == self.fallback.name and not is_question(msg.text):
            replies = []  # a remark between people in a thread the bot is in ("thanks!"): not for the bot
        if state.expired:
            replies = [Reply(EXPIRED), *replies]
        if long_by > 0:
            replies = [Reply(TRUNCATED.format(n=MAX_TEXT)), *replies]
        out = ctx.outcome
        return TurnResult(tuple(replies), out.intent, out.topic, round(out.confidence, 3))

    async def _parse(self, msg: IncomingMessage, state: FlowState, now: datetime) -> Parse:
        """Understand the message once (the directory snapshot is refreshed in a database thread when stale)."""
        if self.vocabulary.stale:
            await self.services.db.run_short(self.vocabulary.reload)
        return self.understanding.parse(msg.text, self.context(msg, now, state.data.get(LAST_TOPIC)))

    def context(self, msg: IncomingMessage, now: datetime, last_topic: str | None = None) -> ParseContext:
        """What parsing this message needs besides its text (``ask --explain`` uses it too)."""
        return ParseContext(self.vocabulary.teams, self.vocabulary.values, last_topic, msg.key.platform,
                            msg.key.tenant, now)

    def owner_of_press(self, msg: IncomingMessage) -> Intent | None:
        """The intent a button press or form submission belongs to, by its id or value (buttons are not language)."""
        action = msg.action
        if action is not None and action.id in self._forms:
            return self._forms[action.id]
        value = (action.value if action is not None else msg.text).strip()
        return next((intent for prefix, intent in self._buttons if value.startswith(prefix)), None)

    async def _dispatch(self, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        """Presses by id; the active flow unless the parse is a global intent or one it allows to interrupt it, read
        confidently; the parsed intent; the fallback."""
        if (owner := self.owner_of_press(msg)) is not None:
            return await self._run(owner, msg, replace(parse, intent=owner.name, confidence=1.0, topic=None), ctx)
        chosen = self._by_name.get(parse.intent)
        threshold = getattr(self.understanding, "threshold", MIN_CONFIDENCE)
        sure = chosen is not None and chosen is not self.fallback and parse.confidence >= threshold
        active = self._by_name.get(ctx.state.intent or "")
        if isinstance(active, FlowIntent):  # "skip" inside an assessment is an answer, not a shaky "cancel"
            allowed = getattr(chosen, "is_global", False) or parse.intent in active.interrupted_by
            if not (allowed and parse.confidence >= INTERRUPT):
                ctx.outcome = Outcome(active.name, confidence=1.0)
                replies = await active.continue_flow(msg, parse, ctx)
                if replies is not None:
                    return replies
        if (advice := _advice_reading(msg.text, parse, active)) is not None and advice.intent in self._by_name:
            return await self._run(self._by_name[advice.intent], msg, advice, ctx)
        if sure and chosen is not None:
            return await self._run(chosen, msg, parse, ctx)
        return await self._run(self.fallback, msg, parse, ctx)

    async def _run(self, intent: Intent, msg: IncomingMessage, parse: Parse, ctx: TurnContext) -> list[Reply]:
        ctx.outcome = Outcome(intent.name, parse.topic if intent.name == parse.intent else None, parse.confidence)
        return await intent.handle(msg, parse, ctx)


def _advice_reading(text: str, parse: Parse, active: object | None) -> Parse | None:
    """A situation asking what to do ("our bill doubled, what can we do?") read, unsurely, as a data request or a
    cancel: the knowledge topic among its runner-ups instead (its low confidence kept, so the answer says it is a
    guess). None when a flow is active, the reading is sure, or no knowledge topic was considered."""
    if active is not None or parse.intent not in ADVICE_OVER or parse.confidence >= ADVICE_UNSURE:
        return None
    if ask_of(text).shape != "act":
        return None
    topic = next((a.topic for a in parse.alternatives if a.intent == KNOWLEDGE and a.topic), None)
    return replace(parse, intent=KNOWLEDGE, topic=topic) if topic else None


def _known_values(services: Services) -> KnownValues | None:
    """The cost store's FOCUS values for entities, when it can list them."""
    budgets = services.budgets
    return budgets if isinstance(budgets, KnownValues) else None


_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _utf8(value: str) -> str:
    value = value.replace("\x00", "")  # PostgreSQL refuses NUL in text
    try:
        value.encode()
        return value
    except UnicodeEncodeError:  # a lone surrogate ("\udfff" in JSON): neither the database nor a platform takes it
        return value.encode("utf-8", "replace").decode()


def _valid_unicode(msg: IncomingMessage) -> IncomingMessage:
    """Drop NUL and replace lone surrogates in the key, the event id and the text (malformed input, not an outage)."""
    parts, fields = msg.key.parts(), (msg.text, msg.event_id)
    clean_parts, (text, event_id) = tuple(_utf8(p) for p in parts), (_utf8(f) for f in fields)
    if clean_parts == parts and (text, event_id) == fields:
        return msg
    return replace(msg, key=ConversationKey(*clean_parts), text=text, event_id=event_id)


def _truncate(msg: IncomingMessage) -> IncomingMessage:
    """Drop control characters (PostgreSQL rejects NUL) and cap very long text so matching stays fast."""
    text = msg.text.translate(_CONTROL)[:MAX_TEXT]
    return msg if text == msg.text else replace(msg, text=text)
