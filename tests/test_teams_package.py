"""The Teams app package: manifest with the app id, icons Teams accepts, commands that reach our intents."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from bot.app import build_bot
from bot.cli import main
from bot.teams_package import TEAMS_DIR, intent_commands
from intents import INTENTS
from tests.conftest import make_settings, message

APP_ID = "5f1c8a52-2b7e-4d0e-9a51-0c9f1e7d3a10"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TYPE", "TEAMS_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def _manifest(zip_path: Path) -> dict:
    with zipfile.ZipFile(zip_path) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        return json.loads(zf.read("manifest.json"))


def test_package_has_the_app_id_scopes_and_icons(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    assert main(["teams-package", "--app-id", APP_ID, "--out", str(out)]) == 0
    manifest = _manifest(out)
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert tuple(int(p) for p in manifest["manifestVersion"].split(".")) >= (1, 17)
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    for url in manifest["developer"].values():
        assert url == manifest["developer"]["name"] or url.startswith("https://")
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80


def test_thread_followups_ask_for_the_channel_message_permission(tmp_path: Path) -> None:
    plain, rsc = tmp_path / "plain.zip", tmp_path / "rsc.zip"
    assert main(["teams-package", "--app-id", APP_ID, "--out", str(plain)]) == 0
    assert main(["teams-package", "--app-id", APP_ID, "--out", str(rsc), "--thread-followups"]) == 0
    assert "authorization" not in _manifest(plain)  # by default the bot only hears @mentions in channels
    manifest = _manifest(rsc)
    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "ChannelMessage.Read.Group", "type": "Application"}]
    assert manifest["webApplicationInfo"]["id"] == APP_ID


def test_app_id_from_the_environment_and_folder_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "x")
    assert main(["teams-package", "--out", str(tmp_path)]) == 0
    assert _manifest(tmp_path / "finops-bot-teams.zip")["id"] == APP_ID


@pytest.mark.parametrize("argv,needle", [
    (["teams-package"], "MICROSOFT_APP_ID"),
    (["teams-package", "--app-id", "not-a-guid"], "GUID"),
    (["teams-package", "--app-id", APP_ID, "--out", "/no/such/dir/app.zip"], "does not exist"),
])
def test_bad_input_is_one_clear_line(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_icons_are_the_sizes_teams_requires() -> None:
    color = Image.open(TEAMS_DIR / "color.png")
    outline = Image.open(TEAMS_DIR / "outline.png").convert("RGBA")
    assert color.size == (192, 192) and outline.size == (32, 32)
    raw = outline.tobytes()  # RGBA bytes (getdata() is deprecated in Pillow 12)
    pixels = [tuple(raw[i:i + 4]) for i in range(0, len(raw), 4)]
    assert any(a == 0 for *_, a in pixels) and any(a == 255 for *_, a in pixels)  # transparent background
    assert all((r, g, b) == (255, 255, 255) for r, g, b, a in pixels if a > 0)  # white only


def test_commands_fit_teams_limits_and_reach_their_intent(sqlite_url: str) -> None:
    commands = intent_commands(INTENTS)
    assert 0 < len(commands) <= 10 and commands[0]["title"] == "help"
    owners = {next(cls.name for cls in INTENTS if c["title"] in getattr(cls, "examples", ())) for c in commands}
    assert {"framework_question", "survey_answer", "budget_status", "start_assessment"} <= owners
    assert len({c["title"] for c in commands}) == len(commands)
    assert all(len(c["title"]) <= 32 and 0 < len(c["description"]) <= 128 for c in commands)
    bot = build_bot(make_settings(sqlite_url), demo=False)
    u = bot.router.understanding
    for command in commands:
        parse = u.parse(message(command["title"]).text)
        owner = next(cls.name for cls in INTENTS if command["title"] in getattr(cls, "examples", ()))
        assert parse.intent == owner and parse.confidence >= u.threshold, (command, parse)
    bot.services.db.dispose()


def test_template_is_valid_json_with_one_command_list() -> None:
    template = json.loads((TEAMS_DIR / "manifest.json").read_text())
    assert len(template["bots"]) == 1 and len(template["bots"][0]["commandLists"]) == 1
