"""The successors of a whole portfolio (SPEC §3a) kept in a few arrays, for a view that looks one
clause up at a time.

A `SuccessorsResult` of the enterprise portfolio holds hundreds of thousands of small objects;
kept alive in a view, every full run of the cyclic collector would walk them (a pause of every
thread, the GUI's too), and freeing them when the next result arrives takes a noticeable moment.
The index keeps the same answers in arrays and int-only dictionaries, which the collector does
not track.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy.orm import Session

from app.core.continuity import Candidate, PlanFigures
from app.core.knowledge import PersonInfo
from app.core.settings import Settings
from app.services.collector import collector_paused
from app.services.continuity import SuccessorsResult, find_successors

ACTIONS = ("reverify", "deepen", "learn")
STATUSES = ("orphaned", "at_risk", "single", "covered")
REASONS = (None, "never_owned", "owners_left", "stale")
NONE = -1  # an empty level or truck factor, an undefined ratio


class _Figures:
    """PlanFigures of many sets, column by column (a ratio as numerator and denominator)."""

    def __init__(self) -> None:
        self.columns = {name: array("q") for name in (
            "cb_num", "cb_den", "ca_num", "ca_den", "tb", "ta")}

    def append(self, figures: PlanFigures) -> None:
        c = self.columns
        for prefix, ratio in (("cb", figures.coverage_before), ("ca", figures.coverage_after)):
            c[f"{prefix}_num"].append(NONE if ratio is None else ratio.numerator)
            c[f"{prefix}_den"].append(NONE if ratio is None else ratio.denominator)
        c["tb"].append(NONE if figures.truck_factor_before is None else figures.truck_factor_before)
        c["ta"].append(NONE if figures.truck_factor_after is None else figures.truck_factor_after)

    def at(self, index: int) -> PlanFigures:
        c = self.columns

        def ratio(prefix: str) -> Fraction | None:
            den = c[f"{prefix}_den"][index]
            return None if den == NONE else Fraction(c[f"{prefix}_num"][index], den)

        def count(name: str) -> int | None:
            value = c[name][index]
            return None if value == NONE else value

        return PlanFigures(ratio("cb"), ratio("ca"), count("tb"), count("ta"))


@dataclass
class SuccessorIndex:
    """Every listed clause's status and first candidates, and the succession plan's figures."""

    as_of: date
    settings: Settings
    people: dict[int, PersonInfo]
    portfolio: PlanFigures
    listed: int  # how many clauses the successors list
    _row: dict[int, int]  # clause id -> row
    _status: array[int]
    _reason: array[int]
    _first: array[int]  # the row's first candidate in the candidate arrays; one more at the end
    _person: array[int]
    _action: array[int]
    _level: array[int]
    _load: array[int]
    _contract: dict[str, int]  # reference -> index into _plans
    _plans: _Figures

    def is_listed(self, clause_id: int) -> bool:
        return clause_id in self._row

    def status(self, clause_id: int) -> tuple[str, str | None] | None:
        """(status, reason) of a listed clause on D, None for one that is not listed."""
        row = self._row.get(clause_id)
        if row is None:
            return None
        return STATUSES[self._status[row]], REASONS[self._reason[row]]

    def candidates(self, clause_id: int) -> tuple[Candidate, ...] | None:
        """The first candidates of a listed clause, best first; None for one not listed."""
        row = self._row.get(clause_id)
        if row is None:
            return None
        return tuple(
            Candidate(
                self._person[i],
                ACTIONS[self._action[i]],
                None if self._level[i] == NONE else self._level[i],
                self._load[i],
            )
            for i in range(self._first[row], self._first[row + 1])
        )

    def contract_plan(self, reference: str) -> PlanFigures | None:
        """The plan's figures for a contract with a listed clause (None for any other)."""
        index = self._contract.get(reference)
        return None if index is None else self._plans.at(index)


def index_successors(result: SuccessorsResult) -> SuccessorIndex:
    rows: dict[int, int] = {}
    status, reason, first = array("b"), array("b"), array("q")
    person, action, level, load = array("q"), array("b"), array("b"), array("q")
    for number, clause in enumerate(result.clauses):
        rows[clause.clause_id] = number
        status.append(STATUSES.index(clause.status))
        reason.append(REASONS.index(clause.reason))
        first.append(len(person))
        for candidate in clause.candidates:
            person.append(candidate.person_id)
            action.append(ACTIONS.index(candidate.action))
            level.append(NONE if candidate.level is None else candidate.level)
            load.append(candidate.load)
    first.append(len(person))
    plans = _Figures()
    contracts: dict[str, int] = {}
    for contract in result.contracts:
        contracts[contract.reference] = len(contracts)
        plans.append(contract.figures)
    return SuccessorIndex(
        result.as_of, result.settings, result.people, result.portfolio, len(result.clauses),
        rows, status, reason, first, person, action, level, load, contracts, plans,
    )


def portfolio_successors(session: Session, as_of: date) -> SuccessorIndex:
    """find_successors of the whole portfolio as a SuccessorIndex; the result's objects are
    freed before the collector runs again."""
    with collector_paused():
        return index_successors(find_successors(session, as_of))

