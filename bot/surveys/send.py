"""Sending surveys: resolve the audience, DM each person, announce in channels, schedule reminders and the close.

Scheduler jobs: ``survey.send`` (from ``finops-bot survey create``), ``survey.invite`` and ``survey.announce``
(one per person / channel: sending only opens the survey and queues them, so a 300-person survey is acknowledged
at once and posted by the replicas at the platforms' pace, each person once, failures retried), ``survey.reminder``
(one per round, the next round scheduled by the previous one) and ``survey.close`` at the deadline. Each person
gets a reminder round at most once across replicas (a conditional update on their invitation), and only while
they have not answered. When the last invitation is out, the author gets a summary.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.db import as_utc
from bot.delivery import Target
from bot.delivery.audience import Recipient
from bot.delivery.records import UNKNOWN, DeliveryLog
from bot.identity import no_tenant, parse
from bot.infra import Infra
from bot.jobs.scheduler import MAX_ATTEMPTS, RetryLater
from bot.models import Reply
from bot.surveys import render as render
from bot.surveys.spec import SurveyDraft, SurveyInfo
from bot.surveys.store import Invite, SurveyStore

if TYPE_CHECKING:
    from bot.jobs.scheduler import Job

log = logging.getLogger(__name__)
SEND, REMIND, CLOSE = "survey.send", "survey.reminder", "survey.close"
INVITE, ANNOUNCE, SUMMARY = "survey.invite", "survey.announce", "survey.summary"
PERSON = re.compile(r"^(slack|teams|console):\S+$")


class _Finished(Protocol):
    @property
    def user_ref(self) -> str: ...
    @property
    def finished_at(self) -> datetime | None: ...


class FinishedAssessments(Protocol):
    """What surveys read of the assessment store (``bot.assessment.store``, which imports this package)."""

    def finished(self, team_id: int | None = None) -> Sequence[_Finished]: ...


class SurveyHost(Infra, Protocol):
    """What sending surveys uses of the running bot (bot/infra.py): the infrastructure and assessments."""

    @property
    def maturity(self) -> FinishedAssessments | None: ...


@dataclass(frozen=True)
class Audience:
    """People (DMs) and channel targets of a survey, plus names that could not be resolved."""

    people: tuple[str, ...]
    channels: tuple[Target, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class SendReport:
    """What a send did."""

    sent: bool
    invited: int
    failed: tuple[tuple[str, str], ...]  # (user_ref, reason) of invitations that were not delivered
    channels: int
    problems: tuple[str, ...]  # unknown teams, teams without people, channels that failed
    queued: bool = False  # invitations are queued for the scheduler (progress: ``progress()``)
    at: datetime | None = None  # not sent now: scheduled for this time


def resolve(services: Infra, info: SurveyInfo | SurveyDraft) -> Audience:
    """Teams → their owners and members (and channels when asked); platform-qualified ids → that person."""
    people: list[str] = []
    channels: list[Target] = []
    problems: list[str] = []
    for spec in info.audience:
        if PERSON.match(spec):
            if parse(spec).tenant:
                people.append(spec)
            else:
                problems.append(no_tenant(spec))
            continue
        team, close = services.teams.find(spec)
        if team is None:
            hint = f" Did you mean {' or '.join(t.name for t in close)}?" if close else ""
            problems.append(f"I don't know a team called “{spec}”.{hint}")
            continue
        people.extend((*team.owners, *team.members))
        if info.channels:
            if team.slack_channel:
                channels.append(Target("slack", "", channel=team.slack_channel))
            if team.teams_conversation:
                channels.append(Target("teams", "", channel=team.teams_conversation))
        if not (team.owners or team.members):
            problems.append(f"Team {team.name} has nobody in the directory yet.")
    return Audience(tuple(dict.fromkeys(people)), tuple(dict.fromkeys(channels)), tuple(problems))


def dm(user_ref: str) -> Target:
    """A person's direct conversation with the bot."""
    who = parse(user_ref)
    return Target(who.platform, who.tenant, user_ref=user_ref)


