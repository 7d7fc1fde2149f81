"""Survey results: counts, percentages, free text (shuffled when anonymous), the anonymity threshold, CSV."""

from __future__ import annotations

import io
import random
from datetime import datetime

from bot.db import utcnow
from bot.export import SafeWriter
from bot.markup import user_text
from bot.models import Field, Image, Reply
from bot.surveys.render import describe
from bot.surveys.spec import Question, SurveyInfo
from bot.surveys.store import AnswerRow, Invite
from bot.surveys.tally import Results, Tally

MAX_TEXTS = 30  # free-text answers listed in chat (the CSV has all)
CSV_HEADER = ("survey_id", "survey", "question_no", "question", "type", "answer", "respondent")


def _named(row: AnswerRow, question: Question) -> str:
    text = describe(question, row.choice, row.text)
    return f"{row.user_ref}: {text}" if row.user_ref else text


def compute(info: SurveyInfo, invites: list[Invite], answers: list[AnswerRow], min_responses: int,
            rng: random.Random | None = None, now: datetime | None = None) -> Results:
    """Tally every question; anonymous ones stay hidden until the survey closed with ``min_responses`` answers."""
    rng = rng or random.SystemRandom()
    now = now or utcnow()
    still_open = info.accepting(now)
    tallies = []
    for q, question in enumerate(info.questions):
        rows = [a for a in answers if a.question == q]
        counts = [0] * len(question.options)
        for row in rows:
            for i in set(row.choice):
                if 0 <= i < len(counts):
                    counts[i] += 1
        texts = [_named(r, question) for r in rows if question.kind == "text" and r.text]
        if info.anonymous:
            rng.shuffle(texts)
        else:
            texts.sort()
        hidden = info.anonymous and (still_open or len(rows) < min_responses)
        tallies.append(Tally(q + 1, question, len(rows), tuple(counts), () if hidden else tuple(texts), hidden))
    finished = tuple(sorted(i.user_ref for i in invites if i.answered))
    return Results(info, len(invites), len(finished), tuple(tallies), min_responses,
                   () if info.anonymous else finished, info.state(now))


def _tally_lines(t: Tally, min_responses: int, still_open: bool) -> list[str]:
    head = f"{t.number}. {user_text(t.question.text)} ({t.answered} answer{'s' if t.answered != 1 else ''})"
    if t.hidden and t.answered < min_responses:
        return [head, f"   Hidden until at least {min_responses} people answer (anonymous survey)."]
    if t.hidden and still_open:
        return [head, "   Hidden until the survey closes (anonymous survey)."]
    lines = [head]
    if t.question.kind == "text":
        lines.extend(f"   • {user_text(text)}" for text in t.texts[:MAX_TEXTS])
        if len(t.texts) > MAX_TEXTS:
            lines.append(f"   … and {len(t.texts) - MAX_TEXTS} more (see the CSV export)")
        return lines
    lines.extend(f"   {o}: {c} ({t.percent(i):.0f}%)" for i, (o, c) in enumerate(zip(t.question.options, t.counts,
                                                                                        strict=True)))
    if t.question.kind == "scale" and (mean := t.mean()) is not None:
        lines.append(f"   average {mean:.1f} / 5")
    return lines


def results_replies(results: Results, with_chart: bool = True) -> list[Reply]:
    """The results message (and chart when a choice question can be shown)."""
    info = results.survey
    fields = (Field("Invited", str(results.invited)), Field("Finished", str(results.finished)),
              Field("Status", results.status), Field("Anonymous", "yes" if info.anonymous else "no"))
    lines = [f"Survey #{info.id} “{user_text(info.title)}”: {results.finished} of {results.invited} finished."]
    if info.kind == "assessment":
        lines.append(f"Maturity assessment for {info.team}: finished by "
                     f"{', '.join(results.finished_people) or 'nobody yet'}.")
    for t in results.tallies:
        lines.extend(_tally_lines(t, results.min_responses, results.status == "open"))
    if info.anonymous:
        lines.append(f"Anonymous: answers carry no names; a question's results appear once the survey has closed and "
                     f"at least {results.min_responses} people answered it (so comparing results over time reveals "
                     "no single answer), and free text is listed in random order.")
    elif results.finished_people and info.kind == "pulse":
        lines.append("Finished: " + ", ".join(results.finished_people))
    image = None
    if with_chart and any(not t.hidden and t.question.kind != "text" and t.answered for t in results.tallies):
        from bot.surveys.chart import render

        image = Image(render(results), alt=f"Bar chart of the answers to survey {info.id}",
                      filename=f"survey-{info.id}.png")
    return [Reply("\n".join(lines), title=f"Results: {info.title}", fields=fields, image=image)]


def to_csv(info: SurveyInfo, answers: list[AnswerRow], min_responses: int,
           rng: random.Random | None = None, now: datetime | None = None) -> str:
    """One row per answer; anonymous: no respondent, rows shuffled, nothing before the survey closed and questions
    under the threshold left out."""
    buf = io.StringIO()
    writer = SafeWriter(buf)
    writer.writerow(CSV_HEADER)
    rows = []
    for q, question in enumerate(info.questions):
        mine = [a for a in answers if a.question == q]
        if info.anonymous and (len(mine) < min_responses or info.accepting(now or utcnow())):
            continue
        rows.extend((info.id, info.title, q + 1, question.text, question.kind,
                     describe(question, a.choice, a.text), a.user_ref or "") for a in mine)
    if info.anonymous:
        (rng or random.SystemRandom()).shuffle(rows)
    else:
        rows.sort(key=lambda r: (r[2], r[6]))
    writer.writerows(rows)
    return buf.getvalue()
