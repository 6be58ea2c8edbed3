"""`python -m bot [run|console|ask|report|migrate]` — see README.md."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys

from bot.logging_setup import setup_logging
from bot.settings import SettingsError, load_settings
from knowledge.checklists import ChecklistError
from knowledge.faq import KnowledgeBaseError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="НАПОО consultation assistant"
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="Telegram long polling when BOT_TOKEN is set, else the console chat")
    sub.add_parser("console", help="the console chat, even when BOT_TOKEN is set")
    ask = sub.add_parser("ask", help="answer questions from the command line")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument(
        "question", nargs="*", help="the question; without it, read stdin line by line"
    )
    report = sub.add_parser("report", help="consultation counts by quarter")
    report.add_argument("--year", type=int, default=dt.date.today().year)
    report.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
    report.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sub.add_parser("migrate", help="bring the database to the current schema")
    check = sub.add_parser("check-docs", help="check a document package (PDFs and/or a list)")
    check.add_argument(
        "--procedure", required=True, choices=["cpo-licence", "cpo-amendment", "cipo-licence"]
    )
    check.add_argument("--professions", type=int, help="professions added (for cpo-amendment)")
    check.add_argument("--json", action="store_true")
    check.add_argument("files", nargs="+", metavar="FILE", help="PDF files; - reads a typed list")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level if command in {"run"} else "WARNING")
    try:
        if command == "ask":
            from bot.ask import run_ask
            from bot.content import build_knowledge

            questions = [" ".join(args.question)] if args.question else sys.stdin
            run_ask(build_knowledge(), questions, args.json, sys.stdout)
        elif command == "check-docs":
            from bot.check_docs import UsageError, run_check_docs
            from bot.content import build_knowledge

            if args.professions is not None and args.professions < 1:
                print("--professions must be a positive number", file=sys.stderr)
                return 2
            try:
                run_check_docs(
                    build_knowledge(),
                    args.procedure,
                    args.files,
                    args.professions,
                    args.json,
                    sys.stdout,
                )
            except UsageError as exc:
                print(f"Usage error: {exc}", file=sys.stderr)
                return 2
        elif command == "report":
            from bot.runner import load_report, render_report

            report = asyncio.run(load_report(settings, args.year, args.quarter))
            print(render_report(report, args.format))
        elif command == "migrate":
            from storage.db import create_engine, upgrade_schema

            async def migrate() -> bool:
                engine = create_engine(settings.database_url)
                try:
                    return await upgrade_schema(engine)
                finally:
                    await engine.dispose()

            print("schema upgraded" if asyncio.run(migrate()) else "schema is current")
        elif command == "console" or settings.console_mode:
            from bot.runner import run_console

            asyncio.run(run_console(settings))
        else:
            from bot.runner import run_polling

            asyncio.run(run_polling(settings))
    except (KnowledgeBaseError, ChecklistError) as exc:
        print(f"Knowledge base error: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
