"""Profile use cases without a platform: forms on one page (Slack) and in steps (Discord),
consent, errors that keep every answer, saving once, linking accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from bot.ports import AGREED, FieldKind, Form, Reply, Role
from bot.profile_forms import CONSENT_FIELD
from storage import profiles as db
from storage import tables
from tests.profile_world import World, button, profile_world

SLACK = "slack:T0FLOW"
DISCORD = "discord:111111111111111111"
ANSWERS = {
    "display_name": "Amina",
    "email": "Amina@Example.org",
    "job_function": "Data engineer",
    "company": "Acme",
    "country": "Allemagne",
    "region": "Bayern",
    "expertise": "Python, k8s",
}


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async with profile_world(database_url) as built:
        yield built


def stored(world: World, community: str, user: str) -> db.StoredProfile | None:
    with world.engine.connect() as connection:
        who = db.account(connection, community, user)
        return db.profile_of(connection, who) if who else None


async def open_form(world: World, community: str, user: str) -> Form:
    form = await world.command(community, user, "profile")
    assert isinstance(form, Form), form
    return form


async def fill(world: World, community: str, user: str, answers: dict | None = None) -> Reply:
    """Fill in every page of the form with consent; the last reply."""
    form: object = await open_form(world, community, user)
    typed = {**(answers or ANSWERS), CONSENT_FIELD: AGREED}
    while isinstance(form, Form):
        result = await world.submit(community, user, form, typed)
        assert not result.errors, result.errors
        following = [b for b in result.reply.buttons if b.action == "profile.open"]
        if not following:
            return result.reply
        form = await world.click(community, user, following[0])
    raise AssertionError(form)


async def test_slack_form_is_one_page_with_notice_and_consent(world: World) -> None:
    form = await open_form(world, SLACK, "U1")
    ids = [f.id for f in form.fields]
    assert ids == [CONSENT_FIELD, *ANSWERS]
    assert form.fields[0].kind is FieldKind.CONSENT
    assert any("Pulse keeps the answers" in line for line in form.notice)
    assert form.title == "Your profile" and form.submit_label == "Save"
    email = next(f for f in form.fields if f.id == "email")
    assert email.description == "Visible to administrators only"


async def test_nothing_is_stored_without_consent(world: World) -> None:
    form = await open_form(world, SLACK, "U1")
    result = await world.submit(SLACK, "U1", form, ANSWERS)
    assert set(result.errors) == {CONSENT_FIELD}
    assert "Nothing was saved" in result.reply.as_text()
    assert stored(world, SLACK, "U1") is None
    assert world.rows_naming("Amina") == {}


async def test_a_valid_slack_submission_stores_answers_with_consent(world: World) -> None:
    form = await open_form(world, SLACK, "U1")
    result = await world.submit(SLACK, "U1", form, {**ANSWERS, CONSENT_FIELD: AGREED})
    assert not result.errors
    assert "Your profile is saved." in result.reply.as_text()
    profile = stored(world, SLACK, "U1")
    assert profile is not None
    assert profile.values["email"] == "Amina@example.org"  # domains fold, local parts do not
    assert profile.values["country"] == "DE" and profile.values["region"] == "DE-BY"
    assert profile.values["expertise"] == ("python", "kubernetes")
    assert profile.consents == {1: int(world.clock.now.timestamp() * 1000)}
    again = await open_form(world, SLACK, "U1")
    assert [f.id for f in again.fields] == list(ANSWERS)  # consent covered: no notice
    assert not again.notice
    shown = {f.id: f.initial for f in again.fields}
    assert shown["country"] == "Germany" and shown["expertise"] == "python, kubernetes"
    unchanged = await world.submit(SLACK, "U1", again, {})
    assert "Nothing to change" in unchanged.reply.as_text()


async def test_invalid_answers_come_back_per_field_with_the_rest_intact(world: World) -> None:
    form = await open_form(world, SLACK, "U1")
    typed = {**ANSWERS, "email": "amina@", "country": "Atlantis", CONSENT_FIELD: AGREED}
    result = await world.submit(SLACK, "U1", form, typed)
    assert set(result.errors) == {"email", "country"}
    assert "Atlantis" in result.errors["country"]
    assert stored(world, SLACK, "U1") is None
    reopened = await world.click(SLACK, "U1", button(result.reply, "profile.open"))
    assert isinstance(reopened, Form)
    shown = {f.id: f.initial for f in reopened.fields}
    assert shown["email"] == "amina@" and shown["country"] == "Atlantis"
    assert shown["job_function"] == "Data engineer" and shown[CONSENT_FIELD] == AGREED


async def test_discord_form_comes_in_steps_and_saves_at_the_end(world: World) -> None:
    page1 = await open_form(world, DISCORD, "42")
    assert [f.id for f in page1.fields] == [CONSENT_FIELD, "display_name", "email", "job_function"]
    assert page1.notice and page1.title == "Your profile (1/2)"
    first = {k: ANSWERS[k] for k in ("display_name", "email", "job_function")}
    done = await world.submit(DISCORD, "42", page1, {**first, CONSENT_FIELD: (AGREED,)})
    assert not done.errors and "Page 1 of 2" in done.reply.as_text()
    assert stored(world, DISCORD, "42") is None  # nothing before the last page
    page2 = await world.click(DISCORD, "42", button(done.reply, "profile.open"))
    assert isinstance(page2, Form) and not page2.notice
    assert [f.id for f in page2.fields] == ["company", "country", "region", "expertise"]
    rest = {k: ANSWERS[k] for k in ("company", "country", "region", "expertise")}
    saved = await world.submit(DISCORD, "42", page2, rest)
    assert "Your profile is saved." in saved.reply.as_text()
    profile = stored(world, DISCORD, "42")
    assert profile is not None and profile.values["display_name"] == "Amina"
    twice = await world.submit(DISCORD, "42", page2, rest)
    assert "Nothing to change" in twice.reply.as_text()


async def test_an_error_on_a_later_step_reopens_that_step_prefilled(world: World) -> None:
    page1 = await open_form(world, DISCORD, "42")
    first = {k: ANSWERS[k] for k in ("display_name", "email", "job_function")}
    done = await world.submit(DISCORD, "42", page1, {**first, CONSENT_FIELD: (AGREED,)})
    page2 = await world.click(DISCORD, "42", button(done.reply, "profile.open"))
    assert isinstance(page2, Form)
    bad = {"company": "Acme", "country": "Narnia", "region": "", "expertise": "x" * 10_000}
    result = await world.submit(DISCORD, "42", page2, bad)
    assert set(result.errors) == {"country", "expertise"}
    assert "Narnia" in result.reply.as_text()
    fix = await world.click(DISCORD, "42", button(result.reply, "profile.open"))
    assert isinstance(fix, Form) and fix.state == page2.state
    assert {f.id: f.initial for f in fix.fields}["country"] == "Narnia"
    assert stored(world, DISCORD, "42") is None


async def test_a_form_opened_from_a_dm_after_leaving_is_a_no_op(world: World) -> None:
    page1 = await open_form(world, DISCORD, "42")
    with world.engine.begin() as connection:
        community = db.ensure_community(connection, DISCORD, 0)
        connection.execute(
            tables.member_table.insert().values(
                community_id=community, user_id="42", joined_ms=1, left_ms=2, opted_out=False
            )
        )
    result = await world.submit("discord:", "42", page1, {**ANSWERS, CONSENT_FIELD: AGREED})
    assert "no longer a member" in result.reply.as_text()
    assert stored(world, DISCORD, "42") is None


@pytest.mark.parametrize(
    "name",
    ["🦄 Ünïcörn 🌈", "مريم الحسن", "\u202eevil\u202c name", "名前"],
    ids=["emoji", "rtl", "bidi-override", "cjk"],
)
async def test_exotic_names_are_stored_cleanly(world: World, name: str) -> None:
    form = await open_form(world, SLACK, "U1")
    result = await world.submit(SLACK, "U1", form, {"display_name": name, CONSENT_FIELD: AGREED})
    assert not result.errors, result.errors
    profile = stored(world, SLACK, "U1")
    assert profile is not None
    assert "\u202e" not in str(profile.values["display_name"])


async def test_garbage_in_every_field_is_refused_without_saving(world: World) -> None:
    form = await open_form(world, SLACK, "U1")
    garbage = {f.id: "\x00\x01" * 3 + "x" * 5000 for f in form.fields if f.id != CONSENT_FIELD}
    result = await world.submit(SLACK, "U1", form, {**garbage, CONSENT_FIELD: AGREED})
    assert set(result.errors) == set(ANSWERS)
    assert stored(world, SLACK, "U1") is None


async def test_linking_two_accounts_gives_one_profile(world: World) -> None:
    await fill(world, SLACK, "U1")
    issued = await world.command(SLACK, "U1", "profile", "link")
    assert isinstance(issued, Reply)
    code = issued.lines[0].split("`")[1]
    linked = await world.command(DISCORD, "42", "profile", f"link {code.lower()}")
    assert "Linked" in linked.as_text()  # type: ignore[union-attr]
    reused = await world.command(DISCORD, "43", "profile", f"link {code}")
    assert "unknown, expired or already used" in reused.as_text()  # type: ignore[union-attr]
    slack_side, discord_side = stored(world, SLACK, "U1"), stored(world, DISCORD, "42")
    assert slack_side is not None and discord_side is not None
    assert slack_side.id == discord_side.id and len(discord_side.accounts) == 2
    with world.engine.connect() as connection:
        codes = connection.execute(sa.select(tables.link_code_table)).all()
    assert codes == []


async def test_a_code_expires_and_never_merges_two_profiles(world: World) -> None:
    for community, user in ((SLACK, "U1"), (DISCORD, "42")):
        await fill(world, community, user)
    issued = await world.command(SLACK, "U1", "profile", "link")
    code = issued.lines[0].split("`")[1]  # type: ignore[union-attr]
    refused = await world.command(DISCORD, "42", "profile", f"link {code}")
    assert "never merges" in refused.as_text()  # type: ignore[union-attr]
    late = await world.command(SLACK, "U1", "profile", "link")
    world.clock.advance(minutes=16)
    expired = await world.command(DISCORD, "99", "profile", f"link {late.lines[0].split('`')[1]}")  # type: ignore[union-attr]
    assert "expired" in expired.as_text()  # type: ignore[union-attr]
    no_profile = await world.command(DISCORD, "100", "profile", "link")
    assert "Fill in your profile first" in no_profile.as_text()  # type: ignore[union-attr]


async def test_a_community_asks_only_the_questions_it_chose_in_its_language(
    world: World,
) -> None:
    await world.command(SLACK, "UADMIN", "setup", "questions display_name country", Role.ADMIN)
    await world.command(SLACK, "UADMIN", "setup", "locale fr", Role.ADMIN)
    form = await open_form(world, SLACK, "U1")
    assert [f.id for f in form.fields] == [CONSENT_FIELD, "display_name", "country"]
    assert form.title == "Votre profil" and form.fields[2].label == "Pays"
    assert any("Pulse conserve" in line for line in form.notice)
    result = await world.submit(SLACK, "U1", form, {"country": "Allemagne", CONSENT_FIELD: AGREED})
    assert result.errors == {"display_name": "Cette question demande une réponse."}
    saved = await world.submit(
        SLACK, "U1", form, {"display_name": "Zoé", "country": "Allemagne", CONSENT_FIELD: AGREED}
    )
    assert "Votre profil est enregistré." in saved.reply.as_text()


async def test_answers_to_questions_another_community_asks_are_kept(world: World) -> None:
    await fill(world, SLACK, "U1")
    code = (await world.command(SLACK, "U1", "profile", "link")).lines[0].split("`")[1]  # type: ignore[union-attr]
    await world.command(DISCORD, "42", "profile", f"link {code}")
    await world.command(DISCORD, "ADMIN", "setup", "questions display_name", Role.ADMIN)
    form = await open_form(world, DISCORD, "42")
    assert [f.id for f in form.fields] == ["display_name"]
    await world.submit(DISCORD, "42", form, {"display_name": "Amina K."})
    profile = stored(world, SLACK, "U1")
    assert profile is not None and profile.values["display_name"] == "Amina K."
    assert profile.values["company"] == "Acme"  # not asked on Discord, so left alone
