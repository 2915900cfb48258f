"""The operations endpoint: /healthz says when Pulse is ready, /metrics counts its work."""

from __future__ import annotations

import aiohttp

from handlers.standin.slack_standin import SlackStandin
from tests.test_slack_e2e import running_pulse


async def test_health_and_metrics_follow_the_app(database_url: str) -> None:
    async with SlackStandin() as standin:
        alice = standin.add_user(name="alice")
        channel = standin.add_channel("general")
        async with running_pulse(standin, database_url) as (app, connector):
            base = f"http://127.0.0.1:{app.ops.port}"
            url = f"http://127.0.0.1:{connector.port}/slack/events"
            event = standin.message_event(channel, alice, "hello")
            for retry in (None, 1):
                await standin.send_event(url, event, event_id="Ev1", retry_num=retry)
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{base}/healthz") as response:
                    assert response.status == 200
                    assert (await response.json())["ready"] is True
                async with session.get(f"{base}/metrics") as response:
                    metrics = await response.text()
            values = dict(
                line.split(" ", 1) for line in metrics.splitlines() if not line.startswith("#")
            )
            assert values["pulse_events_received_total"] == "2"
            assert values["pulse_events_stored_total"] == "1"
            assert values["pulse_events_deduplicated_total"] == "1"
            assert "pulse_loop_lag_seconds_p99" in values
            app.request_stop()
        async with aiohttp.ClientSession() as session:
            try:
                async with session.get(f"{base}/healthz") as response:
                    status = response.status
            except aiohttp.ClientConnectionError:
                status = None  # stopped: nothing listens any more
        assert status != 200
