"""``finops-bot teams-package``: the Teams app zip (manifest with the app id, icons, commands from the intents)."""

from __future__ import annotations

import argparse
import json
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot import __version__
from bot.commands import builders
from bot.config import Settings
from bot.errors import UserError

TEAMS_DIR = Path(__file__).resolve().parent.parent / "teams"
ICONS = ("color.png", "outline.png")
DEFAULT_OUT = "finops-bot-teams.zip"
MAX_COMMANDS = 10  # Teams shows at most 10 commands per command list
TITLE_MAX, DESCRIPTION_MAX = 32, 128
# Global intents have no summary of their own; their command descriptions are written here.
_DESCRIPTIONS = {"help": "What finops-bot can do, with an example for each capability",
                 "cancel": "Stop what we are doing (an assessment, a form)"}
# Teams shows 10 commands: the ones most people use first (questions, status, answering), admin-only ones last.
COMMAND_ORDER = ("help", "framework_question", "budget_status", "maturity_status", "start_assessment",
                 "survey_answer", "budget_set", "nudge", "survey", "cancel", "team_admin", "admin")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def intent_commands(intent_classes: Iterable[type]) -> list[dict[str, str]]:
    """One command per intent, in ``COMMAND_ORDER`` (others after): its first example short enough for a Teams
    command title, and its summary."""
    commands: list[dict[str, str]] = []
    rank = {name: n for n, name in enumerate(COMMAND_ORDER)}
    for cls in sorted(intent_classes, key=lambda c: rank.get(str(getattr(c, "name", "")), len(rank))):
        examples = [e for e in getattr(cls, "examples", ()) if isinstance(e, str) and 0 < len(e) <= TITLE_MAX]
        if not examples or any(c["title"] == examples[0] for c in commands):
            continue
        name = str(getattr(cls, "name", ""))
        summary = str(getattr(cls, "summary", "") or _DESCRIPTIONS.get(name) or name.replace("_", " "))
        description = summary[:1].upper() + summary[1:]
        commands.append({"title": examples[0], "description": description[:DESCRIPTION_MAX]})
    return commands[:MAX_COMMANDS]


def build_manifest(app_id: str, template: dict[str, Any], commands: list[dict[str, str]],
                   version: str = __version__, thread_followups: bool = False) -> dict[str, Any]:
    """The template with the app/bot id, the package version and the command list filled in.

    ``thread_followups`` asks for the resource-specific permission ``ChannelMessage.Read.Group`` (granted by the
    team owner at install): Teams then also delivers channel messages without an @mention, and the bot answers
    those only in threads it already replied in (the rest is dropped unread).
    """
    if not _GUID.match(app_id):
        raise UserError(f"the Microsoft app id must be a GUID (like 5f1c8a52-2b7e-…), got {app_id!r}")
    manifest = json.loads(json.dumps(template))  # deep copy
    manifest["id"], manifest["version"] = app_id, version
    for bot in manifest.get("bots", []):
        bot["botId"] = app_id
        for command_list in bot.get("commandLists", []):
            command_list["commands"] = commands
    if thread_followups:
        manifest["webApplicationInfo"] = {"id": app_id, "resource": f"api://botid-{app_id}"}
        manifest["authorization"] = {"permissions": {"resourceSpecific": [
            {"name": "ChannelMessage.Read.Group", "type": "Application"}]}}
    return manifest


def write_package(manifest: dict[str, Any], out: Path, source: Path = TEAMS_DIR) -> Path:
    """Write manifest.json and the two icons at the root of a zip (the layout Teams expects)."""
    missing = [name for name in ICONS if not (source / name).is_file()]
    if missing:
        raise UserError(f"Teams icons not found in {source}: {', '.join(missing)} (run from a source checkout)")
    if out.is_dir():
        out = out / DEFAULT_OUT
    if not out.parent.is_dir():
        raise UserError(f"output folder does not exist: {out.parent}")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for name in ICONS:
            zf.write(source / name, arcname=name)
    return out


def _load_template(source: Path = TEAMS_DIR) -> dict[str, Any]:
    path = source / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"Teams manifest template not found at {path} (run from a source checkout)") from None


def _run(args: argparse.Namespace, settings: Settings) -> int:
    app_id = (args.app_id or settings.teams_app_id).strip()
    if not app_id:
        raise UserError("give --app-id or set MICROSOFT_APP_ID (the Azure Bot's Microsoft App ID)")
    manifest = build_manifest(app_id, _load_template(), intent_commands(builders(args).intents()),
                              thread_followups=args.thread_followups)
    out = write_package(manifest, Path(args.out))
    print(f"wrote {out} (app id {app_id}, {len(manifest['bots'][0]['commandLists'][0]['commands'])} commands); "
          "upload it in Teams: Apps → Manage your apps → Upload an app")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``teams-package`` to the command line."""
    p = sub.add_parser("teams-package", help="write the Microsoft Teams app package (zip) with your app id")
    p.add_argument("--app-id", default="", help="Microsoft App ID of the Azure Bot (default: MICROSOFT_APP_ID)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"zip file or folder to write (default: ./{DEFAULT_OUT})")
    p.add_argument("--thread-followups", action="store_true",
                   help="let people follow up in a channel thread without @mentioning the bot again (asks the team "
                        "owner for ChannelMessage.Read.Group at install)")
    p.set_defaults(run=_run)
