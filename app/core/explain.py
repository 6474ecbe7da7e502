"""How a contract's dates come about, in words, from the engine of SPEC §2 (app.core.terms).

`explain(terms, as_of)` says which term runs and how its dates are computed from the start date,
how the next deadline follows from the notice period, and, for a missed notice, what was missed
and when: "term 4 runs 2026-07-01 – 2027-06-30 (start 2020-07-01 + 36 + 3 × 12 months); notice
3 months before term 4 ends on 2027-06-30 → cancel by 2027-03-30". The editor, the renewals
tooltip, the calendar and the renewals report all show this one text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from app.core.glossary import term_name
from app.core.terms import (
    ContractTerms,
    Position,
    cancel_by_of,
    evaluate,
    last_term,
    term_bounds,
)

_MAX_STEPS = 1000  # a deadline is at most a few terms ahead; this only bounds a broken input


@dataclass(frozen=True)
class Explanation:
    """The parts of the explanation; `text` joins them."""

    term: str | None
    deadline: str | None
    missed: str | None = None

    def lines(self) -> list[str]:
        return [part for part in (self.term, self.deadline, self.missed) if part]

    @property
    def text(self) -> str:
        return "; ".join(self.lines())


def _count(value: int, unit: str) -> str:
    singular = unit[:-1] if unit.endswith("s") else unit
    return f"{value} {singular if value == 1 else unit}"


def notice_text(terms: ContractTerms) -> str:
    """ "notice 3 months", or "no notice period"."""
    if terms.notice_value == 0:
        return "no notice period"
    return f"notice {_count(terms.notice_value, terms.notice_unit)}"


def _start_formula(terms: ContractTerms, k: int) -> str:
    """How the first day of term k is computed from the start date (k >= 1)."""
    start = terms.start_date.isoformat()
    initial = terms.initial_term_months
    if k == 1:
        return f"start {start} + {_count(initial or 0, 'months')}"
    step = _count(terms.renewal_term_months or 0, "months")
    return f"start {start} + {initial} + {k - 1} × {step}"


def term_sentence(terms: ContractTerms, k: int) -> str:
    """ "term 4 runs 2026-07-01 – 2027-06-30 (start 2020-07-01 + 36 + 3 × 12 months)"."""
    first, last = term_bounds(terms, k)
    name = term_name(k)
    if k == 0:
        if last is None:
            return f"the {name} runs from {first.isoformat()} with no end"
        months = _count(terms.initial_term_months or 0, "months")
        return f"the {name} runs {first.isoformat()} – {last.isoformat()} ({months} from the start)"
    if last is None:
        return f"{name} runs from {first.isoformat()} ({_start_formula(terms, k)}) with no end"
    return f"{name} runs {first.isoformat()} – {last.isoformat()} ({_start_formula(terms, k)})"


def _the(k: int) -> str:
    return f"the {term_name(k)}" if k == 0 else term_name(k)


def _term_of_deadline(terms: ContractTerms, k: int, deadline: date) -> int:
    """The term j >= k whose cancel-by date is `deadline`."""
    for j in range(k, k + _MAX_STEPS):
        if cancel_by_of(terms, j) == deadline:
            return j
    raise ValueError(f"no term from {k} on has the cancel-by date {deadline.isoformat()}")


def _term_containing(terms: ContractTerms, day: date) -> int:
    """The existing term containing `day` (term 0 before the start)."""
    position = evaluate(replace(terms, terminated_on=None), max(day, terms.start_date))
    return position.term_number or 0


def _before(terms: ContractTerms, k: int, end: date) -> str:
    """ "notice 3 months before term 4 ends on 2027-06-30" (no notice: the last day itself)."""
    if terms.notice_value == 0:
        return f"no notice period, so up to the last day of {_the(k)}, {end.isoformat()}"
    return f"{notice_text(terms)} before {_the(k)} ends on {end.isoformat()}"


def _deadline_sentence(terms: ContractTerms, position: Position, k: int) -> str | None:
    kind = position.deadline_kind
    cancel_by = position.cancel_by
    if kind == "cancel_by" and cancel_by is not None:
        j = _term_of_deadline(terms, k, cancel_by)
        end = term_bounds(terms, j)[1]
        assert end is not None
        prefix = f"{term_sentence(terms, j)}; " if j != k else ""
        return f"{prefix}{_before(terms, j, end)} → cancel by {cancel_by.isoformat()}"
    if kind == "exercise_by" and cancel_by is not None:
        e = terms.options_exercised
        end = term_bounds(terms, e)[1]
        assert end is not None
        of = "unlimited" if terms.max_renewals is None else f"{terms.max_renewals}"
        step = _count(terms.renewal_term_months or 0, "months")
        return (f"option {e + 1} of {of} renews for {step}: {_before(terms, e, end)} "
                f"→ exercise by {cancel_by.isoformat()}")
    return _end_sentence(terms, position)


def _end_sentence(terms: ContractTerms, position: Position) -> str | None:
    ends_on = position.ends_on
    given = terms.terminated_on
    if position.notice_effective is not None and given is not None:
        effect = position.notice_effective
        if terms.renewal == "evergreen":
            how = f"{given.isoformat()} + {notice_text(terms).removeprefix('notice ')}"
            if terms.initial_term_months is not None:
                how += ", not before the minimum term ends"
            return f"notice given on {given.isoformat()} ({how}) → ends on {effect.isoformat()}"
        return (f"notice given on {given.isoformat()} → ends on {effect.isoformat()}, "
                f"the last day of {_the(_term_containing(terms, effect))}")
    if terms.renewal == "evergreen":
        earliest = position.earliest_end
        floor = ""
        if terms.initial_term_months is not None:
            end0 = term_bounds(terms, 0)[1]
            assert end0 is not None
            floor = f", not before the minimum term ends on {end0.isoformat()}"
        when = "" if earliest is None else f" → ends on {earliest.isoformat()}"
        return (f"evergreen: runs until notice is given; {notice_text(terms)}, "
                f"so notice given on {position.as_of.isoformat()}{when}{floor}")
    if ends_on is None:
        return f"renews every {_count(terms.renewal_term_months or 0, 'months')} without limit"
    verb = "ended" if ends_on < position.as_of else "ends"
    if terms.renewal == "none":
        return f"no renewal → {verb} on {ends_on.isoformat()}"
    if terms.renewal == "option":
        e = terms.options_exercised
        if terms.max_renewals is not None and e >= terms.max_renewals:
            return (f"no option left ({e} of {terms.max_renewals} exercised) → {verb} on "
                    f"{ends_on.isoformat()}")
        return f"no option exercised in time → {verb} on {ends_on.isoformat()}"
    last = last_term(terms)
    most = _count(terms.max_renewals or 0, "renewals")
    return f"{_the(last or 0)} is the last (at most {most}) → {verb} on {ends_on.isoformat()}"


def _missed_sentence(terms: ContractTerms, position: Position, k: int) -> str | None:
    if not position.missed_notice:
        return None
    if position.status == "terminating" and terms.terminated_on is not None:
        given = terms.terminated_on
        j = _term_containing(terms, given)
        own = cancel_by_of(terms, j)
        assert own is not None
        return (f"missed: notice given on {given.isoformat()} came after {_the(j)}'s cancel-by "
                f"date {own.isoformat()}, so the contract runs on to "
                f"{position.ends_on.isoformat() if position.ends_on else 'the next term end'}")
    if terms.renewal == "option":
        e = terms.options_exercised
        by = cancel_by_of(terms, e)
        assert by is not None
        return (f"missed: the option had to be exercised by {by.isoformat()}; it lapsed, so the "
                f"contract ends on {position.ends_on.isoformat() if position.ends_on else '?'}")
    own = cancel_by_of(terms, k)
    end = position.term_end
    assert own is not None and end is not None
    first, last = term_bounds(terms, k + 1)
    to = f"{first.isoformat()} – {last.isoformat()}" if last else f"from {first.isoformat()}"
    return (f"missed: notice to end {_the(k)} on {end.isoformat()} had to be given by "
            f"{own.isoformat()}; the renewal to {term_name(k + 1)} ({to}) is locked in")


def explain(terms: ContractTerms, as_of: date) -> Explanation:
    """How the contract's current term and next deadline on `as_of` come about (SPEC §2)."""
    position = evaluate(terms, as_of)
    if position.needs_review:
        return Explanation(None, "the initial term is unknown: set it to compute the terms and "
                                 "deadlines")
    k = position.term_number or 0
    term = term_sentence(terms, k)
    if position.status == "not_started":
        term = f"starts on {terms.start_date.isoformat()}; {term}"
    return Explanation(term, _deadline_sentence(terms, position, k),
                       _missed_sentence(terms, position, k))


def explain_text(terms: ContractTerms, as_of: date) -> str:
    """`explain(...).text`, for a tooltip, a calendar event or a report cell."""
    return explain(terms, as_of).text