def plan_send(services: SurveyHost, sid: int, actor: str, at: datetime) -> int:
    """Remember a draft's planned send time: a held ``survey.send`` job, released when Send is pressed."""
    return services.scheduler.schedule(SEND, {"survey": sid, "actor": actor}, at, created_by=actor, held=True)


def _planned(services: SurveyHost, sid: int) -> tuple[str, datetime] | None:
    """Release a draft's held send job (Send pressed): ("scheduled"|"already", due) or None when there is none."""
    sched = services.scheduler
    for job in sched.jobs(SEND, ("held", "pending")):
        if job.payload.get("survey") == sid and job.id is not None:
            due = as_utc(job.due_at) or job.due_at
            return ("scheduled" if sched.release(job.id) else "already"), due
    return None


async def send_survey(services: SurveyHost, store: SurveyStore, sid: int, actor: str,
                      from_job: bool = False) -> SendReport:
    """Open a draft and queue its invitations (once, even when Send is pressed twice or on two replicas); a draft
    with a planned send time is scheduled instead (``SendReport.at``)."""
    db, now = services.db, services.scheduler.clock()
    info = await db.run(store.get, sid)
    if info is None or info.status != "draft":
        return SendReport(False, 0, (), 0, ("it was already sent or cancelled",))
    if not from_job and (planned := await db.run(_planned, services, sid)) is not None:
        state, due = planned
        if state == "already":
            return SendReport(False, 0, (), 0, (f"it is already scheduled for {due:%Y-%m-%d %H:%M} UTC",))
        return SendReport(True, 0, (), 0, (), queued=True, at=due)
    audience = await db.run(resolve, services, info)
    if not (audience.people or audience.channels):
        return SendReport(False, 0, (), 0, audience.problems or ("nobody would receive it",))
    if not await db.run(store.open, sid, audience.people, now):
        return SendReport(False, 0, (), 0, ("it was already sent or cancelled",))
    await db.run(_enqueue, services, info, audience, actor, now)
    await db.run(_schedule_follow_ups, services, info, now)
    await db.run(services.audit.record, actor, "survey.send", f"survey {sid}", invited=len(audience.people),
                 channels=len(audience.channels), queued=True)
    log.info("survey %s opened: %d invitations queued", sid, len(audience.people))
    return SendReport(True, len(audience.people), (), len(audience.channels), audience.problems, queued=True)


def _enqueue(services: SurveyHost, info: SurveyInfo, audience: Audience, actor: str, now: datetime) -> None:
    sched = services.scheduler
    sched.schedule_many(INVITE, [{"survey": info.id, "to": ref} for ref in audience.people], now, actor)
    sched.schedule_many(ANNOUNCE, [{"survey": info.id, "platform": t.platform, "channel": t.channel}
                                   for t in audience.channels], now, actor)
    sched.schedule(SUMMARY, {"survey": info.id}, now, created_by=actor)  # runs after the invitations queued now


class Throttled(RetryLater):
    """A post the platform refused for now: the scheduler retries the job later (after its Retry-After)."""


def _recipient(ref: str, target: Target) -> Recipient:
    return Recipient(ref, target, target.describe())


async def invite(services: SurveyHost, store: SurveyStore, job: Job) -> None:
    """Deliver one invitation (the ``survey.invite`` job); exactly once, the in-flight post of a dead replica
    recorded as unknown; a throttled or transient failure is retried, a refusal recorded."""
    sid, ref, db = int(job.payload["survey"]), str(job.payload["to"]), services.db
    info = await db.run(store.get, sid)
    if info is None or info.status != "open":
        return
    log_ = DeliveryLog(db, services.scheduler.lease)
    who, source = _recipient(ref, dm(ref)), f"survey:{sid}"
    if not await db.run(log_.claim, source, "invite", who, None, True, timedelta(0) if job.taken_over else None):
        if await db.run(log_.status, source, "invite", ref) == "unknown":  # a dead replica's post in flight
            await db.run(store.delivered, sid, ref, UNKNOWN)
        return
    result = await services.delivery.send(who.target, [render.invitation(info, services.settings.tz)])
    status = "sent" if result.ok else "failed"
    await db.run(log_.finish, source, "invite", ref, status, result.error, result.message_id)
    retry = result.retryable and job.attempts < MAX_ATTEMPTS
    if not retry:
        await db.run(store.delivered, sid, ref, None if result.ok else (result.error or "failed"))
    elif not result.ok:
        raise Throttled(result.error or "throttled", result.retry_after)


