"""The renewals list and reminders on a small hand-built database (SPEC §2, §6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.errors import ValidationError
from app.services.renewals import JSON_KEYS, reminders, renewals, renewals_json
from app.store.models import Contract, Vendor

D = date
AS_OF = D(2025, 6, 15)


@pytest.fixture
def ids(session: Session) -> dict[str, int]:
    acme = Vendor(name="Acme")
    globex = Vendor(name="Globex")
    session.add_all([acme, globex])

    def add(reference: str, vendor: Vendor, **fields: Any) -> None:
        session.add(
            Contract(reference=reference, title=f"{reference} title", vendor=vendor, **fields)
        )

    # C-A: 36 months from 2022-01-01 then yearly tacit renewals, 3 months' notice. On 2025-06-15
    # it is in term 1 (2025), cancel_by 2025-09-30: 15 + 31 + 31 + 30 = 107 days left.
    add(
        "C-A",
        acme,
        start_date=D(2022, 1, 1),
        initial_term_months=36,
        renewal="auto",
        renewal_term_months=12,
        notice_value=3,
        annual_value=Decimal("120000.005"),
        currency="USD",
        reminder_days="180,107,30",
    )
    # C-B: 12 months from 2024-07-01, no renewal: ends 2025-06-30, 15 days left.
    add(
        "C-B",
        globex,
        start_date=D(2024, 7, 1),
        initial_term_months=12,
        renewal="none",
        reminder_days="30,20",
    )
    # C-C: ended 2020-12-31 (expired): not listed.
    add("C-C", acme, start_date=D(2020, 1, 1), initial_term_months=12, renewal="none")
    # C-D: starts 2025-09-01; terms 0..1 of 12 months: ends M(24) - 1 = 2027-08-31. Not started,
    # it already has its first deadline (SPEC §2, k = 0): cancel_by(0) = 2026-08-31 - 1 month =
    # 2026-07-31; 2025-06-15 -> 2026-06-15 is 365 days, + 15 + 31 = 411 days.
    add(
        "C-D",
        acme,
        start_date=D(2025, 9, 1),
        initial_term_months=12,
        renewal="auto",
        renewal_term_months=12,
        max_renewals=1,
        notice_value=1,
    )
    # C-E: evergreen without a minimum term: no deadline, sorted last.
    add("C-E", acme, start_date=D(2021, 5, 1), renewal="evergreen", notice_value=1)
    # C-F: needs review (no initial term): listed, deadlines unknown.
    add("C-F", globex, start_date=D(2021, 5, 1), renewal="auto", renewal_term_months=12)
    # C-G: yearly from 2023-01-01, notice 2025-03-01 (before cancel_by(2) = 2025-11-30):
    # terminating, ends 2025-12-31: 15 + 31 + 31 + 30 + 31 + 30 + 31 = 199 days.
    add(
        "C-G",
        acme,
        start_date=D(2023, 1, 1),
        initial_term_months=12,
        renewal="auto",
        renewal_term_months=12,
        notice_value=1,
        terminated_on=D(2025, 3, 1),
        reminder_days="",
    )
    # C-H: notice in 2024 on a contract that ended 2024-12-31: terminated, not listed.
    add(
        "C-H",
        globex,
        start_date=D(2024, 1, 1),
        initial_term_months=12,
        renewal="none",
        terminated_on=D(2024, 5, 1),
    )
    session.flush()
    return {c.reference: c.id for c in session.query(Contract)}


def test_renewals_lists_running_contracts_by_deadline(
    session: Session, ids: dict[str, int]
) -> None:
    rows = renewals(session, AS_OF, critical_orphans=set())
    assert [(r.reference, r.status, r.deadline, r.days_left) for r in rows] == [
        ("C-B", "active", D(2025, 6, 30), 15),
        ("C-A", "active", D(2025, 9, 30), 107),
        ("C-G", "terminating", D(2025, 12, 31), 199),
        ("C-D", "not_started", D(2026, 7, 31), 411),
        ("C-E", "active", None, None),  # nulls last, then by reference
        ("C-F", "active", None, None),
    ]
    assert rows[1].contract_id == ids["C-A"]
    assert rows[1].vendor == "Acme" and rows[0].vendor == "Globex"
    assert rows[5].needs_review is True


def test_equal_deadlines_sort_by_reference(session: Session) -> None:
    vendor = Vendor(name="Initech")
    for reference in ("Z-2", "Z-1"):
        session.add(
            Contract(
                reference=reference,
                title="same terms",
                vendor=vendor,
                start_date=D(2025, 1, 1),
                initial_term_months=12,
                renewal="none",
            )
        )
    session.flush()
    rows = renewals(session, AS_OF, critical_orphans=set())
    assert [r.reference for r in rows] == ["Z-1", "Z-2"]


@pytest.mark.parametrize(
    ("within", "expected"),
    [
        (0, []),
        (15, ["C-B"]),
        (106, ["C-B"]),
        (107, ["C-B", "C-A"]),
        (1000, ["C-B", "C-A", "C-G", "C-D"]),  # rows without days_left never match
    ],
)
def test_within_keeps_days_left_in_range(
    session: Session, ids: dict[str, int], within: int, expected: list[str]
) -> None:
    rows = renewals(session, AS_OF, within=within, critical_orphans=set())
    assert [r.reference for r in rows] == expected


def test_negative_within_is_an_error(session: Session, ids: dict[str, int]) -> None:
    with pytest.raises(ValidationError, match="--within must be 0 or more"):
        renewals(session, AS_OF, within=-1, critical_orphans=set())


def test_escalation_needs_a_critical_orphan_and_a_deadline_within_90_days(
    session: Session, ids: dict[str, int]
) -> None:
    orphans = {ids["C-B"], ids["C-A"], ids["C-E"]}
    rows = {r.reference: r for r in renewals(session, AS_OF, critical_orphans=orphans)}
    assert rows["C-B"].escalated is True  # 15 days left
    assert rows["C-A"].escalated is False  # 107 days left > 90
    assert rows["C-E"].escalated is False  # no deadline
    assert rows["C-G"].escalated is False  # no critical orphan


def test_renewals_json_has_the_spec_keys_and_formats(session: Session, ids: dict[str, int]) -> None:
    data = renewals_json(session, AS_OF, None, critical_orphans={ids["C-B"]})
    assert all(tuple(item) == JSON_KEYS for item in data)
    by_ref = {item["reference"]: item for item in data}
    assert by_ref["C-A"] == {
        "reference": "C-A",
        "vendor": "Acme",
        "title": "C-A title",
        "renewal": "auto",
        "status": "active",
        "needs_review": False,
        "term_number": 1,
        "term_start": "2025-01-01",
        "term_end": "2025-12-31",
        "cancel_by": "2025-09-30",
        "deadline_kind": "cancel_by",
        "days_left": 107,
        "missed_notice": False,
        "ends_on": None,
        "earliest_end": "2025-12-31",
        "annual_value": "120000.01",  # 120000.005 rounded half-up (not half-even)
        "currency": "USD",
        "escalated": False,
    }
    assert by_ref["C-B"]["escalated"] is True
    assert by_ref["C-B"]["annual_value"] is None
    assert by_ref["C-B"]["currency"] == "EUR"
    assert by_ref["C-F"]["term_end"] is None and by_ref["C-F"]["deadline_kind"] is None
    assert by_ref["C-E"]["term_end"] is None  # evergreen: the current term has no end
    assert by_ref["C-E"]["earliest_end"] == "2025-07-15"  # 2025-06-15 + 1 month
    assert [item["reference"] for item in renewals_json(session, AS_OF, 20, set())] == ["C-B"]


def test_reminders_follow_each_contracts_reminder_days(
    session: Session, ids: dict[str, int]
) -> None:
    # C-B: 15 days left <= 20 (its smallest reminder day); C-A: 107 is one of its reminder days;
    # C-G has no reminders; C-D (807) is not on a reminder day.
    assert reminders(session, AS_OF) == [
        {"reference": "C-B", "deadline_kind": "end", "deadline": "2025-06-30", "days_left": 15},
        {
            "reference": "C-A",
            "deadline_kind": "cancel_by",
            "deadline": "2025-09-30",
            "days_left": 107,
        },
    ]
    # A day later C-A has 106 days left: between its reminder days 107 and 30, not due.
    assert [r["reference"] for r in reminders(session, D(2025, 6, 16))] == ["C-B"]
