"""Contract terms, renewals and notice of termination (SPEC §2), on plain data.

Month boundaries are always computed from the start date S (M(n) = S + n months, clamped to
the month's last day), never by stepping from the previous boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from app.core.months import add_months
from app.errors import ValidationError

RENEWALS: tuple[str, ...] = ("none", "auto", "option", "evergreen")
NOTICE_UNITS: tuple[str, ...] = ("days", "weeks", "months")
STATUSES: tuple[str, ...] = ("not_started", "active", "terminating", "terminated", "expired")
ESCALATION_DAYS = 90

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ContractTerms:
    """The fields of a contract that decide its terms, deadlines and status."""

    start_date: date
    initial_term_months: int | None
    renewal: str
    renewal_term_months: int | None = None
    max_renewals: int | None = None
    options_exercised: int = 0
    notice_value: int = 0
    notice_unit: str = "months"
    terminated_on: date | None = None
    reminder_days: tuple[int, ...] = (180, 90, 30, 7)

    @property
    def needs_review(self) -> bool:
        """True when the initial term is unknown on a contract that is not evergreen."""
        return self.initial_term_months is None and self.renewal != "evergreen"


@dataclass(frozen=True)
class Position:
    """Where a contract stands on the as-of date (SPEC §2, "On the as-of date D")."""

    as_of: date
    status: str
    needs_review: bool
    term_number: int | None
    term_start: date | None
    term_end: date | None
    cancel_by: date | None
    deadline_kind: str | None
    days_left: int | None
    missed_notice: bool
    ends_on: date | None
    earliest_end: date | None
    notice_effective: date | None

    @property
    def deadline(self) -> date | None:
        """The next deadline: cancel_by, or ends_on when there is no cancel-by date."""
        return self.cancel_by if self.cancel_by is not None else self.ends_on


# --- date arithmetic -----------------------------------------------------------------------


def month_boundary(start: date, months: int) -> date:
    """M(n) = start + relativedelta(months=n), always computed from the start date."""
    return add_months(start, months)


def notice_delta(value: int, unit: str) -> relativedelta:
    """The notice period N as a relativedelta."""
    if unit == "days":
        return relativedelta(days=value)
    if unit == "weeks":
        return relativedelta(weeks=value)
    if unit == "months":
        return relativedelta(months=value)
    raise ValidationError(f"notice_unit must be one of {', '.join(NOTICE_UNITS)} (got {unit!r})")


def _shift(day: date, terms: ContractTerms, sign: int) -> date:
    """day + N (sign 1) or day - N (sign -1), with relativedelta's month-end clamping."""
    value = sign * terms.notice_value
    if terms.notice_unit == "months":
        return add_months(day, value)
    if terms.notice_unit == "weeks":
        return day + timedelta(weeks=value)
    if terms.notice_unit == "days":
        return day + timedelta(days=value)
    raise ValidationError(
        f"notice_unit must be one of {', '.join(NOTICE_UNITS)} (got {terms.notice_unit!r})"
    )


# --- terms -----------------------------------------------------------------------------------


def _boundary(terms: ContractTerms, k: int) -> date:
    """b_k: S, then M(initial), then M(initial + (k-1)·renewal_term) (initial must be set)."""
    if k == 0:
        return terms.start_date
    initial = terms.initial_term_months
    if initial is None:
        raise ValueError("the initial term is unknown")
    if k == 1:
        return add_months(terms.start_date, initial)
    if terms.renewal_term_months is None:
        raise ValidationError(
            f"renewal_term_months is required for {terms.renewal} renewal (term {k})"
        )
    return add_months(terms.start_date, initial + (k - 1) * terms.renewal_term_months)


def term_bounds(terms: ContractTerms, k: int) -> tuple[date, date | None]:
    """(first day, inclusive last day or None) of term k, by the formula of SPEC §2.

    Evergreen: term 0 = [S, term_end_0] and term 1 from b1 with no end (with a minimum term),
    else term 0 from S with no end. needs_review: term 0 from S with an unknown end.
    """
    if k < 0:
        raise ValueError(f"term number {k} is negative")
    if terms.renewal == "evergreen":
        if terms.initial_term_months is None:
            if k != 0:
                raise ValueError("an evergreen contract without a minimum term has only term 0")
            return terms.start_date, None
        if k == 0:
            return terms.start_date, _boundary(terms, 1) - _ONE_DAY
        if k == 1:
            return _boundary(terms, 1), None
        raise ValueError("an evergreen contract has only terms 0 and 1")
    if terms.needs_review:
        if k != 0:
            raise ValueError("the terms of a contract that needs review are unknown")
        return terms.start_date, None
    if terms.renewal == "none" and k != 0:
        raise ValueError("a contract without renewal has only term 0")
    return _boundary(terms, k), _boundary(terms, k + 1) - _ONE_DAY