async def announce(services: SurveyHost, store: SurveyStore, job: Job) -> None:
    """Post a survey's announcement in one channel (the ``survey.announce`` job), once."""
    sid, db = int(job.payload["survey"]), services.db
    info = await db.run(store.get, sid)
    if info is None or info.status != "open":
        return
    target = Target(str(job.payload["platform"]), "", channel=str(job.payload["channel"]))
    where = _recipient(f"{target.platform}:channel:{target.channel}", target)
    log_ = DeliveryLog(db, services.scheduler.lease)
    if not await db.run(log_.claim, f"survey:{sid}", "announce", where, None, True):
        return
    result = await services.delivery.send(target, [render.announcement(info, services.settings.tz)])
    await db.run(log_.finish, f"survey:{sid}", "announce", where.key, "sent" if result.ok else "failed",
                 result.error, result.message_id)
    if result.retryable and job.attempts < MAX_ATTEMPTS:
        raise Throttled(result.error or "throttled", result.retry_after)


def progress(store: SurveyStore, sid: int) -> str:
    """"Invitations: 140 of 300 sent, 2 failed, 158 queued"."""
    return _progress(store.invites(sid))


def _progress(invites: list[Invite]) -> str:
    counts = {k: sum(1 for i in invites if i.status == k) for k in ("sent", "failed", "pending")}
    return (f"Invitations: {counts['sent']} of {len(invites)} sent"
            + (f", {counts['failed']} failed" if counts["failed"] else "")
            + (f", {counts['pending']} queued" if counts["pending"] else ""))


async def summarize(services: SurveyHost, store: SurveyStore, job: Job) -> None:
    """The ``survey.summary`` job: once no invitation is left queued, tell the author how the sending went;
    until then look again a few seconds later."""
    db, sid = services.db, int(job.payload["survey"])
    info = await db.run(store.get, sid)
    if info is None or not PERSON.match(info.author):
        return
    invites = await db.run(store.invites, info.id)
    if any(i.status == "pending" for i in invites) and info.status == "open":
        again = services.scheduler.clock() + timedelta(seconds=max(1.0, 2 * services.scheduler.interval))
        await db.run(services.scheduler.schedule, SUMMARY, {"survey": sid}, again, None, info.author)
        return
    log_ = DeliveryLog(services.db, services.scheduler.lease)
    author = _recipient(info.author, dm(info.author))
    if not await services.db.run(log_.claim, f"survey:{info.id}", "summary", author):
        return
    failed = [i for i in invites if i.status == "failed"]
    text = (f"Survey #{info.id} “{info.title}”: {_progress(invites).lower().removeprefix('invitations: ')}."
            + "".join(f"\nNot delivered to {i.user_ref}: {i.error}" for i in failed[:20]))
    result = await services.delivery.send(author.target, [Reply(text, title="Survey sent")])
    await services.db.run(log_.finish, f"survey:{info.id}", "summary", author.key, "sent" if result.ok else "failed",
                          result.error, result.message_id)


def _schedule_follow_ups(services: SurveyHost, info: SurveyInfo, now: datetime) -> None:
    sched = services.scheduler
    sched.schedule(CLOSE, {"survey": info.id}, info.deadline, created_by=info.author)
    first = now + timedelta(hours=info.remind_every_hours)
    if info.max_reminders > 0 and first < info.deadline:
        sched.schedule(REMIND, {"survey": info.id, "round": 1}, first, created_by=info.author)


