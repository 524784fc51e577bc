"""The `scr-bot` command: serve, socket, worker, demo, db upgrade, audit verify, case export,
keys rotate, retention."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.logging_setup import configure_logging
from bot.settings import Settings, StartupError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scr-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve Slack's HTTP requests (POST /slack/events)")
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not run reminders in this process (use `scr-bot worker`)",
    )
    sub.add_parser("socket", help="connect to Slack with Socket Mode (SLACK_APP_TOKEN)")
    worker = sub.add_parser(
        "worker",
        help="run the scheduler: reminders, digests, retries",
        description="Tick at start and every minute: reminders, the daily digest (from 08:30 "
        "on working days, once per person), retries of work Slack interrupted.",
    )
    worker.add_argument(
        "--once",
        action="store_true",
        help="run one tick (and the digest if it is due), print a summary of counts and exit "
        "(1 if a step failed); for cron and operators",
    )
    demo = sub.add_parser("demo", help="play a referral against a local Slack stand-in")
    demo.add_argument("--output", help="folder for the demo's files (default: a temporary one)")
    demo.add_argument(
        "--web",
        metavar="FOLDER",
        help="turn the case room on and write its dashboard and case page to FOLDER",
    )
    demo.add_argument(
        "--verbose",
        action="store_true",
        help="print every Web API call and every message in full",
    )
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply database migrations")
    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check the audit trail's hash chain (exit 1 if broken)")
    case = sub.add_parser("case", help="one case's record")
    case_sub = case.add_subparsers(dest="case_command", required=True)
    export = case_sub.add_parser(
        "export", help="write everything held on a case to a password-encrypted archive"
    )
    export.add_argument("reference", help="the case's reference, e.g. SCR-2026-001")
    export.add_argument("--out", required=True, help="the archive to create (never overwritten)")
    keys = sub.add_parser("keys", help="the encryption keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser(
        "rotate",
        help="re-wrap every case's data key under the first key of SCR_ENCRYPTION_KEY "
        "(safe while the bot runs)",
    )
    retention = sub.add_parser(
        "retention", help="erase signed-off cases' personal data that is due (the worker does)"
    )
    retention.add_argument(
        "--dry-run", action="store_true", help="list what is due and change nothing"
    )
    args = parser.parse_args(argv)

    if args.command == "demo":
        from bot.demo import run_demo

        return int(run_demo(args.output, verbose=args.verbose, web=args.web))

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"scr-bot: settings: {problems}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        return _run(args, settings)
    except StartupError as exc:
        print(f"scr-bot: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        from storage.db import make_engine
        from storage.migrate import upgrade

        upgrade(make_engine(settings.database_url))
        print("database is up to date")
        return 0
    if args.command == "audit":
        return _verify_audit(settings)
    if args.command == "case":
        return _export_case(settings, args.reference, Path(args.out))
    if args.command == "keys":
        return _rotate_keys(settings)
    if args.command == "retention":
        return _retention(settings, dry_run=args.dry_run)
    if args.command == "serve":
        from bot.server import serve

        return serve(settings, scheduler=False if args.no_scheduler else None)
    if args.command == "socket":
        from bot.server import socket_mode

        return socket_mode(settings)
    if args.command == "worker":
        from bot.jobs.worker import run_once, run_worker

        return run_once(settings) if args.once else run_worker(settings)
    raise AssertionError(args.command)


def _verify_audit(settings: Settings) -> int:
    from bot.services.cases.audit import verify_chain
    from storage.db import Database, ensure_migrated

    database = Database.from_url(settings.database_url)
    try:
        try:
            ensure_migrated(database.engine)
        except RuntimeError as exc:
            raise StartupError(str(exc)) from exc
        with database.session() as session:
            report = verify_chain(session)
    finally:
        database.dispose()
    if report.broken is None:
        print(f"audit chain intact: {report.entries} entries")
        print(f"head: {report.head}")
        return 0
    broken = report.broken
    print(
        f"audit chain broken at entry {broken.id} ({broken.at.isoformat()}, {broken.action}):"
        f" {broken.reason}; the {report.entries} entries before it verify"
    )
    return 1


def _export_case(settings: Settings, reference: str, out: Path) -> int:
    """Asks for the password twice on the terminal (never echoed, never logged)."""
    from bot.runtime import build_runtime
    from bot.services.cases.export import (
        ExportRefusedError,
        check_password,
        export_case,
        exportable,
    )

    runtime = build_runtime(settings)
    try:
        with runtime.db.session() as session:
            exportable(session, reference)  # before asking for a password
        password = getpass.getpass("Password for the archive: ")
        check_password(password, getpass.getpass("Same password again: "))
        actor = f"cli:{getpass.getuser()}"[:32]
        with runtime.db.session() as session:
            summary = export_case(
                session,
                runtime.cipher,
                reference=reference,
                password=password,
                out=out,
                at=runtime.clock.now(),
                actor=actor,
            )
    except ExportRefusedError as exc:
        print(f"scr-bot: not exported: {exc}", file=sys.stderr)
        return 1
    finally:
        runtime.db.dispose()
    print(f"{summary.reference}: {summary.total} rows from {len(summary.rows)} tables in {out}")
    return 0


def _rotate_keys(settings: Settings) -> int:
    from bot.runtime import build_runtime
    from bot.services.cases.keys import rotate

    if settings.encryption_key is None or not settings.encryption_key.get_secret_value():
        raise StartupError("SCR_ENCRYPTION_KEY is not set: there is no master key to rotate to")
    runtime = build_runtime(settings)
    try:
        report = rotate(runtime.db, runtime.cipher)
    finally:
        runtime.db.dispose()
    for line in report.lines():
        print(line)
    if runtime.cipher.key_count > 1:
        print("every data key is now under the first key: the others can be dropped")
    return 0


def _retention(settings: Settings, *, dry_run: bool) -> int:
    from bot.flows.retention import retention_pass
    from bot.runtime import build_runtime
    from bot.services.cases.retention import retained

    runtime = build_runtime(settings)
    cal = runtime.working_calendar()
    years = runtime.partnership.retention.years_after_sign_off
    try:
        if not dry_run:
            report = retention_pass(runtime, runtime.web_client())
            print(
                f"erased: {len(report.erased)} {' '.join(report.erased)}".rstrip()
                + f"; notices sent: {report.notices}; erasures reported: {report.reported}"
            )
            return 0
        with runtime.db.session() as session:
            items = retained(session, cal, years)
    finally:
        runtime.db.dispose()
    today = cal.london_date(runtime.clock.now())
    print(f"retention: {years} years after sign-off; today {today.isoformat()}")
    print("reference      signed off   erasure      notice sent  due now")
    for item in items:
        sent = item.notice_sent_on.isoformat() if item.notice_sent_on else "no"
        due = "erase" if item.erasure_due(today) else "notice" if item.notice_due(today) else "-"
        print(
            f"{item.reference:<14} {item.signed_off_on.isoformat()}   {item.erase_on.isoformat()}"
            f"   {sent:<11}  {due}"
        )
    if not items:
        print("(no signed-off case holds personal data)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
