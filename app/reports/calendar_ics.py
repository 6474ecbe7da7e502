"""The renewals deadlines as an iCalendar file (`clausekeeper calendar --out FILE.ics`).

One all-day event per upcoming deadline (cancel-by, exercise-by, or the end of the contract).
Each contract's deadline of one kind keeps one UID for its whole life, and its SEQUENCE grows when
the date moves (a renewal passed, an option exercised, notice given, an edit), so a calendar that
imported an earlier file moves the event instead of keeping the old one beside the new one.
One display alarm per reminder day; alarms that would already be past on the as-of date are left
out (importing the file does not raise a pile of stale reminders), but a deadline whose reminder
days are all past still gets one alarm on its own day.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from icalendar import Alarm, Calendar, Event

from app.core.fields import visible_controls
from app.errors import ClausekeeperError
from app.services.renewals import RenewalRow

PRODID = "-//Clausekeeper//Renewals deadlines//EN"
UID_DOMAIN = "clausekeeper"
LABELS = {
    "cancel_by": "Cancel by",
    "exercise_by": "Exercise option by",
    "end": "Contract ends",
}


def event_uid(reference: str, kind: str) -> str:
    """One UID for a contract's deadline of one kind, whatever date it moves to."""
    return f"{reference}-{kind}@{UID_DOMAIN}"


def _describe(row: RenewalRow, kind: str, deadline: date, as_of: date) -> str:
    def day(value: date | None, empty: str = "none") -> str:
        return value.isoformat() if value is not None else empty

    lines = [
        f"Contract {row.reference}: {row.title}",
        f"Vendor: {row.vendor}",
        f"{LABELS[kind]}: {deadline.isoformat()} ({row.days_left} days from {as_of.isoformat()})",
        f"Renewal: {row.renewal}; status: {row.status}",
        f"Current term: {row.term_number} ({day(row.term_start)} to {day(row.term_end, 'open')})",
        f"Ends on: {day(row.ends_on, 'no fixed end (runs until notice is given)')}",
        f"Earliest end with notice given on {as_of.isoformat()}: {day(row.earliest_end)}",
    ]
    if row.annual_value is not None:
        value = row.annual_value.quantize(Decimal("0.01"), ROUND_HALF_UP)
        lines.append(f"Annual value: {value:,.2f} {row.currency}")
    if row.missed_notice:
        lines.append("Notice was missed for the current term.")
    if row.escalated:
        lines.append("Escalated: a critical clause has nobody in-house who understands it.")
    lines.extend(f"How: {part}" for part in row.explanation_lines)
    return "\n".join(lines)


def _event(
    row: RenewalRow, kind: str, deadline: date, as_of: date, stamp: datetime, sequence: int
) -> Event:
    event = Event()
    event.add("uid", event_uid(row.reference, kind))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", deadline)
    event.add("dtend", deadline + timedelta(days=1))
    event.add("summary", f"{LABELS[kind]}: {row.reference} {row.vendor} — {row.title}")
    event.add("description", _describe(row, kind, deadline, as_of))
    event.add("categories", ["Clausekeeper", LABELS[kind]])
    event.add("transp", "TRANSPARENT")
    days_before = sorted(set(row.reminder_days), reverse=True)
    ahead = [d for d in days_before if deadline - timedelta(days=d) >= as_of]
    if row.reminder_days and not ahead:
        ahead = [0]  # every reminder day is past: remind on the day itself
    for days in ahead:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(days=-days))
        when = f"in {days} days" if days else "today"
        alarm.add("description", f"{LABELS[kind]} {row.reference} {when}")
        event.add_component(alarm)
    return event


def build_calendar(
    rows: Sequence[RenewalRow], as_of: date, sequences: Mapping[str, int] | None = None
) -> tuple[Calendar, int]:
    """The calendar of the rows' upcoming deadlines and the number of events in it.

    `sequences` gives each contract's SEQUENCE (`app.services.renewals.calendar_sequences`);
    a contract without one gets 0.
    """
    sequences = sequences or {}
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Clausekeeper deadlines")
    # DTSTAMP from the as-of date keeps the file identical when written twice for the same day.
    stamp = datetime.combine(as_of, time(0, 0), tzinfo=UTC)
    count = 0
    for row in rows:
        sequence = sequences.get(row.reference, 0)
        row = replace(  # user text: no control character reaches a calendar program
            row, reference=visible_controls(row.reference), vendor=visible_controls(row.vendor),
            title=visible_controls(row.title), currency=visible_controls(row.currency),
        )
        deadline = row.deadline
        kind = row.deadline_kind
        if deadline is None or kind not in LABELS or deadline < as_of:
            continue
        calendar.add_component(_event(row, kind, deadline, as_of, stamp, sequence))
        count += 1
    return calendar, count


def write_calendar(
    rows: Sequence[RenewalRow],
    path: str | Path,
    as_of: date,
    sequences: Mapping[str, int] | None = None,
) -> int:
    """Write the .ics file atomically (temporary file, then rename); returns the event count."""
    target = Path(path)
    calendar, count = build_calendar(rows, as_of, sequences)
    data = calendar.to_ical()
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ClausekeeperError(f"cannot write {target}: the folder {folder} does not exist")
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if target.exists():  # keep the permissions of the file being replaced
            os.chmod(temp_name, target.stat().st_mode & 0o777)
        os.replace(temp_name, target)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise ClausekeeperError(f"cannot write {target}: {exc.strerror or exc}") from None
    return count
