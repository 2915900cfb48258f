"""``pulse run`` as a real process: it serves Slack, and SIGTERM/SIGINT drain it to exit 0."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from handlers.standin.slack_standin import SlackStandin
from storage.engine import make_engine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _wait_listening(port: int, process: asyncio.subprocess.Process) -> None:
    async with asyncio.timeout(30):
        while True:
            assert process.returncode is None, "pulse run exited early"
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_pulse_run_drains_and_exits_0_on_signal(
    tmp_path: Path, database_url: str, signum: signal.Signals
) -> None:
    async with SlackStandin() as standin:
        alice = standin.add_user(name="alice")
        channel = standin.add_channel("general")
        port = _free_port()
        config = tmp_path / "pulse.toml"
        lines = [
            "[database]",
            f'url = "{database_url}"',
            "[slack]",
            f'bot_token = "{standin.bot_token}"',
            f'signing_secret = "{standin.signing_secret}"',
            'mode = "http"',
            f"port = {port}",
            f'api_base_url = "{standin.api_base_url}"',
            "[ops]",
            "port = 0",
        ]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "-c",
            str(config),
            "run",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        await _wait_listening(port, process)
        url = f"http://127.0.0.1:{port}/slack/events"
        responses = await asyncio.gather(
            *(
                standin.send_event(url, standin.message_event(channel, alice, f"m{i}"))
                for i in range(50)
            )
        )
        assert all(response.status == 200 for response in responses)
        process.send_signal(signum)
        async with asyncio.timeout(15):
            _, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
        assert "stopped cleanly" in stderr.decode()
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM activity")).scalar() == 50
    engine.dispose()


async def test_a_second_bot_on_the_same_sqlite_file_refuses_to_start(
    tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the single-writer claim only applies to SQLite")
    from bot.app import PulseApp, build_services
    from bot.config import parse_config
    from storage.engine import WriterBusy

    config = parse_config(
        {"database": {"url": database_url}, "ingest": {"analysis_workers": 0}, "ops": {"port": 0}},
        environ={},
    )
    first = PulseApp(build_services(config), [])
    await first.start()
    try:
        with pytest.raises(WriterBusy):
            await PulseApp(build_services(config), []).start()
    finally:
        await first.stop()
    second = PulseApp(build_services(config), [])  # free again once the first has stopped
    await second.start()
    await second.stop()
