"""The pulse command line: exit codes, JSON output, messages that name what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.activity_store import ActivityStore
from bot.cli import main
from storage.engine import make_engine, upgrade
from tests.factories import message, reaction


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "pulse.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return path


def _seed(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    ActivityStore(engine, store_text=False).write(
        [
            message("1.0", "UA", 1),
            message("2.0", "UB", 2, thread_ts="1.0"),
            reaction("1.0", "UC", 3),
        ]
    )
    engine.dispose()


def test_stats_json_has_interface_keys_and_values(
    config_file: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(database_url)
    code = main(
        [
            "-c",
            str(config_file),
            "stats",
            "--json",
            "--since",
            "2026-11-02",
            "--until",
            "2026-11-03T00:00:00+00:00",
        ]
    )
    assert code == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["community"] == "slack:T0TEST"
    assert stats["since"] == "2026-11-02T00:00:00Z"
    assert stats["until"] == "2026-11-03T00:00:00Z"
    assert (stats["messages"], stats["replies"], stats["threads"]) == (2, 1, 1)
    assert (stats["reactions"], stats["active_members"], stats["new_members"]) == (1, 3, 0)


def test_default_window_is_the_last_seven_days(
    config_file: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(database_url)
    assert main(["stats", "--json", "-c", str(config_file)]) == 0
    stats = json.loads(capsys.readouterr().out)
    from datetime import datetime

    since = datetime.fromisoformat(stats["since"])
    until = datetime.fromisoformat(stats["until"])
    assert (until - since).days == 7


@pytest.mark.parametrize(
    ("argv", "message_part"),
    [
        (["stats", "--json", "--since", "yesterday"], "'yesterday' is not an ISO-8601"),
        (["stats", "--json", "--since", "2026-11-05", "--until", "2026-11-01"], "must be before"),
        (["stats", "--json", "--community", "discord:42"], "No community 'discord:42'"),
    ],
)
def test_bad_arguments_exit_2_with_a_reason(
    config_file: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message_part: str,
) -> None:
    _seed(database_url)
    assert main(["-c", str(config_file), *argv]) == 2
    assert message_part in capsys.readouterr().err


def test_empty_database_says_to_import_or_run(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-c", str(config_file), "stats", "--json"]) == 2
    assert "pulse import" in capsys.readouterr().err


def test_check_config_names_the_key_and_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[slack]\nmode = "carrier-pigeon"\n', encoding="utf-8")
    assert main(["check-config", "-c", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert "slack.mode" in err


def test_check_config_reports_enabled_platforms(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    assert main(["check-config", "-c", str(config_file)]) == 0
    assert "Enabled platforms: discord" in capsys.readouterr().out


def test_db_upgrade_is_idempotent(config_file: Path, database_url: str) -> None:
    assert main(["-c", str(config_file), "db", "upgrade"]) == 0
    assert main(["-c", str(config_file), "db", "upgrade"]) == 0
    engine = make_engine(database_url)
    assert set(sa.inspect(engine).get_table_names()) >= {"activity", "member", "community"}
    engine.dispose()


def test_run_without_any_platform_is_a_config_error(
    config_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["-c", str(config_file), "run"]) == 2
    assert "No platform is enabled" in capsys.readouterr().err


def test_unreachable_database_exits_1_with_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pulse.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/missing/dir/x.db"\n', encoding="utf-8"
    )
    assert main(["-c", str(path), "db", "upgrade"]) == 1
    assert "Check database.url" in capsys.readouterr().err


def test_import_twice_changes_nothing_and_history_has_tone(
    config_file: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = str(shared_data / "slack-export-houston.zip")
    window = ["--since", "2015-01-01", "--until", "2017-01-01"]
    results = []
    for _ in range(2):
        assert main(["-c", str(config_file), "import", "slack-export", archive]) == 0
        capsys.readouterr()
        assert main(["-c", str(config_file), "stats", "--json", *window]) == 0
        results.append(json.loads(capsys.readouterr().out))
    assert results[0] == results[1]
    stats = results[0]
    assert stats["messages"] == 1025
    assert sum(stats["sentiment"].values()) == stats["messages"]
    assert stats["sentiment"]["positive"] > 100  # a friendly meetup community
    assert stats["hostile_messages"] == 0


def test_import_of_a_missing_export_is_a_usage_error(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-c", str(config_file), "import", "slack-export", str(tmp_path / "no.zip")]) == 2
    assert "Cannot import" in capsys.readouterr().err
