"""Red-team item 2: anonymous answers cannot be linked to people from the database, attacked the way an attacker
would: PostgreSQL ``xmin`` joins and the SQLite WAL replayed commit by commit (each commit's pages)."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.app import Bot, build_bot
from bot.db import utcnow
from bot.surveys.send import send_survey
from bot.surveys.spec import from_yaml
from bot.surveys.store import legacy_hash, voter_hash, voter_key
from bot.surveys.tables import Survey, SurveyBallot
from tests.conftest import make_settings
from tests.survey_helpers import press, record_posts, say, text_of

K = 3  # FINOPS_SURVEY_MIN_RESPONSES in these tests: also the batch size
PEOPLE = [f"slack:UANON{n}@T0001" for n in range(2 * K)]
DOC = f"""
title: Pulse
anonymous: true
audience: [{", ".join(PEOPLE)}]
questions:
  - text: How useful is the cost report?
    type: scale
  - text: Do you read it?
    type: single
    options: [yes, no]
"""


def _bot(url: str) -> Bot:
    return build_bot(make_settings(url, survey_min_responses=K), demo=False)


async def _survey(bot: Bot) -> int:
    record_posts(bot)
    s = bot.services
    info = s.surveys.create(from_yaml(DOC, utcnow(), s.settings.tz), "console:you@local")
    assert (await send_survey(s, s.surveys, info.id, "console:you@local")).sent
    return info.id


async def _answer_all(bot: Bot, sid: int) -> None:
    for n, person in enumerate(PEOPLE):
        await press(bot, person, f"survey:{sid}:0:{n % 5}")
        assert "Thank you" in text_of(await press(bot, person, f"survey:{sid}:1:{n % 2}"))


# --- SQLite: replay the WAL commit by commit -----------------------------------------------------------------
def wal_commits(db: Path) -> list[bytes]:
    """The database as of each commit in the ``-wal`` file (main file + that commit's frames and all before)."""
    main, wal = db.read_bytes(), (db.parent / (db.name + "-wal")).read_bytes()
    if len(wal) < 32:
        return []
    size = int.from_bytes(wal[8:12], "big")
    pages: dict[int, bytes] = {}
    pending: dict[int, bytes] = {}
    snapshots, off = [], 32
    while off + 24 + size <= len(wal):
        header = wal[off:off + 24]
        if header[8:16] != wal[16:24]:  # salt mismatch: frames of an earlier WAL generation
            break
        pending[int.from_bytes(header[0:4], "big")] = wal[off + 24:off + 24 + size]
        if commit := int.from_bytes(header[4:8], "big"):
            pages.update(pending)
            pending = {}
            image = b"".join(pages.get(n) or main[(n - 1) * size:n * size].ljust(size, b"\0")
                             for n in range(1, commit + 1))
            snapshots.append(image[:18] + b"\x01\x01" + image[20:])  # read it as a rollback-journal file
        off += 24 + size
    return snapshots


def _read(image: bytes, where: Path) -> dict[str, Any]:
    where.write_bytes(image)
    conn = sqlite3.connect(f"file:{where}?immutable=1", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "survey_answer" not in tables:
            return {"answers": {}, "ballots": set(), "invites": {}, "states": {}, "salt": None}
        return {
            "answers": {r[0]: r[1] for r in conn.execute("SELECT id, question FROM survey_answer")},
            "ballots": set(conn.execute("SELECT voter, question FROM survey_ballot")),
            "invites": dict(conn.execute("SELECT user_ref, answered FROM survey_invite")),
            "states": {r[0]: r[1:] for r in conn.execute("SELECT key, intent, step, data FROM conversation_state")},
            "salt": next(iter(conn.execute("SELECT salt FROM survey")), (None,))[0],
        }
    finally:
        conn.close()


def _active(before: dict[str, Any], after: dict[str, Any], key: bytes) -> set[str]:
    """People whose rows changed in one commit: their ballot, their invitation, their conversation state."""
    salt = after["salt"]
    voters = {voter_hash(key, salt, p): p for p in PEOPLE} if salt else {}
    who = {voters.get(v, "?") for v, _q in after["ballots"] - before["ballots"]}
    who |= {p for p, done in after["invites"].items() if before["invites"].get(p) != done}
    who |= {"slack:" + k.split("|")[-1] for k, v in after["states"].items() if before["states"].get(k) != v}
    return who & set(PEOPLE)


async def test_sqlite_wal_replayed_commit_by_commit_links_nobody_to_an_answer(tmp_path: Path) -> None:
    db = tmp_path / "anon.db"
    bot = _bot(f"sqlite:///{db}")
    sid = await _survey(bot)
    await _answer_all(bot, sid)
    commits = wal_commits(db)
    assert commits, "the WAL holds the survey's commits"
    states = [_read(image, tmp_path / f"c{i}.db") for i, image in enumerate(commits)]
    answer_commits = 0
    for before, after in itertools.pairwise(states):
        added = [q for a, q in after["answers"].items() if a not in before["answers"]]
        if not added:
            continue
        answer_commits += 1
        assert _active(before, after, bot.services.surveys.key) == set(), \
            "an answer was written in the same commit as a person's rows"
        for q in set(added):
            assert added.count(q) >= K, f"a commit added {added.count(q)} answer(s) to question {q}: fewer than K"
    assert answer_commits >= 2
    assert len(states[-1]["answers"]) == 2 * len(PEOPLE)
    await say(bot, "console:you@local", f"survey close {sid}")
    final = {a for a, _q in _read(db.read_bytes(), tmp_path / "main.db")["answers"].items()}
    later = [_read(image, tmp_path / f"after{i}.db") for i, image in enumerate(wal_commits(db))]
    assert len(final) == 2 * len(PEOPLE)
    assert all(set(st["answers"]) in (final, set()) for st in later)  # the batch history was checkpointed away
    results = text_of(await say(bot, "console:you@local", f"survey results {sid}"))
    assert f"{len(PEOPLE)} of {len(PEOPLE)} finished" in results and ": 3 (50%)" in results
    bot.services.db.dispose()


# --- PostgreSQL: join on xmin -----------------------------------------------------------------------------------
XMIN_JOINS = {
    "survey_invite": "SELECT i.user_ref FROM survey_answer a JOIN survey_invite i ON a.xmin = i.xmin",
    "survey_ballot": "SELECT b.voter FROM survey_answer a JOIN survey_ballot b ON a.xmin = b.xmin",
    "conversation_state": "SELECT c.key FROM survey_answer a JOIN conversation_state c ON a.xmin = c.xmin",
}


async def test_postgresql_xmin_joins_link_nobody_to_an_answer(pg_url: str) -> None:
    bot = _bot(pg_url)
    sid = await _survey(bot)
    await _answer_all(bot, sid)
    with bot.services.db.engine.connect() as conn:
        for table, sql in XMIN_JOINS.items():
            assert conn.execute(sa.text(sql)).all() == [], f"an answer shares its transaction with {table}"
        groups = conn.execute(sa.text("SELECT xmin::text, question, count(*) FROM survey_answer "
                                      "GROUP BY xmin::text, question")).all()
        assert len(groups) >= 4 and all(n >= K for _x, _q, n in groups), groups
        # ordering: the transaction ids of the people's ballots sit between answer batches of at least K
        ballots = sorted(int(x) for (x,) in conn.execute(sa.text("SELECT xmin::text FROM survey_ballot")))
        batches = sorted({int(x) for x, _q, _n in groups})
        for low, high in zip([0, *batches], batches, strict=False):
            between = [b for b in ballots if low < b < high]
            assert len(between) in (0,) or len(between) >= K, "a batch follows fewer than K people's ballots"
        columns = {c for (c,) in conn.execute(sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'survey_answer' "
            "AND table_schema = current_schema()"))}
    assert not columns & {"created_at", "answered_at", "updated_at"}
    await say(bot, "console:you@local", f"survey close {sid}")
    with bot.services.db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(DISTINCT xmin::text) FROM survey_answer")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM survey_answer")).scalar_one() == 2 * len(PEOPLE)
    bot.services.db.dispose()


