"""The .ics calendar of renewals deadlines, parsed back with icalendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from icalendar import Calendar, Component
from sqlalchemy.orm import Session

from app.errors import ClausekeeperError
from app.reports.calendar_ics import write_calendar
from app.services.renewals import RenewalRow, calendar_sequences, renewals
from app.store.contract_actions import exercise_option
from app.store.models import Contract, Vendor

D = date
AS_OF = D(2025, 6, 15)

CANCEL = RenewalRow(
    contract_id=1,
    reference="C-2021-014",
    vendor="Acme",
    title="Service desk",
    renewal="auto",
    status="active",
    needs_review=False,
    term_number=1,
    term_start=D(2025, 1, 1),
    term_end=D(2025, 12, 31),
    cancel_by=D(2025, 9, 30),
    deadline_kind="cancel_by",
    days_left=107,
    missed_notice=False,
    ends_on=None,
    earliest_end=D(2025, 12, 31),
    annual_value=Decimal("120000.005"),
    currency="EUR",
    escalated=False,
    reminder_days=(180, 90, 30, 7),
)
EXERCISE = replace(
    CANCEL,
    contract_id=2,
    reference="C-OPT",
    renewal="option",
    cancel_by=D(2025, 7, 1),
    deadline_kind="exercise_by",
    days_left=16,
    ends_on=D(2026, 3, 31),
    reminder_days=(30, 7),
)
END = replace(
    CANCEL,
    contract_id=3,
    reference="C-END",
    renewal="none",
    cancel_by=None,
    deadline_kind="end",
    days_left=15,
    ends_on=D(2025, 6, 30),
    reminder_days=(),
)
UNKNOWN = replace(
    CANCEL,
    contract_id=4,
    reference="C-REVIEW",
    needs_review=True,
    cancel_by=None,
    deadline_kind=None,
    days_left=None,
    ends_on=None,
)


def _events(path: Path) -> dict[str, Component]:
    calendar = Calendar.from_ical(path.read_bytes())
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_one_all_day_event_per_upcoming_deadline(tmp_path: Path) -> None:
    out = tmp_path / "deadlines.ics"
    count = write_calendar([CANCEL, EXERCISE, END, UNKNOWN], out, AS_OF)
    assert count == 3  # the needs-review contract has no deadline
    events = _events(out)
    assert sorted(events) == [
        "C-2021-014-cancel_by@clausekeeper",
        "C-END-end@clausekeeper",
        "C-OPT-exercise_by@clausekeeper",
    ]
    cancel = events["C-2021-014-cancel_by@clausekeeper"]
    assert cancel.decoded("dtstart") == D(2025, 9, 30)  # a date: an all-day event
    assert cancel.decoded("dtend") == D(2025, 10, 1)
    assert str(cancel["summary"]) == "Cancel by: C-2021-014 Acme — Service desk"
    description = str(cancel["description"])
    assert "Cancel by: 2025-09-30 (107 days from 2025-06-15)" in description
    assert "Ends on: no fixed end" in description
    assert "Annual value: 120,000.01 EUR" in description  # half-up
    exercise = events["C-OPT-exercise_by@clausekeeper"]
    assert str(exercise["summary"]).startswith("Exercise option by: C-OPT")
    assert str(events["C-END-end@clausekeeper"]["summary"]).startswith(
        "Contract ends: C-END"
    )


def test_alarms_at_the_reminder_days_that_are_still_ahead(tmp_path: Path) -> None:
    out = tmp_path / "deadlines.ics"
    write_calendar([CANCEL, EXERCISE, END], out, AS_OF)
    events = _events(out)

    def triggers(uid: str) -> list[timedelta]:
        alarms = events[uid].walk("VALARM")
        assert all(str(alarm["action"]) == "DISPLAY" for alarm in alarms)
        return [alarm.decoded("trigger") for alarm in alarms]

    # 107 days left: 180 days before (2025-04-03) is already past; 90, 30 and 7 are ahead.
    assert triggers("C-2021-014-cancel_by@clausekeeper") == [
        timedelta(days=-90),
        timedelta(days=-30),
        timedelta(days=-7),
    ]
    # 16 days left: only the 7-day alarm (2025-06-24) is ahead.
    assert triggers("C-OPT-exercise_by@clausekeeper") == [timedelta(days=-7)]
    assert triggers("C-END-end@clausekeeper") == []  # no reminder days
    assert b"TRIGGER:-P90D" in out.read_bytes()


def test_past_deadlines_are_left_out(tmp_path: Path) -> None:
    late = replace(END, days_left=-1, ends_on=D(2025, 6, 14))
    assert write_calendar([late], tmp_path / "x.ics", AS_OF) == 0


def test_writing_twice_gives_the_same_file_and_uids(tmp_path: Path) -> None:
    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    write_calendar([CANCEL, EXERCISE], first, AS_OF)
    write_calendar([CANCEL, EXERCISE], second, AS_OF)
    assert sorted(_events(first)) == sorted(_events(second))
    assert first.read_bytes() == second.read_bytes()


def test_overwrites_atomically_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "deadlines.ics"
    out.write_text("old content")
    out.chmod(0o640)
    write_calendar([CANCEL], out, AS_OF)
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert out.stat().st_mode & 0o777 == 0o640  # the replaced file's permissions are kept
    assert [p.name for p in tmp_path.iterdir()] == ["deadlines.ics"]


def test_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(ClausekeeperError, match="does not exist"):
        write_calendar([CANCEL], tmp_path / "nope" / "x.ics", AS_OF)


def test_a_deadline_whose_reminders_are_all_past_gets_an_alarm_on_its_day(tmp_path: Path) -> None:
    # 5 days left: the 180-, 90-, 30- and 7-day reminders all lie before the as-of date.
    soon = replace(CANCEL, cancel_by=D(2025, 6, 20), days_left=5)
    out = tmp_path / "soon.ics"
    write_calendar([soon], out, AS_OF)
    alarms = _events(out)["C-2021-014-cancel_by@clausekeeper"].walk("VALARM")
    assert [alarm.decoded("trigger") for alarm in alarms] == [timedelta(0)]
    assert str(alarms[0]["description"]) == "Cancel by C-2021-014 today"


def _calendar_of(session: Session, as_of: date, out: Path) -> dict[str, Component]:
    rows = renewals(session, as_of, critical_orphans=set())
    write_calendar(rows, out, as_of, calendar_sequences(session, rows, as_of))
    return _events(out)


def test_an_event_keeps_its_uid_and_its_sequence_grows_when_the_deadline_moves(
    session: Session, tmp_path: Path
) -> None:
    vendor = Vendor(name="Acme")
    # Auto: 12 months from 2025-01-01, yearly renewals, 1 month's notice: cancel by 2025-11-30,
    # then (once that has passed) 2026-11-30. Option: 12 months, up to 2 options of 12 months,
    # 2 months' notice: exercise by 2025-10-31, after exercising one 2026-10-31.
    session.add_all(
        [
            Contract(reference="C-AUTO", title="Desk", vendor=vendor, start_date=D(2025, 1, 1),
                     initial_term_months=12, renewal="auto", renewal_term_months=12,
                     notice_value=1),
            Contract(reference="C-OPT", title="Hosting", vendor=vendor, start_date=D(2025, 1, 1),
                     initial_term_months=12, renewal="option", renewal_term_months=12,
                     max_renewals=2, notice_value=2),
        ]
    )
    session.commit()
    first = _calendar_of(session, D(2025, 6, 1), tmp_path / "1.ics")
    auto, option = first["C-AUTO-cancel_by@clausekeeper"], first["C-OPT-exercise_by@clausekeeper"]
    assert auto.decoded("dtstart") == D(2025, 11, 30)
    assert option.decoded("dtstart") == D(2025, 10, 31)

    # The renewal passes by itself: same UID, next year's date, a higher SEQUENCE.
    later = _calendar_of(session, D(2025, 12, 15), tmp_path / "2.ics")
    moved = later["C-AUTO-cancel_by@clausekeeper"]
    assert moved.decoded("dtstart") == D(2026, 11, 30)
    assert int(moved["sequence"]) > int(auto["sequence"])

    # Exercising the option moves its exercise-by date: same UID, higher SEQUENCE.
    exercise_option(session, "C-OPT", D(2025, 6, 1))
    session.commit()
    after = _calendar_of(session, D(2025, 6, 1), tmp_path / "3.ics")
    exercised = after["C-OPT-exercise_by@clausekeeper"]
    assert exercised.decoded("dtstart") == D(2026, 10, 31)
    assert int(exercised["sequence"]) > int(option["sequence"])
    assert set(after) == set(first)  # one event per contract and kind: nothing left beside it
