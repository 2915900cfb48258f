"""A running Pulse process: start in order, drain on a signal, stop in reverse."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app.services import Connector, Services
from bot.ops import LoopLag, OpsServer
from storage.engine import WriterLock, upgrade

log = logging.getLogger(__name__)


class PulseApp:
    """A running Pulse: schema, writer, connectors; stops cleanly on a signal."""

    def __init__(self, services: Services, connectors: list[Connector]) -> None:
        self.services = services
        self.connectors = connectors
        self._stop = asyncio.Event()
        self._refresh: asyncio.Task[None] | None = None
        self._writer_lock = WriterLock(services.engine)
        self.lag = LoopLag()
        self.ops = OpsServer(services.writer, self.lag, lambda: self._ready)
        self._ready = False

    def request_stop(self) -> None:
        """Ask the app to drain and exit (signal handlers call this)."""
        self._stop.set()

    async def start(self) -> None:
        """Claim the database, migrate the schema, start the writer, connect every platform."""
        self._writer_lock.acquire()
        await asyncio.to_thread(upgrade, self.services.engine)
        await asyncio.to_thread(self.services.optouts.reload)
        self._refresh = asyncio.get_running_loop().create_task(self.services.optouts.keep_fresh())
        await self.services.analysis.warm_up()
        self.services.writer.start()
        for connector in self.connectors:
            await connector.start()
            log.info("%s connected", connector.name)
        await self.services.scheduler.start()
        self.lag.start()
        ops = self.services.config.ops
        if ops.enabled:
            await self.ops.start(ops.host, ops.port)
        self._ready = True

    async def stop(self) -> bool:
        """Disconnect the platforms, then write everything queued; False if some was lost."""
        self._ready = False
        await self.ops.stop()
        await self.lag.stop()
        await self.services.scheduler.stop()
        if self._refresh is not None:
            self._refresh.cancel()
            await asyncio.gather(self._refresh, return_exceptions=True)
        for connector in reversed(self.connectors):
            try:
                await connector.stop()
            except Exception:
                log.exception("%s did not stop cleanly", connector.name)
        drained = await self.services.writer.close(grace_seconds=10.0)
        self.services.analysis.close()
        self.services.engine.dispose()
        self._writer_lock.release()
        return drained

    async def run_until_stopped(self) -> bool:
        """Start, wait for SIGTERM/SIGINT (or request_stop), then stop; True if drained."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.request_stop)
        try:
            await self.start()
            await self._stop.wait()
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        return await self.stop()
