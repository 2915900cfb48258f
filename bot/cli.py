"""The ``pulse`` command line (INTERFACE.md): exit 0 ok, 2 usage or config error, 1 otherwise."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.config import Config, ConfigError, load_config
from bot.i18n import Translator
from bot.stats import Window, community_stats
from storage import queries
from storage.engine import (
    DatabaseUnavailable,
    WriterBusy,
    current_revision,
    make_engine,
    upgrade,
)

DEFAULT_CONFIG = Path("config.toml")


class UsageError(Exception):
    """A bad argument; the message says which and what to do (exit code 2)."""


def _config(args: argparse.Namespace) -> Config:
    """The config named by -c, else ./config.toml when present, else defaults + environment."""
    path: Path | None = args.config
    if path is None and DEFAULT_CONFIG.is_file():
        path = DEFAULT_CONFIG
    return load_config(path)


def parse_time(value: str, say: Translator) -> datetime:
    """An ISO-8601 date or datetime; UTC when it carries no offset."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(say("cli.bad_time", value=value)) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def resolve_community(engine: sa.Engine, wanted: str | None, say: Translator) -> str:
    """The community to report on: the one asked for, or the only one stored."""
    with engine.connect() as connection:
        known = [info.key for info in queries.list_communities(connection)]
    choices = ", ".join(known) or "-"
    if wanted:
        if wanted not in known:
            raise UsageError(say("cli.unknown_community", key=wanted, choices=choices))
        return wanted
    if not known:
        raise UsageError(say("cli.no_community"))
    if len(known) > 1:
        raise UsageError(say("cli.many_communities", choices=choices))
    return known[0]


def cmd_stats(args: argparse.Namespace, config: Config) -> int:
    """``pulse stats``: the KPIs as JSON (or text) for one community and window."""
    say = Translator(config.locale)
    until = parse_time(args.until, say) if args.until else datetime.now(UTC)
    since = parse_time(args.since, say) if args.since else until - timedelta(days=7)
    if since >= until:
        raise UsageError(say("cli.bad_window", since=since.isoformat(), until=until.isoformat()))
    engine = make_engine(config.database.url, busy_timeout_ms=config.database.busy_timeout_ms)
    upgrade(engine)
    community = resolve_community(engine, args.community, say)
    stats = community_stats(engine, community, Window(since, until))
    if args.json:
        print(json.dumps(stats, ensure_ascii=False))
    else:
        width = max(len(key) for key in stats)
        for key, value in stats.items():
            print(f"{key:<{width}}  {value}")
    return 0


def cmd_digest(args: argparse.Namespace, config: Config) -> int:
    """``pulse digest``: print the last period's digest, or post it to the digest channel."""
    from bot.digest.cli import post_digest, print_digest

    say = Translator(config.locale)
    if args.print == args.post:
        raise UsageError(say("cli.digest_choose"))
    engine = make_engine(config.database.url, busy_timeout_ms=config.database.busy_timeout_ms)
    upgrade(engine)
    community = resolve_community(engine, args.community, say)
    if args.print:
        print(print_digest(engine, config, community))
        return 0
    code, message = post_digest(engine, config, community)
    if code == 2:
        raise UsageError(message)
    print(message, file=sys.stdout if code == 0 else sys.stderr)
    return code


def cmd_db_upgrade(args: argparse.Namespace, config: Config) -> int:
    """``pulse db upgrade``: create or migrate the schema."""
    engine = make_engine(config.database.url, busy_timeout_ms=config.database.busy_timeout_ms)
    upgrade(engine)
    url = engine.url.render_as_string(hide_password=True)
    print(Translator(config.locale)("cli.db_upgraded", url=url, revision=current_revision(engine)))
    return 0


