"""``pulse digest (--print | --post)``: prints the last period's digest, posts it once to
the digest channel over the platform's Web API, and says in one line what is wrong."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.activity_store import ActivityStore
from bot.cli import main
from bot.rollups import Rollups
from bot.settings import SettingsStore
from handlers.standin.slack_standin import SlackStandin
from storage.engine import make_engine, upgrade
from tests.engagement_world import Cast, write_story

TEAM = "T0CLI"
COMMUNITY = f"slack:{TEAM}"


def _config(tmp_path: Path, database_url: str, slack: str = "") -> Path:
    path = tmp_path / "pulse.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n{slack}', encoding="utf-8")
    return path


def _seed(database_url: str, channel: str | None = None) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    store = ActivityStore(engine, store_text=False)
    write_story(store, Rollups(engine), COMMUNITY, datetime.now(UTC), Cast())
    if channel:
        SettingsStore(engine).update(COMMUNITY, digest_channel=channel)
    engine.dispose()


def test_bad_arguments_exit_2_with_one_line(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(database_url)
    config = str(_config(tmp_path, database_url))
    for flags in ([], ["--print", "--post"]):
        assert main(["-c", config, "digest", *flags]) == 2
        error = capsys.readouterr().err.strip()
        assert error.count("\n") == 0 and "--print" in error and "--post" in error
    assert main(["-c", config, "digest", "--print", "--community", "slack:TNOPE"]) == 2
    assert "slack:TNOPE" in capsys.readouterr().err
    assert main(["-c", config, "digest", "--post"]) == 2  # no digest channel yet
    assert "/pulse setup digest" in capsys.readouterr().err


def test_print_names_members_and_settles_nothing(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(database_url, channel="C0DIGEST")
    config = str(_config(tmp_path, database_url))
    assert main(["-c", config, "digest", "--print"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("*Weekly digest:")
    assert "@UDRIFT" in out and "<@" not in out
    assert "activity.png" in out
    assert main(["-c", config, "digest", "--print"]) == 0  # still a preview: nothing settled
    assert "assessed for the first time" in capsys.readouterr().out
    assert main(["-c", config, "digest", "--post"]) == 2  # Slack is not configured
    assert COMMUNITY in capsys.readouterr().err


async def test_post_sends_the_digest_once(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with SlackStandin(team_id=TEAM) as standin:
        channel = standin.add_channel("moderators-digest", is_private=True)
        _seed(database_url, channel=channel)
        slack = f'[slack]\nbot_token = "{standin.bot_token}"\n'
        slack += f'api_base_url = "{standin.api_base_url}"\n'
        config = str(_config(tmp_path, database_url, slack))
        argv = ["-c", config, "digest", "--post"]
        assert await asyncio.to_thread(main, argv) == 0
        assert "posted" in capsys.readouterr().out
        posts = standin.calls_to("chat.postMessage")
        assert posts[0].params["channel"] == channel
        assert len(standin.uploads) == 3
        assert all(upload.data.startswith(b"\x89PNG") for upload in standin.uploads)
        assert await asyncio.to_thread(main, argv) == 0
        assert "already posted" in capsys.readouterr().out
        assert len(standin.calls_to("chat.postMessage")) == len(posts)


def test_print_writes_channels_by_name(database_url: str) -> None:
    from bot.digest.cli import named_channels
    from storage.profiles import community_id
    from storage.writes import upsert_channels

    _seed(database_url)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        found = community_id(connection, COMMUNITY)
        rows = [
            {"community_id": found, "channel_id": "C0HELP", "name": "help", "is_archived": False}
        ]
        upsert_channels(connection, rows)
    text = "Connects <#C0HELP> <#C0HELP|old-name> <#C0UNKNOWN>."
    assert named_channels(engine, COMMUNITY, text) == "Connects #help #help #C0UNKNOWN."
    engine.dispose()
