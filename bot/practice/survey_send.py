"""Sending surveys: resolve the audience, DM each person, announce in channels, schedule reminders and the close.

Scheduler jobs: ``survey.send`` (from ``finops-bot survey create``), ``survey.reminder`` (one per round, the next
round scheduled by the previous one) and ``survey.close`` at the deadline. Each person gets a reminder round at
most once across replicas (a conditional update on their invitation), and only while they have not answered.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.delivery import Target
from bot.models import Reply
from bot.practice import survey_render as render
from bot.practice.survey_spec import SurveyDraft, SurveyInfo
from bot.practice.surveys import SurveyStore

if TYPE_CHECKING:
    from bot.practice.scheduler import Job
    from bot.services import Services

log = logging.getLogger(__name__)
SEND, REMIND, CLOSE = "survey.send", "survey.reminder", "survey.close"
PERSON = re.compile(r"^(slack|teams|console):\S+$")


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


def resolve(services: Services, info: SurveyInfo | SurveyDraft) -> Audience:
    """Teams → their owners and members (and channels when asked); platform-qualified ids → that person."""
    people: list[str] = []
    channels: list[Target] = []
    problems: list[str] = []
    for spec in info.audience:
        if PERSON.match(spec):
            people.append(spec)
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
    return Target(user_ref.split(":", 1)[0], "", user_ref=user_ref)


async def send_survey(services: Services, store: SurveyStore, sid: int, actor: str) -> SendReport:
    """Open a draft and deliver its invitations (once, even when Send is pressed twice or on two replicas)."""
    db, now, tz = services.db, services.scheduler.clock(), services.settings.tz
    info = await db.run(store.get, sid)
    if info is None or info.status != "draft":
        return SendReport(False, 0, (), 0, ("it was already sent or cancelled",))
    audience = await db.run(resolve, services, info)
    if not (audience.people or audience.channels):
        return SendReport(False, 0, (), 0, audience.problems or ("nobody would receive it",))
    if not await db.run(store.open, sid, audience.people, now):
        return SendReport(False, 0, (), 0, ("it was already sent or cancelled",))
    failed: list[tuple[str, str]] = []
    for ref in audience.people:
        result = await services.delivery.send(dm(ref), [render.invitation(info, tz)])
        await db.run(store.delivered, sid, ref, None if result.ok else (result.error or "failed"))
        if not result.ok:
            failed.append((ref, result.error or "failed"))
    posted, problems = 0, list(audience.problems)
    for target in audience.channels:
        result = await services.delivery.send(target, [render.announcement(info, tz)])
        posted += result.ok
        if not result.ok:
            problems.append(f"not posted to {target.describe()}: {result.error or 'failed'}")
    await db.run(_schedule_follow_ups, services, info, now)
    await db.run(services.audit.record, actor, "survey.send", f"survey {sid}", invited=len(audience.people),
                 failed=len(failed), channels=posted)
    log.info("survey %s sent: %d invited, %d failed", sid, len(audience.people), len(failed))
    return SendReport(True, len(audience.people), tuple(failed), posted, tuple(problems))


def _schedule_follow_ups(services: Services, info: SurveyInfo, now: datetime) -> None:
    sched = services.scheduler
    sched.schedule(CLOSE, {"survey": info.id}, info.deadline, created_by=info.author)
    first = now + timedelta(hours=info.remind_every_hours)
    if info.max_reminders > 0 and first < info.deadline:
        sched.schedule(REMIND, {"survey": info.id, "round": 1}, first, created_by=info.author)


def refresh_assessment(services: Services, store: SurveyStore, info: SurveyInfo) -> set[str]:
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


async def remind(services: Services, store: SurveyStore, sid: int, round_no: int) -> int:
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


async def close(services: Services, store: SurveyStore, sid: int, actor: str) -> bool:
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


def register_survey_jobs(services: Services, store: SurveyStore) -> None:
    """Let the scheduler run survey sends, reminders and closes."""

    async def on_send(job: Job) -> None:
        await send_survey(services, store, int(job.payload["survey"]), str(job.payload.get("actor", "cli")))

    async def on_remind(job: Job) -> None:
        await remind(services, store, int(job.payload["survey"]), int(job.payload.get("round", 1)))

    async def on_close(job: Job) -> None:
        await close(services, store, int(job.payload["survey"]), "system")

    services.scheduler.register(SEND, on_send)
    services.scheduler.register(REMIND, on_remind)
    services.scheduler.register(CLOSE, on_close)
