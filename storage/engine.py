"""Engine construction and schema migrations.

SQLite gets WAL (readers never block the single writer), a busy timeout and foreign keys;
PostgreSQL URLs are routed to psycopg 3, the driver this project ships.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; the message says which and why."""


def normalise_url(url: str) -> str:
    """Route bare PostgreSQL URLs to psycopg 3 (SQLAlchemy defaults to psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(engine: sa.Engine) -> bool:
    """True when the engine talks to SQLite (single writer, file locks)."""
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    """Connection hook setting WAL, synchronous=NORMAL, foreign keys and the busy timeout."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a process crash; only power loss can lose the last commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return on_connect


def make_engine(url: str, *, busy_timeout_ms: int = 5000) -> sa.Engine:
    """An engine for any SQLAlchemy URL, tuned for Pulse's write path."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class WriterLock:
    """Exclusive claim of a SQLite database by one bot process (SQLite has one writer).

    PostgreSQL needs no such claim: several processes may write to it at once.
    """

    def __init__(self, engine: sa.Engine) -> None:
        database = engine.url.database if is_sqlite(engine) else None
        self._path = Path(f"{database}.pulse-lock") if database and database != ":memory:" else None
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the claim, or raise WriterBusy naming the database."""
        if self._path is None:
            return
        handle = self._path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise WriterBusy(str(self._path.with_suffix(""))) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Give the claim up (the OS also does it when the process dies)."""
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class WriterBusy(Exception):
    """Another Pulse process already writes to this SQLite database."""


def _alembic_config(engine: sa.Engine) -> AlembicConfig:
    """Alembic configuration pointing at the packaged migrations."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser escaping
    return config


def upgrade(engine: sa.Engine) -> None:
    """Create or migrate the schema to the newest revision of every branch."""
    config = _alembic_config(engine)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
    except sa.exc.OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot open the database {engine.url.render_as_string(hide_password=True)}: "
            f"{exc.orig}"
        ) from exc


def current_revision(engine: sa.Engine) -> str | None:
    """The schema revision(s) the database is at, or None before the first upgrade."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        return ", ".join(sorted(str(row[0]) for row in rows)) or None
