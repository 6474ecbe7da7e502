"""The command line of SPEC §6. It and the GUI call the same services.

Exit codes: 0 success; 1 an error the user can fix (one line per problem on stderr, no
traceback); 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from app import __version__
from app.errors import ClausekeeperError

log = logging.getLogger("clausekeeper")

EXPORT_KINDS = ("register", "renewals", "knowledge", "sla", "attestations")
WRITE_COMMANDS = {
    "demo": "filling the database with the demo portfolio",
    "import": "importing a register workbook",
    "import-register": "importing a foreign register",
    "import-measurements": "importing measurements",
    "import-attestations": "importing attestations",
    "undo-import": "taking an import back",
}
"""The commands that write, and what they do (for the read-only message); a --dry-run reads."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must be 0 or more")
    return value


def _criticality(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 5:
        raise argparse.ArgumentTypeError(f"{value} is not a criticality (1 to 5)")
    return value


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=default,
        help="SQLite file or SQLAlchemy URL (default: $CLAUSEKEEPER_DB, else the user data folder)",
    )
    parser.add_argument(
        "--as-of",
        dest="as_of",
        metavar="YYYY-MM-DD",
        type=_date,
        default=default,
        help="the date to compute on (default: today)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clausekeeper",
        description="Outsourcing contracts under control: renewals, knowledge gaps, SLA credits.",
    )
    parser.add_argument("--version", action="version", version=f"clausekeeper {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the app on the demo database (filled on first use)",
    )
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _global_options(p, suppress=True)
        return p

    p = command("demo", "fill an empty database with a realistic portfolio")
    p.add_argument("--scale", choices=("small", "enterprise"), default="small")
    p.add_argument("--seed", type=int, default=1)

    p = command("import", "import a register workbook (all or nothing)")
    p.add_argument("file", type=Path, metavar="FILE.xlsx")
    p.add_argument("--dry-run", action="store_true", help="check the file, write nothing")

    p = command("import-register", "import a foreign register (CSV or XLSX)")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--map", dest="mapping", metavar="'Header=field,...'", default=None)
    p.add_argument("--dayfirst", action="store_true", help="read 03/04/2025 as 3 April")
    p.add_argument("--dry-run", action="store_true", help="check the file, write nothing")

    p = command("import-measurements", "import SLA measurements (CSV or XLSX, all or nothing)")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="check the file, write nothing")

    p = command("export", "write a workbook")
    p.add_argument("kind", choices=EXPORT_KINDS)
    p.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx")
    p.add_argument(
        "--within",
        type=_non_negative_int,
        metavar="DAYS",
        default=None,
        help="attestations: links going stale within DAYS (default 90)",
    )
    p.add_argument("--person", metavar="KEY", default=None, help="attestations: one person's")

    p = command("calendar", "write the renewal deadlines as an iCalendar file")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.ics")

    p = command("renewals", "the renewals list")
    p.add_argument("--within", type=_non_negative_int, metavar="DAYS", default=None)
    p.add_argument("--json", action="store_true")

    p = command("gaps", "knowledge status of the clauses")
    p.add_argument("--contract", metavar="REF", default=None)
    p.add_argument("--json", action="store_true")

    p = command("simulate-leave", "off-boarding simulation: what is lost if these people leave")
    p.add_argument("people", nargs="+", metavar="PERSON")
    p.add_argument("--json", action="store_true")

    p = command("sla", "SLA compliance and service credits")
    p.add_argument("--from", dest="from_month", metavar="YYYY-MM", default=None)
    p.add_argument("--to", dest="to_month", metavar="YYYY-MM", default=None)
    p.add_argument("--json", action="store_true")

    p = command("reminders", "what is due for a reminder on the as-of date")
    p.add_argument("--json", action="store_true")

    p = command("imports", "the imports recorded, newest first")
    p.add_argument("--json", action="store_true")

    p = command("undo-import", "take an import back, while none of its records changed since")
    p.add_argument("import_id", type=int, metavar="ID")

    p = command("forecast", "the knowledge forecast: the next months if nothing is done")
    p.add_argument("--months", type=_non_negative_int, metavar="N", default=12)
    p.add_argument("--json", action="store_true")

    p = command("successors", "who could take over the clauses at risk, and the succession plan")
    p.add_argument("--contract", metavar="REF", default=None)
    p.add_argument("--min-criticality", dest="min_criticality", type=_criticality, metavar="N")
    p.add_argument("--json", action="store_true")

    p = command("import-attestations", "read a filled attestation workbook back (all or nothing)")
    p.add_argument("file", type=Path, metavar="FILE.xlsx")
    p.add_argument("--dry-run", action="store_true", help="check the file, write nothing")

    p = command("backup", "online backup of the database")
    p.add_argument("--out", type=Path, required=True, metavar="FILE")

    command("check", "integrity check of the database")
    return parser


# --- output helpers -------------------------------------------------------------------------


