"""`python -m bot [run|console|ask|report|migrate]` — see README.md."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path

from bot.logging_setup import setup_logging
from bot.settings import SettingsError, load_settings
from knowledge.checklists import ChecklistError
from knowledge.faq import KnowledgeBaseError


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError("use YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="НАПОО consultation assistant"
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="Telegram long polling when BOT_TOKEN is set, else the console chat")
    sub.add_parser("console", help="the console chat, even when BOT_TOKEN is set")
    sub.add_parser("webhook", help="serve Telegram's webhook (WEBHOOK_URL, WEBHOOK_SECRET)")
    ask = sub.add_parser("ask", help="answer questions from the command line")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument(
        "question", nargs="*", help="the question; without it, read stdin line by line"
    )
    report = sub.add_parser("report", help="the annual plan's indicators by quarter")
    report.add_argument("--year", type=int, default=dt.date.today().year)
    report.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
    report.add_argument(
        "--format", choices=["table", "csv", "json", "xlsx", "png"], default="table"
    )
    report.add_argument("--output", type=Path, help="write to this file instead of the terminal")
    close = sub.add_parser("close-quarter", help="freeze a quarter's figures (cannot be undone)")
    close.add_argument("year", type=int)
    close.add_argument("quarter", type=int, choices=[1, 2, 3, 4])
    sub.add_parser("purge", help="forget question texts older than RETENTION_DAYS (counts stay)")
    sub.add_parser("migrate", help="bring the database to the current schema")
    imp = sub.add_parser("import-register", help="import an export of the agency's register")
    imp.add_argument("register", choices=["documents", "centres"])
    imp.add_argument("file", type=Path)
    imp.add_argument("--as-of", type=_date, help="snapshot date YYYY-MM-DD (default today)")
    demo = sub.add_parser("demo-data", help="load a SYNTHETIC register for demos and benchmarks")
    demo.add_argument("--documents", type=int, default=500)
    demo.add_argument("--centres", type=int, default=50)
    ver = sub.add_parser("verify", help="check a qualification document in the register")
    ver.add_argument("number")
    who = ver.add_mutually_exclusive_group(required=True)
    who.add_argument("--holder-id", help="the holder's ЕГН or ЛНЧ")
    who.add_argument("--name", help="the holder's full name")
    ver.add_argument("--json", action="store_true")
    cen = sub.add_parser("centre", help="look a centre up by licence number or name words")
    cen.add_argument("query", nargs="+")
    cen.add_argument("--json", action="store_true")
    check = sub.add_parser("check-docs", help="check a document package (PDFs and/or a list)")
    check.add_argument(
        "--procedure", required=True, choices=["cpo-licence", "cpo-amendment", "cipo-licence"]
    )
    check.add_argument("--professions", type=int, help="professions added (for cpo-amendment)")
    paid = check.add_mutually_exclusive_group()
    paid.add_argument(
        "--paid-electronically",
        dest="payment",
        action="store_const",
        const="electronic",
        help="the fee was paid electronically: no payment proof is required",
    )
    paid.add_argument(
        "--paid-by-bank",
        dest="payment",
        action="store_const",
        const="bank",
        help="the fee was paid otherwise (bank transfer, cash desk): the proof is required",
    )
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
    # The console chat and the operator's commands print to the terminal: only warnings there.
    serving_telegram = command == "webhook" or (command == "run" and not settings.console_mode)
    setup_logging(settings.log_level if serving_telegram else "WARNING", settings.log_format)
    try:
        if command == "ask":
            from bot.ask import run_ask
            from bot.content import build_knowledge

            questions = [" ".join(args.question)] if args.question else sys.stdin
            run_ask(build_knowledge(), questions, args.json, sys.stdout)
        elif command == "import-register":
            from bot.register_cli import run_import
            from storage.register import ImportError_

            if not args.file.is_file():
                print(f"Usage error: no such file: {args.file}", file=sys.stderr)
                return 2
            try:
                asyncio.run(run_import(settings, args.register, args.file, args.as_of, sys.stdout))
            except ImportError_ as exc:
                print(f"Import error: {exc}", file=sys.stderr)
                return 2
        elif command == "demo-data":
            from bot.register_cli import load_demo

            sample = asyncio.run(load_demo(settings, args.documents, args.centres))
            print(
                f"Loaded a SYNTHETIC register: {args.documents} documents, "
                f"{args.centres} centres.\nTry /verify with number "
                f"{sample.registration_number} and name {sample.holder_name}"
            )
        elif command == "verify":
            from bot.register_cli import dump, run_verify, verification_json
            from handlers.register import render_verification
            from knowledge.telegram_html import to_plain_text

            result = asyncio.run(run_verify(settings, args.number, args.holder_id, args.name))
            if args.json:
                print(dump(verification_json(result)))
            else:
                print(to_plain_text(render_verification(result, args.holder_id is not None)))
        elif command == "centre":
            from bot.register_cli import centres_json, dump, run_centre
            from handlers import texts
            from handlers.register import render_centres
            from knowledge.telegram_html import to_plain_text

            found = asyncio.run(run_centre(settings, " ".join(args.query)))
            centres, snapshot = found if found else ([], None)
            if args.json:
                print(dump(centres_json(centres)))
            elif not centres:
                print(to_plain_text(texts.CENTRE_NONE if found is not None else texts.CENTRE_HINT))
            else:
                print(to_plain_text(render_centres(centres, snapshot)))
        elif command == "check-docs":
            from bot.check_docs import UsageError, run_check_docs
            from bot.content import build_knowledge
            from knowledge.checklists import PaymentMode

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
                    payment=PaymentMode(args.payment) if args.payment else None,
                )
            except UsageError as exc:
                print(f"Usage error: {exc}", file=sys.stderr)
                return 2
        elif command == "report":
            from bot.report_cli import run_report
            from knowledge.indicators import CatalogueError

            try:
                print(
                    asyncio.run(
                        run_report(settings, args.year, args.quarter, args.format, args.output)
                    )
                )
            except (CatalogueError, OSError) as exc:
                print(f"Report error: {exc}", file=sys.stderr)
                return 2
        elif command == "close-quarter":
            from bot.report_cli import ReportUsageError, run_close_quarter
            from storage.workspace import QuarterAlreadyClosed

            try:
                print(asyncio.run(run_close_quarter(settings, args.year, args.quarter)))
            except ReportUsageError as exc:
                print(f"Usage error: {exc}", file=sys.stderr)
                return 2
            except QuarterAlreadyClosed as exc:
                print(f"Already closed: {exc}", file=sys.stderr)
                return 2
        elif command == "purge":
            from bot.report_cli import run_purge

            print(asyncio.run(run_purge(settings)))
        elif command == "migrate":
            from storage.db import create_engine, upgrade_schema

            async def migrate() -> bool:
                engine = create_engine(settings.database_url)
                try:
                    return await upgrade_schema(engine)
                finally:
                    await engine.dispose()

            print("schema upgraded" if asyncio.run(migrate()) else "schema is current")
        elif command == "webhook":
            missing = [
                name
                for name, value in (
                    ("BOT_TOKEN", settings.bot_token),
                    ("WEBHOOK_URL", settings.webhook_url),
                    ("WEBHOOK_SECRET", settings.webhook_secret),
                )
                if not value
            ]
            if missing:
                print(
                    f"Configuration error: webhook mode needs {', '.join(missing)}",
                    file=sys.stderr,
                )
                return 2
            from bot.runner import run_webhook
            from bot.tuning import serving_event_loop

            with serving_event_loop() as runner:
                runner.run(run_webhook(settings))
        elif command == "console" or settings.console_mode:
            from bot.register_cli import load_demo, register_is_empty
            from bot.runner import run_console
            from handlers import texts

            if asyncio.run(register_is_empty(settings)):
                # A new user can try /verify at once; the data is synthetic and says so.
                sample = asyncio.run(load_demo(settings, documents=300, centres=30))
                print(
                    texts.CONSOLE_DEMO.format(
                        number=sample.registration_number, name=sample.holder_name
                    )
                )

            asyncio.run(run_console(settings))
        else:
            from bot.runner import run_polling
            from bot.tuning import serving_event_loop

            with serving_event_loop() as runner:
                runner.run(run_polling(settings))
    except (KnowledgeBaseError, ChecklistError) as exc:
        print(f"Knowledge base error: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
