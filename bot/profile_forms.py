"""The profile questionnaire as platform-neutral forms: pages, fields, pre-fill, errors.

Plain functions over plain values. A platform says how many inputs one form holds
(Discord: five, the notice counting as one); the questionnaire is cut into pages that fit,
the first page carrying the notice and the consent field when consent is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.i18n import Translator
from bot.ports import AGREED, FieldKind, FieldValue, Form, FormField
from bot.profiles import FieldError, Kind, Question, Questionnaire, display_value
from bot.profiles.consent import (
    NOTICE_BODY,
    NOTICE_VERSION,
    custom_notice,
)
from bot.profiles.questionnaire import Step

PROFILE_FORM = "profile"
CONSENT_FIELD = "_consent"
"""The id of the consent field; no question id can start with an underscore."""
WIDE_FORM = 50
"""Inputs in one form on platforms without a tight limit (a Slack modal holds 100 blocks)."""

_FIELD_KINDS = {
    Kind.TAGS: FieldKind.PARAGRAPH,
    Kind.CHOICE: FieldKind.SELECT,
    Kind.MULTI_CHOICE: FieldKind.MULTI_SELECT,
}


@dataclass(frozen=True)
class Draft:
    """Answers typed so far in a multi-page form (kept in memory only) and whether agreed."""

    raw: Mapping[str, FieldValue] = field(default_factory=dict)
    agreed: bool = False


def pages(questionnaire: Questionnaire, capacity: int, *, consent_needed: bool) -> tuple[Step, ...]:
    """The questionnaire cut into forms of ``capacity`` inputs; page 1 keeps room for consent."""
    size = max(capacity, 3)
    reserved = 2 if consent_needed else 0
    return questionnaire.steps(size, reserved=reserved)


def state(community: str, step: int) -> str:
    """The state a profile form carries: its community and page."""
    return f"{community}|{step}"


def parse_state(text: str) -> tuple[str, int] | None:
    """(community, page) from a form's state or a button's value; None when unreadable."""
    community, _, step = text.rpartition("|")
    if not community or ":" not in community or not step.isdigit() or len(step) > 2:
        return None
    return community, int(step)


def notice_lines(
    questionnaire: Questionnaire, keys: tuple[str, ...], say: Translator
) -> tuple[str, ...]:
    """The notice texts to show before the fields (the community's own body if it set one)."""
    lines: list[str] = []
    for key in keys:
        if key == NOTICE_BODY:
            lines.append(custom_notice(questionnaire.notice, say.locale) or say(key))
        elif key == NOTICE_VERSION:
            lines.append(say(key, version=questionnaire.notice_version))
        else:
            lines.append(say(key))
    return tuple(lines)


def prefill(question: Question, value: object) -> FieldValue:
    """What to show in a question's input, from a stored answer in words or text typed earlier."""
    if question.kind is Kind.MULTI_CHOICE:
        if isinstance(value, str):
            return (value,) if value else ()
        return tuple(str(item) for item in value) if isinstance(value, tuple | list) else ()
    if isinstance(value, tuple | list):
        items = [str(item) for item in value]
        return (items[0] if items else "") if question.kind is Kind.CHOICE else ", ".join(items)
    return "" if value is None else str(value)


def stored_as_raw(
    questionnaire: Questionnaire, values: Mapping[str, FieldValue], locale: str
) -> dict[str, FieldValue]:
    """Stored answers as a member would type them (country names, tag lists)."""
    raw: dict[str, FieldValue] = {}
    for question in questionnaire.questions:
        value = values.get(question.id)
        if value in (None, "", ()):
            continue
        assert value is not None
        if question.kind in (Kind.COUNTRY, Kind.REGION, Kind.TAGS):
            raw[question.id] = display_value(question, value, locale)
        else:
            raw[question.id] = value
    return raw


def question_field(question: Question, initial: FieldValue, say: Translator) -> FormField:
    """The input drawing one question, pre-filled; its description says who sees the answer."""
    locale = say.locale
    return FormField(
        id=question.id,
        kind=_FIELD_KINDS.get(question.kind, FieldKind.SHORT_TEXT),
        label=question.label(locale),
        initial=initial,
        required=question.required,
        max_length=question.max_length,
        hint=question.hint(locale),
        description=say(question.visibility.label_key),
        choices=tuple((choice.id, choice.label(locale)) for choice in question.choices),
    )


def consent_field(version: int, agreed: bool, say: Translator) -> FormField:
    """The agreement to the notice shown above the fields."""
    return FormField(
        id=CONSENT_FIELD,
        kind=FieldKind.CONSENT,
        label=say("profile.notice.agree_label", version=version),
        initial=AGREED if agreed else "",
        choices=((AGREED, say("profile.notice.agree")), ("no", say("profile.notice.decline"))),
    )


def build_form(
    questionnaire: Questionnaire,
    community: str,
    step: int,
    steps: tuple[Step, ...],
    *,
    initial: Mapping[str, FieldValue],
    say: Translator,
    notice: tuple[str, ...] = (),
    agreed: bool = False,
) -> Form:
    """Page ``step`` (from 1) of the profile form; the notice and consent go on page 1."""
    fields = [question_field(q, prefill(q, initial.get(q.id)), say) for q in steps[step - 1]]
    with_consent = step == 1 and bool(notice)
    if with_consent:
        fields.insert(0, consent_field(questionnaire.notice_version, agreed, say))
    title = (
        say("profile.form.title")
        if len(steps) == 1
        else say("profile.form.step", step=step, steps=len(steps))
    )
    last = step == len(steps)
    return Form(
        form=PROFILE_FORM,
        state=state(community, step),
        title=title,
        fields=tuple(fields),
        submit_label=say("profile.form.save" if last else "profile.form.next"),
        notice=notice if with_consent else (),
    )


def agreed_in(value: object) -> bool:
    """Whether a submitted consent field says yes (a text or a one-item selection)."""
    if isinstance(value, str):
        return value == AGREED
    return isinstance(value, tuple | list) and AGREED in value


def error_text(error: FieldError, say: Translator) -> str:
    """One answer's problem in words."""
    return say(error.key, **error.params)


def page_of(steps: tuple[Step, ...], question_ids: set[str]) -> int:
    """The first page (from 1) holding one of these questions (1 when none does)."""
    for number, step in enumerate(steps, start=1):
        if any(question.id in question_ids for question in step):
            return number
    return 1