def refresh_assessment(services: SurveyHost, store: SurveyStore, info: SurveyInfo) -> set[str]:
    """Assessment surveys: mark invitees whose assessment of the team finished since the invitation."""
    team = services.teams.get(info.team or "")
    if team is None or services.maturity is None or info.sent_at is None:
        return set()
    invited = {i.user_ref for i in store.invites(info.id)}
    done = {a.user_ref for a in services.maturity.finished(team.id)
            if a.user_ref in invited and a.finished_at is not None and a.finished_at >= info.sent_at}
    store.mark_answered(info.id, done)
    return done


def next_question(store: SurveyStore, info: SurveyInfo, user_ref: str) -> int | None:
    """The first question this person has not answered, or None when they are done."""
    done = store.answered(info.id, user_ref)
    return next((q for q in range(len(info.questions)) if q not in done), None)


async def remind(services: SurveyHost, store: SurveyStore, sid: int, round_no: int) -> int:
    """Remind everyone who has not answered (each person once per round); schedule the next round."""
    db, tz, now = services.db, services.settings.tz, services.scheduler.clock()
    info = await db.run(store.get, sid)
    if info is None or not info.accepting(now):
        return 0
    if info.kind == "assessment":
        await db.run(refresh_assessment, services, store, info)
    reminded = 0
    for invite in await db.run(store.invites, sid):
        if invite.answered or not await db.run(store.claim_reminder, sid, invite.user_ref, round_no):
            continue
        q = None if info.kind == "assessment" else await db.run(next_question, store, info, invite.user_ref)
        result = await services.delivery.send(dm(invite.user_ref), [render.reminder(info, q, tz)])
        reminded += result.ok
    await db.run(store.count_reminder, sid, round_no)
    await db.run(services.audit.record, "system", "survey.remind", f"survey {sid}", round=round_no,
                 reminded=reminded)
    following = now + timedelta(hours=info.remind_every_hours)
    if round_no < info.max_reminders and following < info.deadline:
        await db.run(services.scheduler.schedule, REMIND, {"survey": sid, "round": round_no + 1}, following, None,
                     info.author)
    return reminded


async def close(services: SurveyHost, store: SurveyStore, sid: int, actor: str) -> bool:
    """Close an open survey, audit it and tell the author where the results are."""
    db, now = services.db, services.scheduler.clock()
    if not await db.run(store.close, sid, now):
        return False
    info = await db.run(store.get, sid)
    assert info is not None
    if info.kind == "assessment":
        await db.run(refresh_assessment, services, store, info)
    invites = await db.run(store.invites, sid)
    await db.run(services.audit.record, actor, "survey.close", f"survey {sid}", answered=sum(i.answered for i in
                                                                                             invites))
    for job in await db.run(services.scheduler.pending):
        if job.kind in (REMIND, CLOSE) and job.payload.get("survey") == sid and job.id is not None:
            await db.run(services.scheduler.cancel, job.id)
    if actor == "system" and PERSON.match(info.author):
        text = (f"Your survey #{sid} “{info.title}” closed: {sum(i.answered for i in invites)} of {len(invites)} "
                f"answered. Say “survey results {sid}” to see them.")
        await services.delivery.send(dm(info.author), [Reply(text)])
    return True


def register_survey_jobs(services: SurveyHost, store: SurveyStore) -> None:
    """Let the scheduler run survey sends, reminders and closes."""

    async def on_send(job: Job) -> None:
        await send_survey(services, store, int(job.payload["survey"]), str(job.payload.get("actor", "cli")), True)

    async def on_remind(job: Job) -> None:
        await remind(services, store, int(job.payload["survey"]), int(job.payload.get("round", 1)))

    async def on_close(job: Job) -> None:
        await close(services, store, int(job.payload["survey"]), "system")

    async def on_invite(job: Job) -> None:
        await invite(services, store, job)

    async def on_announce(job: Job) -> None:
        await announce(services, store, job)

    services.scheduler.register(SEND, on_send)
    services.scheduler.register(INVITE, on_invite)
    services.scheduler.register(SUMMARY, lambda job: summarize(services, store, job))
    services.scheduler.register(ANNOUNCE, on_announce)
    services.scheduler.register(REMIND, on_remind)
    services.scheduler.register(CLOSE, on_close)