def cmd_check_config(args: argparse.Namespace, config: Config) -> int:
    """``pulse check-config``: the config parsed; say which platforms it enables."""
    say = Translator(config.locale)
    enabled = [name for name in ("discord", "slack") if getattr(config, name).enabled]
    source = str(args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else "(defaults)"))
    print(
        say("cli.config_ok", source=source, platforms=", ".join(enabled) or say("cli.no_platform"))
    )
    return 0


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    """``pulse run``: connect the enabled platforms until SIGTERM/SIGINT, then drain."""
    from bot.app import PulseApp, build_connectors, build_services

    say = Translator(config.locale)
    services = build_services(config)
    connectors = build_connectors(services)
    if not connectors:
        raise UsageError(say("cli.nothing_enabled"))
    drained = asyncio.run(PulseApp(services, connectors).run_until_stopped())
    print(say("cli.stopped"), file=sys.stderr)
    return 0 if drained else 1


class ProgressBar:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        """Redraw for ``done`` of ``total`` files."""
        if not self._enabled or total <= 0:
            return
        filled = int(30 * done / total)
        bar = "#" * filled + "." * (30 - filled)
        end = "\n" if done >= total else ""
        print(f"\r{self._label} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)


def cmd_import(args: argparse.Namespace, config: Config) -> int:
    """``pulse import slack-export|discord-export``: backfill history, idempotently."""
    from bot.analysis import AnalysisPool
    from bot.history import import_export
    from bot.importers import ExportError, ExportReader, read_discord_export, read_slack_export

    say = Translator(config.locale)
    progress = ProgressBar(args.source)
    reader: ExportReader
    try:
        if args.source == "slack-export":
            reader = read_slack_export(args.paths[0], args.community, progress)
        else:
            reader = read_discord_export(args.paths, args.community, progress)
    except ExportError as exc:
        raise UsageError(say("cli.import_failed", reason=exc)) from None
    engine = make_engine(config.database.url, busy_timeout_ms=config.database.busy_timeout_ms)
    upgrade(engine)
    analysis = AnalysisPool(workers=max(1, os.cpu_count() or 1))
    try:
        summary = import_export(
            engine,
            reader,
            store_text=config.privacy.store_message_text,
            analysis=analysis,
            language=config.locale,
        )
    except ExportError as exc:
        raise UsageError(say("cli.import_failed", reason=exc)) from None
    finally:
        analysis.close()
    for problem in summary.problems:
        print(say("cli.import_problem", path=problem.path, reason=problem.reason), file=sys.stderr)
    print(
        say(
            "cli.import_done",
            events=summary.events,
            new=summary.new,
            community=summary.community,
            channels=summary.channels,
            seconds=f"{summary.seconds:.1f}",
        )
    )
    return 0


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    """``pulse export members|activity``: data for spreadsheets and BI tools (CSV or JSON)."""
    from bot import exports
    from bot.profile_service import narrowed
    from bot.settings import SettingsStore

    say = Translator(config.locale)
    engine = make_engine(config.database.url, busy_timeout_ms=config.database.busy_timeout_ms)
    upgrade(engine)
    community = resolve_community(engine, args.community, say)
    if args.what == "members":
        settings = SettingsStore(engine).get(community)
        questionnaire = narrowed(config.profile.build(), settings.profile_questions)
        locale = settings.locale or config.locale
        table = exports.member_table(engine, community, questionnaire, locale)
    else:
        with_text = config.privacy.store_message_text
        table = exports.activity_table(engine, community, with_text=with_text)
    write = exports.WRITERS[args.format]
    if args.output is None:
        write(table, sys.stdout)
        return 0
    with args.output.open("w", encoding="utf-8", newline="") as out:
        rows = write(table, out)
    print(
        say("cli.exported", rows=rows, kind=args.what, community=community, path=args.output),
        file=sys.stderr,
    )
    return 0


def cmd_tone(args: argparse.Namespace, config: Config) -> int:
    """``pulse tone``: one JSON line per line of stdin, for checking and calibrating the scores.

    Bytes are read and decoded with replacement, so any input line (empty, invalid UTF-8,
    binary) gets a reading; output is UTF-8 whatever the terminal's encoding.
    """
    from bot.tone import ToneAnalyzer

    analyzer = ToneAnalyzer()
    language = args.language or config.locale
    out = sys.stdout.buffer
    interactive = sys.stdout.isatty()
    try:
        for raw in sys.stdin.buffer:
            text = raw.rstrip(b"\n").removesuffix(b"\r").decode("utf-8", errors="replace")
            reading = analyzer.read(text, language)
            record = {
                "text": text,
                "polarity": reading.polarity,
                "label": reading.label,
                "hostile": reading.hostile,
                "language": reading.language,
            }
            out.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
            if interactive:
                out.flush()
        out.flush()
    except BrokenPipeError:  # `pulse tone | head`: the reader has all it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (keeps interpreter exit quiet)
    return 0


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    """``pulse demo``: the whole bot against local stand-ins, fed with the sample community."""
    from bot.demo import main as demo

    if config.logging.level != "DEBUG":
        logging.getLogger().setLevel(logging.WARNING)  # the tour is the output
    return demo(sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every ``pulse`` subcommand."""
    parser = argparse.ArgumentParser(prog="pulse", description="Pulse community bot")
    parser.add_argument("-c", "--config", type=Path, help="config file (default: ./config.toml)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot until SIGTERM/SIGINT")
    run.set_defaults(handler=cmd_run)
    demo = commands.add_parser("demo", help="see Pulse work on a sample community, offline")
    demo.set_defaults(handler=cmd_demo)

    stats = commands.add_parser("stats", help="community KPIs over a window")
    stats.add_argument("--json", action="store_true", help="one JSON object (machine-readable)")
    stats.add_argument("--community", help="slack:<team id> or discord:<guild id>")
    stats.add_argument("--since", help="ISO-8601 start (default: 7 days before --until)")
    stats.add_argument("--until", help="ISO-8601 end, exclusive (default: now)")
    stats.set_defaults(handler=cmd_stats)

    digest = commands.add_parser("digest", help="the digest of the last period")
    digest.add_argument("--community", help="slack:<team id> or discord:<guild id>")
    digest.add_argument("--print", action="store_true", help="print it (nothing is posted)")
    digest.add_argument("--post", action="store_true", help="post it to the digest channel")
    digest.set_defaults(handler=cmd_digest)

    database = commands.add_parser("db", help="database maintenance")
    db_commands = database.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="create or migrate the schema").set_defaults(
        handler=cmd_db_upgrade
    )

    tone = commands.add_parser("tone", help="score the tone of each line of stdin (JSON lines)")
    tone.add_argument(
        "--language",
        choices=("en", "fr"),
        help="language assumed when a line is too short to tell (default: the config's locale)",
    )
    tone.set_defaults(handler=cmd_tone)

    check = commands.add_parser("check-config", help="validate the configuration")
    check.set_defaults(handler=cmd_check_config)

    history = commands.add_parser("import", help="backfill history from an export")
    sources = history.add_subparsers(dest="source", required=True, metavar="SOURCE")
    slack = sources.add_parser("slack-export", help="a Slack export (ZIP or unpacked folder)")
    slack.add_argument("paths", type=Path, nargs=1, metavar="PATH")
    discord = sources.add_parser("discord-export", help="DiscordChatExporter JSON files")
    discord.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    for source in (slack, discord):
        source.add_argument("--community", help="override the detected community id")
        source.add_argument("-c", "--config", type=Path, default=argparse.SUPPRESS)
        source.set_defaults(handler=cmd_import)

    export = commands.add_parser("export", help="members or activity as CSV or JSON")
    export.add_argument("what", choices=("members", "activity"), help="what to export")
    export.add_argument("--format", choices=("csv", "json"), required=True, help="file format")
    export.add_argument("--community", help="slack:<team id> or discord:<guild id>")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    export.set_defaults(handler=cmd_export)

    for sub in (run, stats, digest, check, database, export, tone):
        sub.add_argument("-c", "--config", type=Path, default=argparse.SUPPRESS, help="config file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pulse`` command."""
    args = build_parser().parse_args(argv)
    try:
        config = _config(args)
    except ConfigError as exc:
        print(f"pulse: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=config.logging.level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if config.logging.level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    say = Translator(config.locale)
    try:
        return int(args.handler(args, config))
    except UsageError as exc:
        print(f"pulse: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(f"pulse: {say('cli.database_down', reason=exc)}", file=sys.stderr)
        return 1
    except WriterBusy as exc:
        print(f"pulse: {say('cli.writer_busy', database=exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
