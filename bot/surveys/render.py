"""Survey messages: a question with its buttons, invitations, channel announcements, reminders, previews.

Button values are ``survey:<id>:<question>:<option>`` (option = index, ``done`` or ``start``), so a click on an
old message or a second click is recognised; the text of every message is complete without the buttons. A free-text
question also carries a one-field form ``survey:<id>:<question>:text`` (a Slack modal, a Teams card input); typing
the answer works as well.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.markup import user_text
from bot.models import Choice, Field, Form, Input, Reply
from bot.surveys.spec import Question, SurveyInfo

VALUE = re.compile(r"^survey:(?P<sid>\d{1,9}):(?P<q>\d{1,2}):(?P<opt>\d{1,2}|done|start|text)$")
KIND_LABEL = {"single": "one choice", "multi": "several choices", "scale": "scale 1–5", "text": "free text"}


def button(sid: int, q: int, opt: int | str) -> str:
    """The value a survey button sends back."""
    return f"survey:{sid}:{q}:{opt}"


def _title(info: SurveyInfo) -> str:
    return user_text(info.title)


def _when(info: SurveyInfo, tz: ZoneInfo) -> str:
    return f"{info.deadline.astimezone(tz):%a %d %b %H:%M} ({tz.key})"


def privacy_note(info: SurveyInfo) -> str:
    """What the person is told about their answers."""
    if info.anonymous:
        return "Anonymous: your name is not stored with your answers."
    return "Not anonymous: the author sees who answered what."


def question_reply(info: SurveyInfo, q: int, picked: tuple[int, ...] = (), note: str | None = None,
                   typed: str = "") -> Reply:
    """Question ``q`` with a button per option (multi choice: toggles plus Done; text: typed, or a one-field form
    holding ``typed`` when it comes back with a note)."""
    question = info.questions[q]
    head = f"Question {q + 1} of {len(info.questions)}: {user_text(question.text)}" if len(info.questions) > 1 \
        else user_text(question.text)
    lines = [note] if note else []
    lines.append(head)
    choices: list[Choice] = []
    if question.kind == "text":
        lines.append("Type your answer here (one message).")
        form = Form(button(info.id, q, "text"), "Your answer", "Send answer", (
            Input("answer", question.text[:2000], "multiline", hint=privacy_note(info), initial=typed),))
        return Reply("\n".join(lines), title=_title(info), footer=privacy_note(info), form=form)
    elif question.kind == "scale":
        lines.append("Answer from 1 (not at all) to 5 (very): press a number or type it.")
        choices = [Choice(o, button(info.id, q, i)) for i, o in enumerate(question.options)]
    else:
        lines.extend(f"{i + 1}. {user_text(o)}" for i, o in enumerate(question.options))
        many = question.kind == "multi"
        lines.append("Pick all that apply, then press Done (or type the numbers, e.g. 1, 3)." if many
                     else "Press one, or type its number.")
        choices = [Choice(("✓ " if i in picked else "") + o, button(info.id, q, i)) for i, o in
                   enumerate(question.options)]
        if many:
            choices.append(Choice("Done", button(info.id, q, "done"), "primary"))
    if picked:
        lines.append("Selected so far: " + ", ".join(user_text(question.options[i]) for i in picked))
    return Reply("\n".join(lines), title=_title(info), choices=tuple(choices), footer=privacy_note(info))


def invitation(info: SurveyInfo, tz: ZoneInfo) -> Reply:
    """The DM a person receives: the survey, its deadline, and the first question (or the Answer button)."""
    intro = f"The FinOps team asks for your answer by {_when(info, tz)}"
    if info.kind == "assessment":
        return Reply(f"{intro}: please take the FinOps maturity assessment for {info.team}. It takes about "
                     "10 minutes, one question at a time, and you can pause and resume.",
                     title=_title(info), choices=(Choice("Start assessment", f"start assessment for {info.team}",
                                                       "primary"),))
    note = f"{intro} ({len(info.questions)} question{'s' if len(info.questions) > 1 else ''})."
    return first_reply(info, 0, note)


def first_reply(info: SurveyInfo, q: int, note: str) -> Reply:
    """Question ``q`` with its buttons, or for free text the question with an Answer button (typing starts then)."""
    question = info.questions[q]
    if question.kind == "text":
        return Reply(f"{note}\n{user_text(question.text)}\nPress Answer, then type your answer.", title=_title(info),
                     choices=(Choice("Answer", button(info.id, q, "start"), "primary"),), footer=privacy_note(info))
    return question_reply(info, q, note=note)


def announcement(info: SurveyInfo, tz: ZoneInfo) -> Reply:
    """The channel post: anyone there can start answering (answers happen in a private conversation)."""
    if info.kind == "assessment":
        return invitation(info, tz)
    return Reply(f"The FinOps team started a survey: “{user_text(info.title)}” ({len(info.questions)} question"
                 f"{'s' if len(info.questions) > 1 else ''}, until {_when(info, tz)}). Press Answer to take part.",
                 title=_title(info), choices=(Choice("Answer", button(info.id, 0, "start"), "primary"),),
                 footer=privacy_note(info))


def reminder(info: SurveyInfo, next_q: int | None, tz: ZoneInfo) -> Reply:
    """A reminder to someone who has not answered (continuing where they stopped)."""
    if info.kind == "assessment":
        return Reply(f"Reminder: the maturity assessment for {info.team} is due by {_when(info, tz)}. Resume or "
                     "start it whenever you have 10 minutes.", title=_title(info),
                     choices=(Choice("Resume", f"resume assessment for {info.team}", "primary"),
                              Choice("Start assessment", f"start assessment for {info.team}")))
    q = next_q or 0
    return Reply(f"Reminder: “{user_text(info.title)}” closes {_when(info, tz)} and we'd value your answer "
                 f"(question {q + 1} of {len(info.questions)} is next). Press Answer to continue.",
                 title=_title(info), choices=(Choice("Answer", button(info.id, q, "start"), "primary"),),
                 footer=privacy_note(info))


def preview(info: SurveyInfo, people: int, channels: int, problems: tuple[str, ...], tz: ZoneInfo,
            min_answers: int = 0) -> Reply:
    """The composer's preview, with Send and Cancel; an anonymous survey that too few people receive is flagged
    (its results are shown only once ``min_answers`` people answered, so they could never be shown)."""
    fields = [Field("Audience", ", ".join(info.audience)),
              Field("Recipients", f"{people} people by DM" + (f", {channels} channel(s)" if channels else "")),
              Field("Deadline", _when(info, tz))]
    if info.kind == "pulse":
        fields.append(Field("Anonymous", "yes" if info.anonymous else "no"))
    reminders = (f"every {info.remind_every_hours} h, at most {info.max_reminders}" if info.max_reminders
                 else "none")
    fields.append(Field("Reminders", reminders))
    lines = [f"Survey #{info.id} (draft). Check it, then press Send."]
    for n, q in enumerate(info.questions, start=1):
        options = f": {' | '.join(user_text(o) for o in q.options)}" if q.kind in ("single", "multi") else ""
        lines.append(f"{n}. {user_text(q.text)} ({KIND_LABEL[q.kind]}{options})")
    if info.kind == "assessment":
        lines.append(f"Invites the people of {info.team} to the maturity assessment and tracks who finished.")
    lines.extend(f"⚠ {p}" for p in problems)
    if info.kind == "pulse" and info.anonymous and not channels and 0 < people < min_answers:
        lines.append(f"⚠ Anonymous results are shown only once {min_answers} people answered, and only {people} "
                     f"{'person' if people == 1 else 'people'} would receive it: its results could never be shown. "
                     "Add people (or a channel), or send it without “anonymous”.")
    can_send = people or channels
    if not can_send:
        lines.append("Nobody would receive it, so it cannot be sent.")
    choices = ((Choice("Send", f"survey send {info.id}", "primary"),) if can_send else ()) + (
        Choice("Cancel", f"survey discard {info.id}", "danger"),)
    return Reply("\n".join(lines), title=f"Preview: {_title(info)}", fields=tuple(fields), choices=choices)


def summary_line(info: SurveyInfo, invited: int, answered: int, tz: ZoneInfo, now: datetime) -> str:
    """One line for ``survey list``."""
    flags = ("anonymous, " if info.anonymous else "") + info.kind
    return (f"#{info.id} {_title(info)} — {info.state(now)}, {answered}/{invited} answered, due {_when(info, tz)} "
            f"({flags})")


def describe(question: Question, choice: tuple[int, ...], text: str | None) -> str:
    """An answer as text (CSV and listings)."""
    if question.kind == "text":
        return text or ""
    return "; ".join(question.options[i] for i in choice if 0 <= i < len(question.options))
