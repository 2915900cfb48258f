"""Slack HTTP mode end to end: signed request -> Bolt -> dedupe -> durable write -> ack.

Pulse (and an event-loop lag probe) run in this process on a fresh SQLite file; the load
comes from a child process playing Slack: a paced phase at 500 events/s for the ack
latency, then a closed-loop phase with many concurrent senders for sustained throughput.

    python bench/slack_http.py [--paced-seconds 10] [--burst-events 20000] [--senders 64]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import PulseApp, build_services
from bot.config import parse_config
from handlers.slack import SlackConnector
from handlers.standin.slack_standin import SlackStandin

SECRET = "bench-secret"
TEAM = "TBENCH"


def _signed(body: bytes) -> dict[str, str]:
    """Headers Slack would send with this body."""
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def _envelope(index: int) -> bytes:
    """One message event; every tenth is a thread reply."""
    ts = f"{1_800_000_000 + index // 1000}.{index % 1000:06d}"
    event = {
        "type": "message",
        "channel": f"C{index % 20}",
        "user": f"U{index % 3000:05d}",
        "text": "benchmark message",
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }
    if index % 10 == 9:
        event["thread_ts"] = f"{1_800_000_000 + (index - 5) // 1000}.{(index - 5) % 1000:06d}"
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": TEAM,
            "api_app_id": "A1",
            "event": event,
            "event_id": f"Ev{index:010d}",
            "event_time": int(time.time()),
        }
    ).encode()


async def _post(session: aiohttp.ClientSession, url: str, index: int) -> tuple[int, float]:
    """Send one event; (status, seconds until acknowledged)."""
    body = _envelope(index)
    started = time.perf_counter()
    async with session.post(url, data=body, headers=_signed(body)) as response:
        await response.read()
        return response.status, time.perf_counter() - started


async def _paced(url: str, rate: int, seconds: float, first: int) -> list[tuple[int, float]]:
    """Open-loop load: one event every 1/rate seconds, whatever the answers do."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        tasks, started = [], time.perf_counter()
        for offset in range(int(rate * seconds)):
            delay = started + offset / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_post(session, url, first + offset)))
        return await asyncio.gather(*tasks)


async def _burst(url: str, events: int, senders: int, first: int) -> tuple[float, int]:
    """Closed-loop load: ``senders`` workers send as fast as acks come; (seconds, non-200s)."""
    queue = iter(range(first, first + events))
    failures = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        for index in queue:
            status, _ = await _post(session, url, index)
            failures += status != 200

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(senders)))
        return time.perf_counter() - started, failures


def _load(url: str, args: argparse.Namespace, results: multiprocessing.Queue) -> None:
    """Child process: play Slack and report what it measured."""
    paced = asyncio.run(_paced(url, 500, args.paced_seconds, 0))
    seconds, failures = asyncio.run(_burst(url, args.burst_events, args.senders, 10_000_000))
    results.put({"paced": paced, "burst_seconds": seconds, "burst_failures": failures})


async def _lag_probe(stop: asyncio.Event, samples: list[float]) -> None:
    """Record how late a 1 ms sleep wakes up in Pulse's loop."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.001)
        samples.append(time.perf_counter() - before - 0.001)


async def main(args: argparse.Namespace) -> None:
    """Start the stand-in Web API and Pulse, drive the load from a child, print the table."""
    with tempfile.TemporaryDirectory(prefix="pulse-bench-") as folder:
        async with SlackStandin(team_id=TEAM, signing_secret=SECRET) as standin:
            config = parse_config(
                {
                    "database": {"url": f"sqlite:///{folder}/pulse.db"},
                    "logging": {"level": "WARNING"},
                    "ops": {"port": 0},
                    "slack": {
                        "bot_token": standin.bot_token,
                        "signing_secret": SECRET,
                        "mode": "http",
                        "port": 0,
                        "api_base_url": standin.api_base_url,
                    },
                },
                environ={},
            )
            services = build_services(config)
            connector = SlackConnector(config.slack, services)
            app = PulseApp(services, [connector])
            await app.start()
            url = f"http://127.0.0.1:{connector.port}/slack/events"
            stop, lags = asyncio.Event(), []
            probe = asyncio.create_task(_lag_probe(stop, lags))
            results: multiprocessing.Queue = multiprocessing.Queue()
            child = multiprocessing.Process(target=_load, args=(url, args, results))
            child.start()
            cpu = time.process_time()
            report = await asyncio.to_thread(results.get)
            report["pulse_cpu"] = time.process_time() - cpu
            child.join()
            stop.set()
            await probe
            stored = services.writer.counters.stored
            await app.stop()
    _print(report, lags, stored, args)


def _print(report: dict, lags: list[float], stored: int, args: argparse.Namespace) -> None:
    """The benchmark's table."""
    paced = report["paced"]
    latencies = sorted(seconds for _, seconds in paced)
    ok = sum(status == 200 for status, _ in paced)
    p50, p99 = statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]
    burst_rate = args.burst_events / report["burst_seconds"]
    print(
        f"paced 500 ev/s for {args.paced_seconds:.0f} s: {ok}/{len(paced)} acked 200; ack "
        f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
    )
    print(
        f"closed loop, {args.senders} senders: {args.burst_events} events in "
        f"{report['burst_seconds']:.2f} s = {burst_rate:,.0f} events/s sustained, "
        f"{report['burst_failures']} not acked 200"
    )
    print(f"stored: {stored} rows (expected {len(paced) + args.burst_events})")
    per_event = report["pulse_cpu"] / stored
    print(
        f"Pulse's own process: {per_event * 1e6:.0f} us CPU per event = "
        f"{1 / per_event:,.0f} events per CPU-second (tone is scored in a worker process)"
    )
    print(
        f"event-loop lag in Pulse: p99 {statistics.quantiles(lags, n=100)[98] * 1000:.2f} ms, "
        f"max {max(lags) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument("--burst-events", type=int, default=20_000)
    parser.add_argument("--senders", type=int, default=64)
    asyncio.run(main(parser.parse_args()))