def _print_json(data: Any) -> None:
    # No indent: the C encoder is several times faster on 200,000 clauses (pipe to `jq .`).
    sys.stdout.write(json.dumps(data, ensure_ascii=False))
    sys.stdout.write("\n")


def _print_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    """A plain text table for people reading a terminal (use --json for programs)."""
    if not rows:
        print("(nothing)")
        return
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


class _TerminalProgress:
    """Progress on stderr for long commands, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._last = -1

    def __call__(self, done: int, total: int, message: str = "") -> bool:
        if not self.enabled or total <= 0:
            return True
        percent = int(done * 100 / total)
        if percent != self._last:
            self._last = percent
            sys.stderr.write(f"\r{message[:50]:<50} {percent:3d}%")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        return True


# --- commands -------------------------------------------------------------------------------


def _cmd_demo(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.store.demo import generate

    with db.session() as session:
        counts = generate(
            session, scale=args.scale, seed=args.seed, as_of=as_of, progress=_TerminalProgress()
        )
    print("demo portfolio written: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0


def _cmd_import(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.reports.register_import import import_register_workbook

    with db.session() as session:
        summary = import_register_workbook(
            session, args.file, dry_run=args.dry_run, progress=_TerminalProgress()
        )
    for line in summary.summary_lines():
        print(line)
    return 0


def _cmd_import_register(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.reports.foreign_register import import_foreign_register

    with db.session() as session:
        summary = import_foreign_register(
            session, args.file, mapping=args.mapping, dayfirst=args.dayfirst, dry_run=args.dry_run
        )
    for line in summary.summary_lines():
        print(line)
    return 0


def _cmd_import_measurements(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.reports.measurements_import import import_measurements

    with db.session() as session:
        summary = import_measurements(session, args.file, dry_run=args.dry_run)
    for line in summary.summary_lines():
        print(line)
    return 0


def _cmd_export(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.reports.export import export_report

    if args.kind == "attestations":
        return _export_attestations(args, db, as_of)
    if args.within is not None or args.person is not None:
        raise ClausekeeperError("--within and --person are options of 'export attestations'")
    with db.session() as session:
        path = export_report(session, args.kind, args.out, as_of, progress=_TerminalProgress())
    print(f"{args.kind} workbook written to {path}")
    return 0


def _export_attestations(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.reports.attestations import export_attestations
    from app.services.continuity import DEFAULT_WITHIN

    within = DEFAULT_WITHIN if args.within is None else args.within
    with db.session() as session:
        path, count = export_attestations(
            session, args.out, as_of, within, args.person, progress=_TerminalProgress()
        )
    print(f"attestations workbook written to {path} ({count} rows)")
    return 0


def _cmd_forecast(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.services.continuity import forecast_json

    with db.session() as session:
        data = forecast_json(session, as_of, args.months)
    if args.json:
        _print_json(data)
    else:
        _print_table(
            data["points"],
            (
                "date",
                "clauses",
                "orphaned",
                "orphaned_critical",
                "at_risk",
                "single",
                "covered",
                "coverage",
                "truck_factor",
            ),
        )
    return 0


def _cmd_successors(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.services.continuity import successors_json

    with db.session() as session:
        data = successors_json(session, as_of, args.contract, args.min_criticality)
    if args.json:
        _print_json(data)
        return 0
    plan = data["plan"]
    print(
        f"as of {data['as_of']}: {len(data['clauses'])} clauses need a successor; the plan takes "
        f"coverage from {plan['coverage_before']} to {plan['coverage_after']} and the truck "
        f"factor from {plan['truck_factor_before']} to {plan['truck_factor_after']}"
    )
    rows = [
        {
            **{k: c[k] for k in ("contract", "number", "criticality", "status")},
            "first candidate": (
                f"{c['candidates'][0]['name']} ({c['candidates'][0]['action']})"
                if c["candidates"]
                else "(nobody in-house)"
            ),
            "others": ", ".join(k["name"] for k in c["candidates"][1:]),
        }
        for c in data["clauses"]
    ]
    _print_table(rows, ("contract", "number", "criticality", "status", "first candidate", "others"))
    return 0


def _cmd_import_attestations(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.reports.attestations import import_attestations

    with db.session() as session:
        summary = import_attestations(session, args.file, as_of, dry_run=args.dry_run)
    for line in summary.summary_lines():
        print(line)
    return 0


def _cmd_calendar(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.reports.calendar_ics import write_calendar
    from app.services.renewals import calendar_sequences, renewals

    with db.session() as session:
        rows = renewals(session, as_of)
        sequences = calendar_sequences(session, rows, as_of)
    count = write_calendar(rows, args.out, as_of, sequences)
    print(f"{count} deadlines written to {args.out}")
    return 0


def _cmd_renewals(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.services.renewals import renewals_json

    with db.session() as session:
        data = renewals_json(session, as_of, args.within)
    if args.json:
        _print_json(data)
    else:
        _print_table(
            data,
            (
                "reference",
                "vendor",
                "status",
                "deadline_kind",
                "cancel_by",
                "ends_on",
                "days_left",
                "escalated",
            ),
        )
    return 0


def _cmd_gaps(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.services.knowledge import gaps_json

    with db.session() as session:
        data = gaps_json(session, as_of, args.contract)
    if args.json:
        _print_json(data)
    else:
        print(
            f"as of {data['as_of']}: coverage {data['coverage']}, "
            f"truck factor {data['truck_factor']}"
        )
        _print_table(
            data["contracts"],
            (
                "reference",
                "vendor",
                "coverage",
                "truck_factor",
                "orphaned",
                "at_risk",
                "single",
                "covered",
            ),
        )
    return 0


def _cmd_simulate_leave(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.services.knowledge import simulate_leave_json

    with db.session() as session:
        data = simulate_leave_json(session, as_of, list(args.people))
    if args.json:
        _print_json(data)
    else:
        names = ", ".join(p["name"] for p in data["people"])
        print(
            f"if {names} leave on {data['as_of']}: "
            f"{len(data['newly_orphaned'])} clauses become orphaned"
        )
        _print_table(data["newly_orphaned"], ("contract", "number", "title", "criticality"))
        _print_table(
            data["contracts"],
            (
                "reference",
                "coverage_before",
                "coverage_after",
                "truck_factor_before",
                "truck_factor_after",
            ),
        )
    return 0


def _cmd_sla(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.services.sla import sla_json

    with db.session() as session:
        data = sla_json(session, as_of, args.from_month, args.to_month)
    if args.json:
        _print_json(data)
    else:
        _print_table(
            data["slas"],
            ("contract", "name", "measured", "met", "breached", "missing", "compliance"),
        )
        _print_table(
            data["credits"],
            ("contract", "month", "due", "received", "outstanding", "claim_by", "lost"),
        )
    return 0


def _cmd_reminders(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.services.renewals import reminders

    with db.session() as session:
        data = reminders(session, as_of)
    if args.json:
        _print_json(data)
    else:
        _print_table(data, ("reference", "deadline_kind", "deadline", "days_left"))
    return 0


def _cmd_imports(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.store.import_log import imports_json

    with db.session() as session:
        data = imports_json(session)
    if args.json:
        _print_json(data)
    else:
        _print_table(
            data,
            ("id", "kind", "file", "at", "by", "created", "updated", "skipped", "shortened",
             "undone"),
        )
    return 0


def _cmd_undo_import(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.store.import_log import undo_import

    with db.session() as session:
        summary = undo_import(session, args.import_id, progress=_TerminalProgress())
    for line in summary.summary_lines():
        print(line)
    return 0


def _cmd_backup(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.store.backup import backup

    path = backup(db, args.out)
    print(f"backup written to {path}")
    return 0


def _cmd_check(args: argparse.Namespace, db: Any, as_of: date) -> int:
    from app.store.backup import check

    report = check(db)
    if not report.ok:
        raise ClausekeeperError("the database check found problems", report.problems)
    total = sum(report.counts.values())
    print(f"ok: {db.describe()} ({total} rows in {len(report.counts)} tables)")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Any, date], int]] = {
    "demo": _cmd_demo,
    "import": _cmd_import,
    "import-register": _cmd_import_register,
    "import-measurements": _cmd_import_measurements,
    "export": _cmd_export,
    "calendar": _cmd_calendar,
    "renewals": _cmd_renewals,
    "gaps": _cmd_gaps,
    "simulate-leave": _cmd_simulate_leave,
    "sla": _cmd_sla,
    "reminders": _cmd_reminders,
    "imports": _cmd_imports,
    "undo-import": _cmd_undo_import,
    "forecast": _cmd_forecast,
    "successors": _cmd_successors,
    "import-attestations": _cmd_import_attestations,
    "backup": _cmd_backup,
    "check": _cmd_check,
}


def _run_gui(args: argparse.Namespace) -> int:
    from app.ui.application import run

    return run(db_target=args.db, as_of=args.as_of, demo=args.demo)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _run_gui(args)
    if args.demo:
        parser.error("--demo opens the desktop application; for a demo database use 'demo'")
    as_of: date = args.as_of or date.today()
    try:
        from app.store.engine import open_database

        db = open_database(args.db)
        try:
            if args.command in WRITE_COMMANDS and not getattr(args, "dry_run", False):
                db.require_write(WRITE_COMMANDS[args.command])
            return COMMANDS[args.command](args, db, as_of)
        finally:
            db.close()
    except ClausekeeperError as exc:
        for line in exc.lines():
            print(f"clausekeeper: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("clausekeeper: interrupted; nothing more was changed", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: log the traceback, tell the user where it is
        logfile = _log_bug(exc)
        print(
            f"clausekeeper: internal error: {type(exc).__name__}: {exc} (details in {logfile})",
            file=sys.stderr,
        )
        return 1


def _log_bug(exc: BaseException) -> Path:
    import traceback

    from app.store.locations import data_dir

    try:
        path = data_dir() / "clausekeeper-errors.log"
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        path = Path("(log unavailable)")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
