"""Deleting a member reaches the engagement records: their interactions, level, staff entry
and the ambassador decisions about them go; decisions they made as a moderator stay, unnamed."""

from __future__ import annotations

import sqlalchemy as sa

from storage import engagement_erasure, erasure
from storage.tables import Account


def test_engagement_records_no_longer_name_an_erased_member(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO community (id, key, platform, external_id, created_ms) "
                "VALUES (1, 'slack:T1', 'slack', 'T1', 0)"
            )
        )
        for source, target in (("UGONE", "UOTHER"), ("UOTHER", "UGONE"), ("UOTHER", "UTHIRD")):
            connection.execute(
                sa.text(
                    "INSERT INTO interaction_day (community_id, day, source_id, target_id, "
                    "kind, channel_id, count) VALUES (1, 20000, :source, :target, 0, 'C1', 1)"
                ),
                {"source": source, "target": target},
            )
        for user in ("UGONE", "UOTHER"):
            connection.execute(
                sa.text(
                    "INSERT INTO member_level (community_id, user_id, level, since_ms, "
                    "assessed_ms) VALUES (1, :user, 2, 0, 0)"
                ),
                {"user": user},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO community_staff (community_id, user_id, seen_ms) "
                    "VALUES (1, :user, 0)"
                ),
                {"user": user},
            )
        for user, by in (("UGONE", "UMOD"), ("UOTHER", "UGONE")):
            connection.execute(
                sa.text(
                    "INSERT INTO ambassador_decision (community_id, user_id, decision, "
                    "decided_by, decided_ms) VALUES (1, :user, 'approved', :by, 0)"
                ),
                {"user": user, "by": by},
            )
        report = erasure.ErasureReport()
        erasure.erase_account(connection, Account(1, "slack:T1", "UGONE"), report)
    with engine.connect() as connection:
        pairs = connection.execute(
            sa.text("SELECT source_id, target_id FROM interaction_day")
        ).all()
        levels = connection.execute(sa.text("SELECT user_id FROM member_level")).scalars().all()
        staff = connection.execute(sa.text("SELECT user_id FROM community_staff")).scalars().all()
        decisions = connection.execute(
            sa.text("SELECT user_id, decided_by FROM ambassador_decision")
        ).all()
    assert [tuple(pair) for pair in pairs] == [("UOTHER", "UTHIRD")]
    assert levels == ["UOTHER"] and staff == ["UOTHER"]
    assert [tuple(row) for row in decisions] == [("UOTHER", engagement_erasure.ERASED_MEMBER)]
    assert report.rows == {
        "interaction_day": 2,
        "member_level": 1,
        "ambassador_decision": 2,
        "community_staff": 1,
    }
