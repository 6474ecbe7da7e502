"""The dashboard's figures as plain data: what each part holds and which records it depends on.

app.services.dashboard computes them; this module holds only their shape, so that showing figures
kept from an earlier run (the figure cache, on start-up) needs no database library.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from app.core.knowledge import CRITICAL
from app.core.months import month_index
from app.services.renewal_rows import RenewalRow

CONTRACTS, RENEWALS, KNOWLEDGE, SLA = "contracts", "renewals", "knowledge", "sla"
PARTS: tuple[str, ...] = (CONTRACTS, RENEWALS, KNOWLEDGE, SLA)
DEPENDS: dict[str, frozenset[str]] = {
    CONTRACTS: frozenset({"Contract"}),
    # escalation needs the knowledge status (SPEC §2), the table shows vendor names
    RENEWALS: frozenset({"Contract", "Vendor", "Person", "Clause", "Knowledge", "Setting"}),
    KNOWLEDGE: frozenset({"Contract", "Person", "Clause", "Knowledge", "Setting"}),
    SLA: frozenset({"Contract", "Sla", "Measurement", "CreditNote"}),
}
KINDS: tuple[str, ...] = ("cancel_by", "exercise_by", "end")
NEXT_DEADLINES = 12  # rows of the "next deadlines" table
DEADLINE_MONTHS = 12  # months of the deadlines chart, from the month of the as-of date
TREND_MONTHS = 12  # months of the compliance chart, up to the month of the as-of date
LEAVERS_SHOWN = 6  # people of the leavers chart (most sole-owned clauses): each name fits
SOON_DAYS = 90


SLA_SHARES = "sla-shares"  # the SLA part's figures per contract (app.services.sla_shares)
SHARES_NAME = "dashboard-sla-shares"  # the figure cache's name for them
FIGURES_FORM = "dashboard-3"  # bump when a part's figures change shape (or move)


def trend_first(as_of: date) -> int:
    """The month number of the compliance trend's first month on `as_of`."""
    return month_index(as_of) - TREND_MONTHS + 1


def cache_name(parts: Collection[str]) -> str:
    """The figure cache's name for the figures of these parts, computed together."""
    return "-".join(["dashboard", *(part for part in PARTS if part in parts)])


def parts_for(entity: str) -> frozenset[str]:
    """The parts of the dashboard to recompute after a change of `entity` ("*": all)."""
    if entity == "*":
        return frozenset(PARTS)
    return frozenset(part for part, entities in DEPENDS.items() if entity in entities)


@dataclass(frozen=True)
class KnowledgeFigures:
    coverage: Fraction | None
    truck_factor: int | None
    clauses: int
    orphaned: int
    orphaned_critical: int
    at_risk: int
    single: int
    covered: int
    critical_contracts: frozenset[int]  # ids of contracts with an orphaned critical clause


@dataclass(frozen=True)
class SoleClause:
    """A clause whose only current owner is leaving."""

    contract: str
    number: str
    title: str
    criticality: int


@dataclass(frozen=True)
class Leaver:
    """A person leaving within the window and the in-scope clauses only they understand."""

    name: str
    key: str
    leaves_on: date
    clauses: tuple[SoleClause, ...]

    @property
    def critical(self) -> int:
        return sum(1 for c in self.clauses if c.criticality >= CRITICAL)


@dataclass(frozen=True)
class SlaFigures:
    slas: int
    measured: int
    met: int
    breached: int
    missing: int
    outstanding: dict[str, Decimal]  # per currency, still claimable
    lost: dict[str, Decimal]  # per currency, claim period passed
    claimable_months: int
    trend: tuple[tuple[date, Fraction | None], ...] = ()  # (month, met / measured), oldest first

    @property
    def compliance(self) -> Fraction | None:
        """Met over measured periods of the whole portfolio (None when nothing was measured)."""
        return None if not self.measured else Fraction(self.met, self.measured)


@dataclass(frozen=True)
class DeadlineMonth:
    """Deadlines (cancel-by, exercise-by, or end) falling in one month, by kind."""

    month: date  # its first day
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class DashboardFigures:
    as_of: date
    parts: frozenset[str] = frozenset()  # the parts computed
    status_counts: dict[str, int] = field(default_factory=dict)
    needs_review: int = 0
    within_30: int = 0
    within_90: int = 0
    escalated: int = 0
    missed_notice: int = 0
    next_deadlines: list[RenewalRow] = field(default_factory=list)
    deadline_months: list[DeadlineMonth] = field(default_factory=list)
    knowledge: KnowledgeFigures | None = None
    leaving_window: int = SOON_DAYS
    leavers: list[Leaver] = field(default_factory=list)  # the first LEAVERS_SHOWN of them
    leavers_total: int = 0  # people leaving within the window
    sla: SlaFigures | None = None

    def merged(
        self, newer: DashboardFigures, parts: Collection[str] | None = None
    ) -> DashboardFigures:
        """These figures with the parts of `newer` (or only `parts` of them) taken from it.

        Figures of another as-of date are not merged: the newer ones replace these.
        """
        taken = newer.parts if parts is None else frozenset(parts) & newer.parts
        if newer.as_of != self.as_of:
            taken = newer.parts
            base = DashboardFigures(newer.as_of)
        else:
            base = self
        result = DashboardFigures(base.as_of, base.parts | taken)
        for part, names in _PART_FIELDS.items():
            source = newer if part in taken else base
            for name in names:
                setattr(result, name, getattr(source, name))
        return result


    def same_part(self, other: DashboardFigures, part: str) -> bool:
        """Whether `other` has this part and the same figures in it (as of the same date)."""
        return (
            part in self.parts
            and part in other.parts
            and self.as_of == other.as_of
            and all(getattr(self, n) == getattr(other, n) for n in _PART_FIELDS[part])
        )


_PART_FIELDS = {
    CONTRACTS: ("status_counts",),
    RENEWALS: ("needs_review", "within_30", "within_90", "escalated", "missed_notice",
               "next_deadlines", "deadline_months"),
    KNOWLEDGE: ("knowledge", "leaving_window", "leavers", "leavers_total"),
    SLA: ("sla",),
}
