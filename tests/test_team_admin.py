"""Team management in chat: practitioners manage the directory, owners their own team, members nothing."""

from __future__ import annotations

from tests.conftest import message


async def test_team_management_roles_and_audit(bot) -> None:
    s = bot.services
    member = await bot.router.handle(message("add team platform", user="U9", platform="slack"))
    assert "practitioner role" in member.replies[0].text
    added = await bot.router.handle(message("add team platform"))
    assert "Done" in added.replies[0].text and s.teams.get("platform") is not None
    person = await bot.router.handle(message("add slack:U42@T0001 to platform as owner"))
    assert "Done" in person.replies[0].text and s.teams.get("platform").owners == ("slack:U42@T0001",)
    by_owner = await bot.router.handle(message("add <@U43> to platform", user="U42", platform="slack"))
    assert "Done" in by_owner.replies[0].text and "slack:U43@T0001" in s.teams.get("platform").members
    by_member = await bot.router.handle(message("add <@U44> to platform", user="U43", platform="slack"))
    assert "Only the team's owners" in by_member.replies[0].text
    here = await bot.router.handle(message("use this channel for platform", user="U42", platform="slack",
                                           channel="C0PLAT"))
    assert "Done" in here.replies[0].text and s.teams.get("platform").slack_channel == "C0PLAT"
    mapped = await bot.router.handle(message("map account 111122223333 to platform"))
    assert "imported from now on" in mapped.replies[0].text
    assert ("account", "", "111122223333", "platform") in s.budgets.budgets.rules()
    refused = await bot.router.handle(message("map account 1 to platform", user="U42", platform="slack"))
    assert "practitioner role" in refused.replies[0].text
    unknown = await bot.router.handle(message("add slack:U1@T0001 to paymnts"))
    assert "payments" in unknown.replies[0].text
    actions = [r.action for r in s.audit.recent(10)]
    assert {"team.add", "team.member.add", "team.channel", "team.map_account"} <= set(actions)
    listing = await bot.router.handle(message("list teams"))
    assert "platform" in listing.replies[0].text and "payments" in listing.replies[0].text
