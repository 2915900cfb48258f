"""``pulse export members|activity``: what admins may see, nobody who opted out, no tone."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.profile_world import button, profile_world
from tests.test_privacy import say_hello
from tests.test_profile_flows import SLACK, fill


@pytest.fixture
async def seeded(database_url: str) -> str:
    async with profile_world(database_url) as world:
        await fill(world, SLACK, "U1")
        await fill(world, SLACK, "U2", {"display_name": "Bob", "country": "Kenya"})
        await fill(world, SLACK, "U3", {"display_name": "Gone"})
        for n, user in enumerate(("U1", "U2", "U3", "U4")):
            await say_hello(world, SLACK, user, f"hello from {user}", n=n)
        overview = await world.command(SLACK, "U3", "privacy")
        ask = await world.click(SLACK, "U3", button(overview, "privacy.optout"))
        await world.click(SLACK, "U3", button(ask, "privacy.optout_confirm"))
    return database_url


def _config(tmp_path: Path, database_url: str, store_text: bool = False) -> Path:
    path = tmp_path / "pulse.toml"
    text = f'[database]\nurl = "{database_url}"\n'
    text += f"[privacy]\nstore_message_text = {str(store_text).lower()}\n"
    path.write_text(text, encoding="utf-8")
    return path


def test_members_csv_has_the_admin_fields_and_no_one_who_opted_out(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "members.csv"
    code = main(
        [
            "-c",
            str(_config(tmp_path, seeded)),
            "export",
            "members",
            "--format",
            "csv",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    assert "Exported 3 members rows of slack:T0FLOW" in capsys.readouterr().err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["user_id"] for row in rows] == ["U1", "U2", "U4"]
    amina = rows[0]
    assert amina["email"] == "Amina@example.org" and amina["country"] == "Germany"
    assert amina["expertise"] == "python; kubernetes" and amina["consent_version"] == "1"
    assert rows[2]["display_name"] == "" and rows[2]["consent_version"] == ""
    assert "Gone" not in out.read_text(encoding="utf-8")


def test_members_json_to_stdout(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(_config(tmp_path, seeded))
    assert main(["-c", config, "export", "members", "--format", "json", "--community", SLACK]) == 0
    members = json.loads(capsys.readouterr().out)
    assert members[1]["display_name"] == "Bob" and members[1]["country"] == "Kenya"
    assert members[0]["expertise"] == ["python", "kubernetes"]


def test_activity_export_has_no_tone_and_text_only_when_stored(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["-c", str(_config(tmp_path, seeded)), "export", "activity", "--format", "csv"]) == 0
    )
    reader = csv.DictReader(io.StringIO(capsys.readouterr().out))
    rows = list(reader)
    assert reader.fieldnames is not None
    assert not {"text", "tone", "polarity", "hostile"} & set(reader.fieldnames)
    assert {row["user_id"] for row in rows} == {"U1", "U2", "U4"}  # U3 opted out
    assert rows[0]["kind"] == "message" and rows[0]["at"].endswith("Z")
    config = str(_config(tmp_path, seeded, store_text=True))
    assert main(["-c", config, "export", "activity", "--format", "json"]) == 0
    activity = json.loads(capsys.readouterr().out)
    assert "text" in activity[0]


def test_an_unknown_community_is_a_usage_error(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(_config(tmp_path, seeded))
    assert (
        main(["-c", config, "export", "members", "--format", "csv", "--community", "slack:NOPE"])
        == 2
    )
    assert "No community 'slack:NOPE'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["-c", config, "export", "members", "--format", "xml"])