async def test_waiting_answers_count_as_answered_and_refuse_a_second_answer(sqlite_url: str) -> None:
    bot = _bot(sqlite_url)
    sid = await _survey(bot)
    await press(bot, PEOPLE[0], f"survey:{sid}:0:2")
    again = await press(bot, PEOPLE[0], f"survey:{sid}:0:4")
    assert "already recorded" in text_of(again)
    assert bot.services.surveys.answers(sid) == []  # still waiting in the mix pool: nothing written yet
    with bot.services.db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM survey_ballot")).scalar_one() == 0


async def test_a_survey_with_fewer_than_k_respondents_stores_no_answers(sqlite_url: str) -> None:
    bot = _bot(sqlite_url)
    sid = await _survey(bot)
    for person in PEOPLE[:K - 1]:
        await press(bot, person, f"survey:{sid}:0:1")
        await press(bot, person, f"survey:{sid}:1:0")
    await say(bot, "console:you@local", f"survey close {sid}")
    assert bot.services.surveys.answers(sid) == []  # they could never be shown: they are not kept either
    finished = [i.user_ref for i in bot.services.surveys.invites(sid) if i.answered]
    assert sorted(finished) == sorted(PEOPLE[:K - 1])


@pytest.fixture(autouse=True)
def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")


async def test_ticked_options_of_an_anonymous_multi_question_are_never_stored(tmp_path: Path) -> None:
    db = tmp_path / "multi.db"
    bot = _bot(f"sqlite:///{db}")
    record_posts(bot)
    s = bot.services
    doc = (f"title: Clouds\nanonymous: true\naudience: [{PEOPLE[0]}]\nquestions:\n  - text: Which clouds?\n"
           "    type: multi\n    options: [AWS, Azure, GCP]\n")
    info = s.surveys.create(from_yaml(doc, utcnow(), s.settings.tz), "console:you@local")
    assert (await send_survey(s, s.surveys, info.id, "console:you@local")).sent
    await press(bot, PEOPLE[0], f"survey:{info.id}:0:0")
    ticked = await press(bot, PEOPLE[0], f"survey:{info.id}:0:2")
    assert "Selected so far: AWS, GCP" in text_of(ticked)
    states = [_read(image, tmp_path / f"m{i}.db")["states"] for i, image in enumerate(wal_commits(db))]
    assert states and all(json.loads(data or "{}").get("picked") in (None, [])
                          for st in states for _i, _s, data in st.values())
    done = await press(bot, PEOPLE[0], f"survey:{info.id}:0:done")
    assert "Thank you" in text_of(done)
    assert [list(a.values()) for a in s.surveys.pool.take(info.id).values()] == [[((0, 2), None)]]


