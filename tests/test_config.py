"""Configuration: every key documented, unknown keys refused by name, secrets from env."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.config import Config, ConfigError, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def _documented_keys(text: str) -> set[str]:
    """Dotted keys in the example, including commented-out ``# key = value`` lines."""
    keys, section = set(), ""
    for line in text.splitlines():
        header = re.match(r"^\[([\w.]+)\]", line)
        if header:
            section = header.group(1) + "."
            continue
        entry = re.match(r"^#?\s?(\w+) = ", line)
        if entry:
            keys.add(section + entry.group(1))
    return keys


def _model_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _model_keys(annotation, prefix + name + ".")
        else:
            keys.add(prefix + name)
    return keys


def test_example_documents_every_key_and_parses_to_the_defaults() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert _documented_keys(text) == _model_keys(Config)
    assert load_config(EXAMPLE, environ={}) == Config()
    assert tomllib.loads(text)["database"]["url"] == Config().database.url


def test_unknown_key_is_named_with_its_file(tmp_path: Path) -> None:
    path = tmp_path / "pulse.toml"
    path.write_text('[discord]\ntokn = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(path) in str(caught.value)
    assert "discord.tokn" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"locale": "de"}, "locale"),
        ({"slack": {"mode": "websocket"}}, "slack.mode"),
        ({"slack": {"port": "many"}}, "slack.port"),
        ({"ingest": {"batch_size": 0}}, "ingest.batch_size"),
        ({"database": "sqlite://"}, "database"),
    ],
)
def test_wrong_values_name_the_key(raw: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"'{key}'")):
        parse_config(raw, environ={})


def test_secrets_and_database_url_come_from_the_environment() -> None:
    environ = {
        "DISCORD_TOKEN": "d-token",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "sec",
        "DATABASE_URL": "postgresql://db/pulse",
    }
    config = parse_config({"database": {"url": "sqlite:///x.db"}}, environ=environ)
    assert config.discord.token == "d-token"
    assert config.discord.enabled
    assert config.slack.enabled
    assert config.database.url == "postgresql://db/pulse"


def test_missing_and_broken_files_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "absent.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[slack\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken, environ={})


def test_slack_base_url_gains_its_trailing_slash() -> None:
    config = parse_config({"slack": {"api_base_url": "http://127.0.0.1:9/api"}}, environ={})
    assert config.slack.api_base_url == "http://127.0.0.1:9/api/"


def test_profile_section_is_checked_with_the_rest() -> None:
    config = parse_config({"profile": {"reminder_after_hours": 0}}, environ={})
    assert config.profile.reminder_after_hours == 0
    with pytest.raises(ConfigError, match=r"profile.*'team'.*needs 'kind' and 'labels'"):
        parse_config({"profile": {"questions": [{"id": "team"}]}}, environ={})
    with pytest.raises(ConfigError, match=r"profile\.welcome_on_joni"):
        parse_config({"profile": {"welcome_on_joni": False}}, environ={})


def test_the_commented_questionnaire_in_the_example_is_valid() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# questions = [")
    end = lines.index("# ]", start)
    block = "\n".join(line[2:] for line in lines[start : end + 1])
    section = parse_config({"profile": tomllib.loads(block)}, environ={}).profile
    assert section.build().ids == ("display_name", "country", "seniority")
