"""Expiry reminders for paused assessments, sent by the scheduler (job kind ``assessment_reminders``, daily)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from bot.assessment.store import REMINDER_JOB, AssessmentStore, Reminder
from bot.delivery import DeliveryResult, Target
from bot.models import Choice, Reply

if TYPE_CHECKING:
    from bot.infra import Infra
    from bot.jobs.scheduler import Job

log = logging.getLogger(__name__)


def reminder_reply(reminder: Reminder) -> Reply:
    """The reminder message: where the person stopped and when the answers expire."""
    a = reminder.assessment
    answered = sum(1 for level in a.answers.values() if level is not None)
    return Reply(f"Your maturity assessment of {a.team_name} is paused at question {a.position + 1} / {a.total} "
                 f"({answered} answered). It expires on {reminder.expires_at:%d %b %Y at %H:%M} UTC; "
                 "say “resume” to finish it.",
                 choices=(Choice("Resume", f"resume assessment for {a.team_name}", "primary"),))


def targets_of(reminder: Reminder) -> list[Target]:
    """A direct message first (reminders are personal), then the channel and thread of the last answer."""
    platform, tenant, channel, thread = reminder.assessment.where
    user = reminder.assessment.user_ref
    targets = [Target(platform=platform or user.partition(":")[0], tenant=tenant, user_ref=user)]
    if channel:
        targets.append(Target(platform=platform, tenant=tenant, channel=channel, user_ref=user, thread=thread))
    return targets


async def send_reminders(services: Infra, store: AssessmentStore, now: datetime) -> list[DeliveryResult]:
    """Claim the due reminders (each once across replicas) and post them; returns the delivery results."""
    results = []
    for reminder in await services.db.run(store.due_reminders, now):
        result = DeliveryResult(ok=False, error="nowhere to post")
        for target in targets_of(reminder):
            result = await services.delivery.send(target, [reminder_reply(reminder)])
            if result.ok:
                break
        if not result.ok:
            log.warning("assessment %s reminder not delivered: %s", reminder.assessment.id, result.error)
        results.append(result)
    return results


def register_reminders(services: Infra, store: AssessmentStore) -> None:
    """Let the scheduler run ``send_reminders`` for jobs of kind ``assessment_reminders``."""

    async def handler(job: Job) -> None:
        await send_reminders(services, store, services.scheduler.clock())

    services.scheduler.register(REMINDER_JOB, handler)
