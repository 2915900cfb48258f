"""Operations endpoint: ``/healthz`` for orchestrators and ``/metrics`` for Prometheus.

Served on a local port of its own (``[ops]``), apart from Slack's public endpoint, so it
can stay private. The metrics are Pulse's own counters in the text exposition format.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections import deque
from collections.abc import Callable

from aiohttp import web

from bot.ingest import EventWriter

log = logging.getLogger(__name__)

LAG_SAMPLE_SECONDS = 0.5


class LoopLag:
    """Measures how late the event loop wakes a sleeper: the lag every event waits on."""

    def __init__(self) -> None:
        self.samples: deque[float] = deque(maxlen=600)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin sampling on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._probe())

    async def _probe(self) -> None:
        """Sleep, and record how much longer than asked the sleep took."""
        while True:
            before = time.perf_counter()
            await asyncio.sleep(LAG_SAMPLE_SECONDS)
            self.samples.append(max(0.0, time.perf_counter() - before - LAG_SAMPLE_SECONDS))

    async def stop(self) -> None:
        """Stop sampling."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def _quantile(values: deque[float], q: float) -> float:
    """A quantile of recent samples (0 when there are none)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100)[int(q * 100) - 1]


class OpsServer:
    """Serves health and metrics from the writer, the loop probe and named gauges."""

    def __init__(self, writer: EventWriter, lag: LoopLag, ready: Callable[[], bool]) -> None:
        self._writer = writer
        self._lag = lag
        self._ready = ready
        self.counters: dict[str, float] = {}
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def count(self, name: str, amount: float = 1.0) -> None:
        """Add to a named counter (``pulse_<name>_total``)."""
        self.counters[name] = self.counters.get(name, 0.0) + amount

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (port 0 picks a free one)."""
        app = web.Application()
        app.router.add_get("/healthz", self._health)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.port = int(self._runner.addresses[0][1])
        log.info("health and metrics on http://%s:%s/", host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _health(self, request: web.Request) -> web.Response:
        """200 when ready to take events, 503 otherwise; the body says which checks failed."""
        checks = {"live": True, "ready": self._ready(), "writer_saturated": self._writer.saturated}
        healthy = checks["ready"] and not checks["writer_saturated"]
        return web.json_response(checks, status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        """The counters and gauges in Prometheus' text format."""
        writer = self._writer.counters
        lines = [
            *_metric("pulse_events_received_total", "counter", writer.received),
            *_metric("pulse_events_stored_total", "counter", writer.stored),
            *_metric("pulse_events_deduplicated_total", "counter", writer.duplicates),
            *_metric("pulse_events_dropped_total", "counter", writer.dropped),
            *_metric("pulse_write_failures_total", "counter", writer.failures),
            *_metric("pulse_write_batches_total", "counter", writer.batches),
            *_metric("pulse_queue_depth", "gauge", self._writer.depth),
            *_metric("pulse_write_seconds_p99", "gauge", _quantile(writer.write_seconds, 0.99)),
            *_metric("pulse_loop_lag_seconds_p99", "gauge", _quantile(self._lag.samples, 0.99)),
        ]
        for name, value in sorted(self.counters.items()):
            lines += _metric(f"pulse_{name}_total", "counter", value)
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


def _metric(name: str, kind: str, value: float) -> list[str]:
    """One metric in the text exposition format."""
    return [f"# TYPE {name} {kind}", f"{name} {value:g}"]
