"""The composition root: settings → database → stores → router → adapters → aiohttp app. Nothing global."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from bot.access.audit import AuditLog
from bot.access.policy import Access
from bot.access.roles import RoleStore
from bot.config import Settings
from bot.db import Database, utcnow
from bot.delivery import Delivery
from bot.demo import load_demo
from bot.directory import TeamStore
from bot.jobs.scheduler import Scheduler
from bot.metrics import CONTENT_TYPE, Metrics
from bot.refs import ConversationRefStore
from bot.router import Router
from bot.runtime import BOT_KEY, Bot, Hook
from bot.services import Services
from bot.state import ConversationStore
from intents import FALLBACK, build_intents

if TYPE_CHECKING:
    from bot.understanding.parse import Understanding

log = logging.getLogger(__name__)
PRUNE_JOB = "maintenance.prune_events"


THREAD_DAYS = 90  # threads the bot replied in are remembered this long


def build_services(settings: Settings, *, inline_db: bool = False) -> Services:
    """Open the database and create every store."""
    db = Database(settings.database_url, inline=inline_db)
    metrics = Metrics()
    teams = TeamStore(db)
    roles = RoleStore(db)
    services = Services(
        settings=settings,
        db=db,
        conversations=ConversationStore(db),
        teams=teams,
        metrics=metrics,
        delivery=Delivery(metrics),
        access=Access(settings, teams, roles),
        roles=roles,
        audit=AuditLog(db),
        scheduler=Scheduler(db, settings.tz, grace=timedelta(minutes=settings.scheduler_grace_minutes),
                            interval=settings.scheduler_interval_seconds,
                            lease=timedelta(seconds=settings.scheduler_lease_seconds)),
        refs=ConversationRefStore(db),
    )
    _attach_features(services)
    return services


def _attach_features(services: Services) -> None:
    """Feature stores that need more than the database (knowledge base, cost store …) are wired here."""
    from bot.costs.alerts import register_alerts
    from bot.costs.anomaly_alerts import register_anomalies
    from bot.costs.pull import register_pulls
    from bot.costs.service import BudgetService
    from bot.nudges.service import register_nudges
    from knowledge.base import KnowledgeBase

    services.budgets = BudgetService(services.db, services.settings, services.metrics)
    services.knowledge = KnowledgeBase.load()  # validates every article at start-up (KnowledgeError names the file)
    register_alerts(services)  # job kind "budget_alerts" on the scheduler
    register_pulls(services)  # job kind "costs.pull" on the scheduler (FINOPS_COST_SOURCES)
    register_anomalies(services)  # job kind "cost_anomalies" on the scheduler
    _attach_assessments(services)
    services.nudges = register_nudges(services)  # job kind "nudge.send" on the scheduler
    _attach_surveys(services)
    _attach_maintenance(services)


def _attach_maintenance(services: Services) -> None:
    """Daily housekeeping: forget processed event ids older than a day (platforms stop retrying in minutes) and
    threads the bot replied in more than THREAD_DAYS ago (a follow-up there needs an @mention again)."""
    from adapters.threads import SlackThreadStore, TeamsThreadStore

    async def prune(_job: object) -> None:
        cutoff = utcnow() - timedelta(days=1)
        removed = await services.db.run(services.conversations.forget_events_before, cutoff)
        old = utcnow() - timedelta(days=THREAD_DAYS)
        threads = sum([await services.db.run(store(services.db).forget_before, old)
                       for store in (SlackThreadStore, TeamsThreadStore)])
        log.info("maintenance: forgot %d processed event ids and %d old threads", removed, threads)

    services.scheduler.register(PRUNE_JOB, prune)


def _attach_surveys(services: Services) -> None:
    """Surveys: the store and the scheduler jobs survey.send, survey.reminder and survey.close."""
    from bot.surveys.send import register_survey_jobs
    from bot.surveys.store import SurveyStore

    ballot_secret = services.settings.slack_signing_secret or services.settings.teams_app_password  # keys ballots
    services.surveys = SurveyStore(services.db, batch=services.settings.survey_min_responses, secret=ballot_secret)
    register_survey_jobs(services, services.surveys)


def _attach_assessments(services: Services) -> None:
    """Maturity assessments: the store (also ``services.maturity``) and the daily expiry-reminder job."""
    from bot.assessment.reminders import register_reminders
    from bot.assessment.store import AssessmentStore

    services.maturity = AssessmentStore(services.db, timedelta(days=services.settings.assessment_ttl_days))
    register_reminders(services, services.maturity)


def build_understanding(services: Services, intents: Sequence[object]) -> Understanding:
    """The understanding model for these intents and articles: trained once (cached per data, see store.py)."""
    from bot.understanding.store import load_or_train_for

    return load_or_train_for({i.name for i in intents}, services.knowledge)  # type: ignore[attr-defined]


def build_bot(settings: Settings, *, migrate: bool = True, demo: bool | None = None, inline_db: bool = False) -> Bot:
    """Everything but the HTTP server: used by ``serve``, ``chat``, ``ask`` (``inline_db``) and the tests."""
    services = build_services(settings, inline_db=inline_db)
    if migrate:
        services.db.upgrade()
    if settings.demo if demo is None else demo:
        load_demo(services)
    intents = build_intents(services)
    router = Router(intents, services, FALLBACK(services), build_understanding(services, intents))
    bot = Bot(services, router)
    async def ensure_maintenance() -> None:
        from bot.costs.pull import ensure_pull_job

        await services.db.run(services.scheduler.ensure, PRUNE_JOB, utcnow() + timedelta(hours=1), "daily")
        await services.db.run(ensure_pull_job, services)  # only when FINOPS_COST_SOURCES is set

    bot.on_start.append(ensure_maintenance)
    bot.on_start.append(services.scheduler.start)
    bot.on_stop.append(services.scheduler.stop)
    return bot


def demo_in_background(bot: Bot) -> Hook:
    """A start hook that loads the demo into an empty database without delaying start-up.

    Two replicas starting together on an empty database may both try: the loser's unique-key error is logged.
    """

    async def start() -> None:
        async def load() -> None:
            try:
                await bot.services.db.run(load_demo, bot.services)
            except Exception as exc:
                log.warning("demo data not loaded: %s", type(exc).__name__)

        bot.background.append(asyncio.create_task(load(), name="finops-demo"))

    return start


def build_web_app(bot: Bot) -> web.Application:
    """The aiohttp application: health, metrics, and the chat platforms that are configured."""
    app = web.Application(client_max_size=1024 * 1024)
    app[BOT_KEY] = bot

    async def healthz(_request: web.Request) -> web.Response:
        ok = await bot.services.db.run_short(bot.services.db.ping)  # never queued behind background work
        return web.json_response({"status": "ok" if ok else "database unavailable"}, status=200 if ok else 503)

    async def metrics(request: web.Request) -> web.Response:
        token = bot.services.settings.metrics_token  # FINOPS_METRICS_TOKEN: scrapers send it as a bearer token
        if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
            return web.json_response({"error": "metrics need the bearer token"}, status=401)
        return web.Response(body=bot.services.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    mount_adapters(app, bot)

    async def _start(_app: web.Application) -> None:
        for hook in bot.on_start:
            await hook()

    async def _stop(_app: web.Application) -> None:
        if bot.background:
            await asyncio.wait(bot.background, timeout=30)  # never stop half-way through the demo load
        for hook in reversed(bot.on_stop):
            await hook()
        bot.services.db.dispose()

    app.on_startup.append(_start)
    app.on_cleanup.append(_stop)
    return app


def mount_adapters(app: web.Application, bot: Bot) -> None:
    """Add the routes of each chat platform whose secrets are configured (imports stay lazy)."""
    settings = bot.services.settings
    enabled = []
    if settings.slack_enabled:
        from adapters.slack import mount_slack

        mount_slack(app, bot)
        enabled.append("slack (socket mode)" if settings.slack_socket_mode else "slack")
    if settings.teams_enabled:
        from adapters.teams import mount_teams

        mount_teams(app, bot)
        enabled.append("teams")
    log.info("chat adapters enabled: %s", ", ".join(enabled) or "none (set Slack or Teams secrets)")
    del settings