async def test_a_stored_ballot_cannot_be_recomputed_from_the_survey_and_the_person(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, survey_min_responses=K, slack_signing_secret="s3cret-of-the-replicas")
    bot = build_bot(settings, demo=False)
    sid = await _survey(bot)
    await _answer_all(bot, sid)
    with bot.services.db.session() as s:
        salt = s.exec(select(Survey.salt).where(Survey.id == sid)).one()
        stored = set(s.exec(select(SurveyBallot.voter).where(SurveyBallot.survey_id == sid)).all())
    assert stored
    everything_in_the_database = {legacy_hash(salt, p) for p in PEOPLE} | {voter_hash(voter_key(""), salt, p)
                                                                           for p in PEOPLE}
    assert not stored & everything_in_the_database  # the salt is stored, the key is not
    assert stored == {voter_hash(voter_key("s3cret-of-the-replicas"), salt, p) for p in PEOPLE}


async def test_a_ballot_stored_before_refs_named_the_workspace_still_refuses_a_second_answer(sqlite_url: str) -> None:
    """A survey open across the upgrade to ``platform:user@tenant`` refs (migration 0007): its ballots were hashed
    from ``slack:U…``; the same person, now ``slack:U…@T0001``, is still refused a second answer."""
    bot = _bot(sqlite_url)
    s = bot.services
    sid = await _survey(bot)
    with s.db.session() as db:
        salt = db.exec(select(Survey.salt).where(Survey.id == sid)).one()
        old = PEOPLE[0].rpartition("@")[0]  # slack:UANON0, as stored before
        db.add(SurveyBallot(survey_id=sid, question=0, voter=voter_hash(s.surveys.key, salt, old)))
    assert s.surveys.answered(sid, PEOPLE[0]) == {0}
    assert s.surveys.answered(sid, PEOPLE[1]) == set()
    assert "already recorded" in text_of(await press(bot, PEOPLE[0], f"survey:{sid}:0:1"))
