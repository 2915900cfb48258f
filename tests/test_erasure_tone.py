"""Deleting a member reaches the hostility records: their flags go, their decisions stay unnamed."""

from __future__ import annotations

import sqlalchemy as sa

from storage import erasure
from storage.tables import Account


def test_tone_records_no_longer_name_an_erased_member(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO community (id, key, platform, external_id, created_ms) "
                "VALUES (1, 'slack:T1', 'slack', 'T1', 0)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO tone_case (id, community_id, channel_id, opened_ms, last_ms, "
                "messages, status, thread_replies, decided_by) "
                "VALUES (1, 1, 'C1', 0, 0, 2, 'cleared', 0, 'UMOD')"
            )
        )
        for key, user in (("m1", "UBAD"), ("m2", "UOTHER")):
            connection.execute(
                sa.text(
                    "INSERT INTO tone_flag (community_id, message_key, case_id, channel_id, "
                    "user_id, at_ms, reasons) VALUES (1, :key, 1, 'C1', :user, 0, 'insult:idiot')"
                ),
                {"key": key, "user": user},
            )
        connection.execute(
            sa.text(
                "INSERT INTO tone_feedback (community_id, case_id, user_id, verdict, messages, "
                "terms, at_ms) VALUES (1, 1, 'UMOD', 'not_hostile', 2, 'idiot', 0)"
            )
        )
        report = erasure.ErasureReport()
        erasure.erase_account(connection, Account(1, "slack:T1", "UBAD"), report)
        erasure.erase_account(connection, Account(1, "slack:T1", "UMOD"), report)
    with engine.connect() as connection:
        flags = connection.execute(sa.text("SELECT user_id FROM tone_flag")).scalars().all()
        decider = connection.execute(sa.text("SELECT decided_by FROM tone_case")).scalar()
        verdict = connection.execute(sa.text("SELECT user_id, terms FROM tone_feedback")).one()
    assert flags == ["UOTHER"]
    assert decider is None
    assert verdict == (erasure.ERASED_MENTION, "idiot")  # the learning stays, unnamed
    assert report.rows == {"tone_flag": 1, "tone_case": 1, "tone_feedback": 1}
