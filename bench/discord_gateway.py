"""Discord end to end: gateway MESSAGE_CREATE frames -> discord.py -> Pulse -> durable rows.

The stand-in runs in a child process; Pulse (with an event-loop lag probe) runs here on
a fresh SQLite file. Two phases: flat out (the stand-in sends as fast as its websocket
takes frames) for the most messages recorded per second, then paced at 5,000 messages/s
for the event-loop lag at that load.

    python bench/discord_gateway.py [--messages 30000] [--rate 5000] [--paced-seconds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
from multiprocessing import Queue
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import PulseApp, build_services
from bot.config import parse_config
from handlers.discord import DiscordConnector
from handlers.standin.discord_standin import DiscordStandin


async def _serve(args: argparse.Namespace, setup: Queue, done: Queue, go: Queue) -> None:
    """Child: a guild with members; once Pulse is connected, a burst then a paced run."""
    async with DiscordStandin(echo_bot_messages=False) as standin:
        guild = standin.add_guild(name="bench")
        channels = [standin.add_channel(guild, f"c{index}") for index in range(10)]
        members = [standin.add_member(guild, name=f"m{index}") for index in range(200)]
        setup.put((*standin.client_urls(), standin.token))
        await standin.wait_for_ready(timeout=30)

        async def post(index: int) -> None:
            channel, member = channels[index % 10], members[index % 200]
            await standin.post_message(guild, channel, member, f"message number {index}")

        started = time.perf_counter()
        for index in range(args.messages):
            await post(index)
        done.put(time.perf_counter() - started)
        await asyncio.to_thread(go.get)  # the parent says when the burst is all stored
        paced = int(args.rate * args.paced_seconds)
        started = time.perf_counter()
        for offset in range(paced):
            delay = started + offset / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await post(args.messages + offset)
        done.put(time.perf_counter() - started)
        await asyncio.sleep(3600)  # stay up until the parent is done reading


def _child(args: argparse.Namespace, setup: Queue, done: Queue, go: Queue) -> None:
    """Child process entry point."""
    asyncio.run(_serve(args, setup, done, go))


async def _lag_probe(stop: asyncio.Event, samples: list[float]) -> None:
    """Record how late a 1 ms sleep wakes up in Pulse's loop."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.001)
        samples.append(time.perf_counter() - before - 0.001)


async def _stored(counters: object, total: int) -> None:
    """Wait until ``total`` rows are committed."""
    while counters.stored < total:  # type: ignore[attr-defined]
        await asyncio.sleep(0.002)


async def main(args: argparse.Namespace) -> None:
    """Run the child, connect Pulse, measure both phases, print figures."""
    setup, done, go = Queue(), Queue(), Queue()
    child = multiprocessing.Process(target=_child, args=(args, setup, done, go), daemon=True)
    child.start()
    api, gateway, token = await asyncio.to_thread(setup.get, True, 30)
    with tempfile.TemporaryDirectory(prefix="pulse-bench-") as folder:
        config = parse_config(
            {
                "database": {"url": f"sqlite:///{folder}/pulse.db"},
                "logging": {"level": "WARNING"},
                "ops": {"port": 0},
                "discord": {"token": token, "api_base_url": api, "gateway_url": gateway},
            },
            environ={},
        )
        services = build_services(config)
        options = {"guild_ready_timeout": 0.05}
        connector = DiscordConnector(config.discord, services, client_options=options)
        app = PulseApp(services, [connector])
        await app.start()
        counters = services.writer.counters
        while counters.received == 0:
            await asyncio.sleep(0.001)
        first, cpu = time.perf_counter(), time.process_time()
        await _stored(counters, args.messages)
        burst, burst_cpu = time.perf_counter() - first, time.process_time() - cpu
        burst_send = await asyncio.to_thread(done.get, True, 30)
        stop, lags = asyncio.Event(), []
        probe = asyncio.create_task(_lag_probe(stop, lags))
        go.put("go")
        paced = int(args.rate * args.paced_seconds)
        await _stored(counters, args.messages + paced)
        paced_send = await asyncio.to_thread(done.get, True, 60)
        stop.set()
        await probe
        await app.stop()
    child.terminate()
    print(
        f"flat out: {args.messages} messages sent in {burst_send:.2f} s; recorded by Pulse "
        f"at {args.messages / burst:,.0f} messages/s ({burst:.2f} s)"
    )
    per_message = burst_cpu / args.messages
    print(
        f"Pulse's own process (loop, writer thread; tone is scored in a worker process): "
        f"{per_message * 1e6:.0f} us CPU per message = "
        f"{1 / per_message:,.0f} messages per CPU-second"
    )
    print(
        f"paced: {paced} messages at {args.rate}/s (sent in {paced_send:.2f} s); "
        f"event-loop lag in Pulse p99 {statistics.quantiles(lags, n=100)[98] * 1000:.2f} ms, "
        f"max {max(lags) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=30_000)
    parser.add_argument("--rate", type=int, default=5_000)
    parser.add_argument("--paced-seconds", type=float, default=6.0)
    asyncio.run(main(parser.parse_args()))