def _term_end(terms: ContractTerms, k: int) -> date:
    """term_end_k of a contract with fixed terms (not evergreen, not needs_review)."""
    return _boundary(terms, k + 1) - _ONE_DAY


def last_term(terms: ContractTerms) -> int | None:
    """L, the last term that exists; None for unlimited auto and for evergreen (open-ended)."""
    if terms.renewal == "none":
        return 0
    if terms.renewal == "auto":
        return terms.max_renewals
    if terms.renewal == "option":
        return terms.options_exercised
    if terms.renewal == "evergreen":
        return None
    raise ValidationError(f"renewal must be one of {', '.join(RENEWALS)} (got {terms.renewal!r})")


def cancel_by_of(terms: ContractTerms, k: int) -> date | None:
    """cancel_by(k) = term_end_k - N; None for evergreen and needs_review contracts."""
    if terms.renewal == "evergreen" or terms.needs_review:
        return None
    return _shift(_term_end(terms, k), terms, -1)


def _options_remain(terms: ContractTerms) -> bool:
    return terms.max_renewals is None or terms.options_exercised < terms.max_renewals


def _locate(terms: ContractTerms, day: date, last: int | None) -> tuple[int, date, date | None]:
    """(k, first day, last day or None) of the existing term containing day.

    Term 0 before b1; the last existing term L when day lies beyond it. The term number of an
    unlimited contract is estimated from the months elapsed and corrected against the exact
    boundaries, so a contract that started decades ago costs no more than a new one.
    """
    start = terms.start_date
    initial = terms.initial_term_months
    if initial is None:
        return 0, start, None
    first_end = add_months(start, initial)
    if day < first_end or last == 0:
        return 0, start, first_end - _ONE_DAY
    if terms.renewal == "evergreen":
        return 1, first_end, None
    step = terms.renewal_term_months
    if step is None:
        return 0, start, first_end - _ONE_DAY
    elapsed = (day.year - start.year) * 12 + day.month - start.month
    k = max(1, 1 + (elapsed - initial) // step)
    if last is not None and k > last:
        k = last
    lower = add_months(start, initial + (k - 1) * step)
    while k > 1 and lower > day:
        k -= 1
        lower = add_months(start, initial + (k - 1) * step)
    upper = add_months(start, initial + k * step)
    while upper <= day and (last is None or k < last):
        k += 1
        lower = upper
        upper = add_months(start, initial + k * step)
    return k, lower, upper - _ONE_DAY


def _notice_term(terms: ContractTerms, given: date) -> int:
    """The existing term containing the notice date (term 0 for notice given before S)."""
    if given < terms.start_date:
        return 0
    return _locate(terms, given, last_term(terms))[0]


def _first_open_term(terms: ContractTerms, j: int, day: date) -> int | None:
    """The first term i >= j with i < L and day <= cancel_by(i); None if there is none."""
    last = last_term(terms)
    while last is None or j < last:
        if day <= _shift(_term_end(terms, j), terms, -1):
            return j
        j += 1
    return None


def _notice_effect(terms: ContractTerms, given: date) -> date:
    """E, the last day in force after notice given on `given` (SPEC §2)."""
    renewal = terms.renewal
    if renewal == "evergreen":
        end = _shift(given, terms, 1)
        if terms.initial_term_months is not None:
            end = max(end, _term_end(terms, 0))
        return end
    if renewal == "none":
        return _term_end(terms, 0)
    if renewal == "option":
        return _term_end(terms, terms.options_exercised)
    last = last_term(terms)
    j = _first_open_term(terms, _notice_term(terms, given), given)
    if j is None:
        assert last is not None  # an unlimited auto contract always has an open term
        j = last
    return _term_end(terms, j)


def _ending(terms: ContractTerms, as_of: date) -> tuple[date | None, date | None]:
    """(E when notice counts on D else None, ends_on on D) of a contract that is not
    needs_review (SPEC §2, "On the as-of date D")."""
    given = terms.terminated_on
    if given is not None and given <= as_of:
        effect = _notice_effect(terms, given)
        return effect, effect
    last = last_term(terms)
    return None, None if last is None else _term_end(terms, last)


def _status(as_of: date, start: date, effect: date | None, ends_on: date | None) -> str:
    """The status on D of a contract that is not needs_review, from its ending (_ending)."""
    if as_of < start:
        return "not_started"
    if effect is not None:
        return "terminating" if as_of <= effect else "terminated"
    if ends_on is not None and as_of > ends_on:
        return "expired"
    return "active"


def _check_renewal(terms: ContractTerms) -> None:
    if terms.renewal not in RENEWALS:
        raise ValidationError(
            f"renewal must be one of {', '.join(RENEWALS)} (got {terms.renewal!r})"
        )


def ends_on_of(terms: ContractTerms, as_of: date) -> date | None:
    """evaluate(terms, as_of).ends_on, without working out the rest of the position."""
    _check_renewal(terms)
    if terms.needs_review:
        return None
    return _ending(terms, as_of)[1]


def status_of(terms: ContractTerms, as_of: date) -> str:
    """evaluate(terms, as_of).status, without working out the rest of the position."""
    _check_renewal(terms)
    if terms.needs_review:
        return "not_started" if as_of < terms.start_date else "active"
    return _status(as_of, terms.start_date, *_ending(terms, as_of))


def evaluate(terms: ContractTerms, as_of: date) -> Position:
    """The contract's status, current term and deadlines on the as-of date (SPEC §2)."""
    _check_renewal(terms)
    start = terms.start_date
    if terms.needs_review:
        return Position(
            as_of=as_of,
            status="not_started" if as_of < start else "active",
            needs_review=True,
            term_number=None,
            term_start=None,
            term_end=None,
            cancel_by=None,
            deadline_kind=None,
            days_left=None,
            missed_notice=False,
            ends_on=None,
            earliest_end=None,
            notice_effective=None,
        )

    renewal = terms.renewal
    last = last_term(terms)
    given = terms.terminated_on
    effect, ends_on = _ending(terms, as_of)

    if as_of < start:
        probe = start
    elif ends_on is None or as_of <= ends_on:
        probe = as_of
    else:
        probe = ends_on
    k, term_start, term_end = _locate(terms, probe, last)
    status = _status(as_of, start, effect, ends_on)

    cancel_by: date | None = None
    deadline_end: date | None = None  # term_end of the term whose cancel_by is the deadline
    missed = False
    if status == "not_started" and renewal == "auto":
        # SPEC §2: signed but not started, k = 0; the first cancel_by(j) >= D, j < L.
        j = _first_open_term(terms, 0, as_of)
        if j is not None:
            deadline_end = _term_end(terms, j)
            cancel_by = _shift(deadline_end, terms, -1)
    elif status == "not_started" and renewal == "option" and _options_remain(terms):
        exercise_by = _shift(_term_end(terms, terms.options_exercised), terms, -1)
        if as_of <= exercise_by:
            cancel_by = exercise_by  # missed_notice stays false before S
    elif status == "active" and renewal == "auto" and (last is None or k < last):
        assert term_end is not None
        own = _shift(term_end, terms, -1)
        if own >= as_of:
            cancel_by, deadline_end = own, term_end
        else:
            missed = True  # the renewal ending this term is locked in
            j = _first_open_term(terms, k + 1, as_of)
            if j is not None:
                deadline_end = _term_end(terms, j)
                cancel_by = _shift(deadline_end, terms, -1)
    elif status == "active" and renewal == "option" and _options_remain(terms):
        exercise_by = _shift(_term_end(terms, terms.options_exercised), terms, -1)
        if as_of <= exercise_by:
            cancel_by = exercise_by
        else:
            missed = True  # the option lapsed
    elif status == "terminating" and renewal == "auto" and given is not None:
        j = _notice_term(terms, given)
        # SPEC §2: the notice came too late for the term it was given in.
        missed = given > _shift(_term_end(terms, j), terms, -1)

    if cancel_by is not None:
        deadline_kind: str | None = "cancel_by" if renewal == "auto" else "exercise_by"
    elif ends_on is not None:
        deadline_kind = "end"
    else:
        deadline_kind = None

    # SPEC §2: the earliest last day that notice given on D can achieve.
    earliest_end: date | None
    if renewal == "evergreen":
        by_notice = _shift(as_of, terms, 1)
        if terms.initial_term_months is not None:
            by_notice = max(by_notice, _term_end(terms, 0))
        earliest_end = by_notice
    elif deadline_end is not None:
        earliest_end = deadline_end
    else:
        earliest_end = ends_on

    deadline = cancel_by if cancel_by is not None else ends_on
    return Position(
        as_of=as_of,
        status=status,
        needs_review=False,
        term_number=k,
        term_start=term_start,
        term_end=term_end,
        cancel_by=cancel_by,
        deadline_kind=deadline_kind,
        days_left=None if deadline is None else (deadline - as_of).days,
        missed_notice=missed,
        ends_on=ends_on,
        earliest_end=earliest_end,
        notice_effective=effect,
    )


# --- reminders and escalation -------------------------------------------------------------


def reminder_due(position: Position, reminder_days: tuple[int, ...]) -> bool:
    """Due when days_left is a reminder day, or 0 <= days_left <= the smallest reminder day."""
    days = position.days_left
    if days is None or not reminder_days:
        return False
    return days in reminder_days or 0 <= days <= min(reminder_days)


def is_escalated(position: Position, has_critical_orphan: bool) -> bool:
    """A decision due within 90 days on a contract with an orphaned clause of criticality >= 4."""
    days = position.days_left
    return has_critical_orphan and days is not None and 0 <= days <= ESCALATION_DAYS


# --- validation and actions ---------------------------------------------------------------


def validate_terms(terms: ContractTerms) -> list[str]:
    """One message per broken rule of SPEC §1 on the term fields; empty when valid."""
    problems: list[str] = []
    renewal = terms.renewal
    if renewal not in RENEWALS:
        problems.append(f"renewal must be one of {', '.join(RENEWALS)} (got {renewal!r})")
    if terms.initial_term_months is not None and terms.initial_term_months < 1:
        problems.append(f"initial_term_months must be at least 1 (got {terms.initial_term_months})")
    if terms.renewal_term_months is None:
        if renewal in ("auto", "option"):
            problems.append(f"renewal_term_months is required for {renewal} renewal")
    elif terms.renewal_term_months < 1:
        problems.append(f"renewal_term_months must be at least 1 (got {terms.renewal_term_months})")
    if terms.max_renewals is not None and terms.max_renewals < 0:
        problems.append(f"max_renewals must be 0 or more (got {terms.max_renewals})")
    exercised = terms.options_exercised
    if exercised < 0:
        problems.append(f"options_exercised must be 0 or more (got {exercised})")
    elif exercised > 0 and renewal != "option":
        problems.append(f"options_exercised is for option contracts only (renewal is {renewal})")
    elif terms.max_renewals is not None and exercised > terms.max_renewals >= 0:
        problems.append(
            f"options_exercised ({exercised}) exceeds max_renewals ({terms.max_renewals})"
        )
    if terms.notice_value < 0:
        problems.append(f"notice_value must be 0 or more (got {terms.notice_value})")
    if terms.notice_unit not in NOTICE_UNITS:
        problems.append(
            f"notice_unit must be one of {', '.join(NOTICE_UNITS)} (got {terms.notice_unit!r})"
        )
    negative = [day for day in terms.reminder_days if day < 0]
    if negative:
        problems.append(f"reminder_days must be 0 or more (got {negative[0]})")
    return problems


def _require_valid(terms: ContractTerms) -> None:
    problems = validate_terms(terms)
    if problems:
        raise ValidationError(problems[0], problems)


def check_give_notice(terms: ContractTerms, on: date, as_of: date) -> None:
    """Raise ValidationError unless notice of termination can be recorded as given on `on`."""
    _require_valid(terms)
    if terms.terminated_on is not None:
        raise ValidationError(
            f"notice of termination was already given on {terms.terminated_on.isoformat()}"
        )
    if on > as_of:
        raise ValidationError(
            f"notice date {on.isoformat()} is after the as-of date {as_of.isoformat()}"
        )
    if terms.needs_review:
        raise ValidationError(
            "the contract needs review: set its initial term before giving notice"
        )
    position = evaluate(terms, on)
    if position.status == "expired" and position.ends_on is not None:
        raise ValidationError(
            f"the contract ended on {position.ends_on.isoformat()}, "
            f"before the notice date {on.isoformat()}"
        )


def check_exercise_option(terms: ContractTerms, as_of: date) -> None:
    """Raise ValidationError unless an option can be exercised on the as-of date."""
    _require_valid(terms)
    if terms.renewal != "option":
        raise ValidationError(f"not an option contract (renewal is {terms.renewal})")
    if terms.needs_review:
        raise ValidationError("the contract needs review: set its initial term first")
    if not _options_remain(terms):
        raise ValidationError(f"no option left: max_renewals ({terms.max_renewals}) reached")
    if terms.terminated_on is not None:
        raise ValidationError(
            f"notice of termination was given on {terms.terminated_on.isoformat()}"
        )
    end = _term_end(terms, terms.options_exercised)
    if as_of > end:
        raise ValidationError(f"the contract ended on {end.isoformat()}")


# --- which term a deadline belongs to ------------------------------------------------------


def deadline_term(terms: ContractTerms, position: Position) -> int:
    """The term j whose cancel_by(j) is the position's cancel-by deadline; 0 for other kinds.

    It only grows as time passes (a tacit renewal passes: the deadline moves to cancel_by(j + 1));
    exercise-by dates and ends move only when the contract's data changes.
    """
    if position.deadline_kind != "cancel_by" or position.cancel_by is None:
        return 0
    j = position.term_number or 0
    while True:
        own = cancel_by_of(terms, j)
        if own is None or own >= position.cancel_by:
            return j
        j += 1
