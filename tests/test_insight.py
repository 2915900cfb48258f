"""Engagement use cases on a stored community: levels settle and keep their grace period,
staff and opted-out members are never ranked, ambassador decisions hide candidates,
drift and returns are found, and every level comes with its reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.engagement import Level
from bot.i18n import Translator
from bot.insight.render import member_part
from bot.insight.service import EngagementService
from bot.rollups import Rollups
from bot.settings import SettingsStore
from storage.models import Member
from tests.engagement_world import Cast, write_story

COMMUNITY = "slack:TINSIGHT"
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
CAST = Cast()


@pytest.fixture
def service(engine: sa.Engine) -> EngagementService:
    write_story(ActivityStore(engine, store_text=False), Rollups(engine), COMMUNITY, NOW)
    return EngagementService(engine, SettingsStore(engine))


def _levels(service: EngagementService, now: datetime, persist: bool = True) -> dict:
    run = service.levels(COMMUNITY, now, persist=persist)
    return {item.member: item for item in run.assessments}


def test_levels_come_with_their_evidence(service: EngagementService) -> None:
    levels = _levels(service, NOW)
    helper = levels[CAST.helper]
    assert helper.level is Level.LEADING
    assert helper.reasons.active_days == 29  # the story ends yesterday
    assert helper.reasons.replies >= 80  # three answers a day
    assert helper.reasons.reactors == len(CAST.askers)
    assert levels[CAST.askers[0]].level < Level.LEADING
    assert levels[CAST.drifter].reasons.active_days == 18


def test_demotion_waits_for_the_grace_period_and_promotion_does_not(
    service: EngagementService,
) -> None:
    _levels(service, NOW)
    later = _levels(service, NOW + timedelta(days=25))  # no activity since NOW
    helper = later[CAST.helper]
    assert helper.indicated < Level.LEADING
    assert helper.level is Level.LEADING  # held: the grace period has only started
    assert helper.reasons.demotion_due == NOW + timedelta(days=25 + 14)
    dropped = _levels(service, NOW + timedelta(days=40))[CAST.helper]
    assert dropped.level < Level.LEADING
    assert _levels(service, NOW + timedelta(days=40), persist=False)[CAST.helper].move == "held"


def test_a_preview_never_changes_the_remembered_levels(service: EngagementService) -> None:
    service.levels(COMMUNITY, NOW, persist=False)
    run = service.levels(COMMUNITY, NOW, persist=False)
    assert run.moves.new == len(run.assessments)
    service.levels(COMMUNITY, NOW, persist=True)
    service.mark_reported(COMMUNITY)
    again = service.levels(COMMUNITY, NOW + timedelta(hours=1), persist=True)
    assert again.moves.held == len(again.assessments)
    assert again.moves.up == again.moves.down == 0


def test_staff_and_opted_out_members_are_never_ranked(
    engine: sa.Engine, service: EngagementService
) -> None:
    network = service.network(COMMUNITY, NOW)
    assert network is not None
    assert CAST.mod in [a.member for a in network.ambassadors]  # until known as staff
    SettingsStore(engine).update(COMMUNITY, staff_user_ids=(CAST.mod,))
    fresh = EngagementService(engine, SettingsStore(engine))
    member = Member.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(
            member.update().where(member.c.user_id == CAST.drifter).values(opted_out=True)
        )
    levels = _levels(fresh, NOW)
    network = fresh.network(COMMUNITY, NOW)
    drift = fresh.drifting(COMMUNITY, NOW)
    assert network is not None
    for excluded in (CAST.mod, CAST.drifter):
        assert excluded not in levels
        assert excluded not in [a.member for a in network.ambassadors]
        assert excluded not in network.graph.index
        assert excluded not in [d.member for d in drift.drifts]
    card = fresh.member(COMMUNITY, CAST.mod, NOW)
    assert card.staff and card.assessment is not None
    assert fresh.member(COMMUNITY, CAST.drifter, NOW).opted_out


def test_platform_staff_is_remembered_and_excluded(
    engine: sa.Engine, service: EngagementService
) -> None:
    assert service.staff_is_stale(COMMUNITY, NOW, timedelta(hours=1))
    service.save_staff(COMMUNITY, [CAST.helper], NOW)
    assert not service.staff_is_stale(COMMUNITY, NOW, timedelta(hours=1))
    assert CAST.helper not in _levels(EngagementService(engine, SettingsStore(engine)), NOW)


def test_the_helper_is_the_top_ambassador_and_a_bridge(service: EngagementService) -> None:
    network = service.network(COMMUNITY, NOW)
    assert network is not None
    best = network.ambassadors[0]
    assert best.member in (CAST.helper, CAST.mod)
    helper = next(a for a in network.ambassadors if a.member == CAST.helper)
    assert helper.evidence.helped == len(CAST.askers) + 1  # and a newcomer
    assert helper.evidence.active_weeks == 12
    assert set(helper.evidence.bridges) == set(CAST.channels)


def test_decisions_hide_a_candidate_for_their_time(service: EngagementService) -> None:
    service.decide(COMMUNITY, CAST.helper, "rejected", by="UMOD", now=NOW)
    network = service.network(COMMUNITY, NOW)
    assert network is not None
    assert CAST.helper not in [a.member for a in network.ambassadors]
    assert service.member(COMMUNITY, CAST.helper, NOW).decision == "rejected"
    service.decide(COMMUNITY, CAST.helper, "deferred", by="UMOD", now=NOW - timedelta(days=31))
    network = service.network(COMMUNITY, NOW)
    assert network is not None
    assert CAST.helper in [a.member for a in network.ambassadors]


def test_drift_and_returns_follow_each_members_rhythm(service: EngagementService) -> None:
    found = service.drifting(COMMUNITY, NOW)
    assert [d.member for d in found.drifts] == [CAST.drifter]
    assert found.drifts[0].silent_days == 12
    assert found.drifts[0].usual_gap == 1
    assert [r.member for r in found.returns] == [CAST.returner]
    assert found.returns[0].away_days == 30


def test_newcomers_first_reply_and_retention(service: EngagementService) -> None:
    found = service.newcomers(COMMUNITY, NOW, NOW - timedelta(days=14))
    assert found.first_reply.posts == 2
    assert found.first_reply.replied == 1
    assert found.first_reply.median_seconds == 20 * 60
    assert found.retention.joined == 2


def test_helpers_are_who_answered_the_most_people(service: EngagementService) -> None:
    found = service.helpers(COMMUNITY, NOW - timedelta(days=7), NOW)
    assert found[0][0] in (CAST.helper, CAST.mod)
    assert {row[0] for row in found[:2]} == {CAST.helper, CAST.mod}


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_a_member_card_explains_the_level(service: EngagementService, locale: str) -> None:
    part = member_part(service.member(COMMUNITY, CAST.helper, NOW), Translator(locale))
    text = " ".join(part.lines) + " ".join(value for _, value in part.fields)
    assert "30" in text and str(len(CAST.askers)) in text
    assert any(label for label, _ in part.fields)
    unknown = member_part(service.member(COMMUNITY, "UNOBODY", NOW), Translator(locale))
    assert "<@UNOBODY>" in unknown.lines[0]
    drifter = member_part(service.member(COMMUNITY, CAST.drifter, NOW), Translator(locale))
    assert any("12" in line for line in drifter.lines)
