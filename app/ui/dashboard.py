"""The dashboard (key figures on the as-of date) and the "coming next" Knowledge and SLA pages.

The figures are gathered by `collect_figures` on a worker from the services (renewals, gaps_json,
sla_json, the contract status sets); the widgets only lay them out.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QMouseEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import Contract
from app.ui import workers
from app.ui.context import AppContext
from app.ui.display import show_money
from app.ui.renewals_model import (
    DAYS_LEFT,
    DEADLINE,
    FLAGS,
    KIND,
    REFERENCE,
    TITLE,
    VENDOR,
    RenewalsModel,
    RenewalsProxy,
)

if TYPE_CHECKING:
    from app.services.knowledge import GapsResult
    from app.services.renewals import RenewalRow
    from app.services.sla import SlaReport

STATUS_ORDER = ("active", "not_started", "terminating", "terminated", "expired")
NEXT_DEADLINES = 12  # rows in the dashboard's "next deadlines" table
CRITICAL = 4  # criticality from which an orphaned clause escalates (SPEC §2)
WEAKEST = 200  # contracts listed on the Knowledge page
OPEN_CREDITS = 500  # credit months listed on the SLA page
RESIZE_SAMPLE = 50  # rows measured when fitting columns to their contents


# --- figures (plain data, computed on a worker) --------------------------------------------------


@dataclass
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


@dataclass
class SlaFigures:
    slas: int
    measured: int
    met: int
    breached: int
    missing: int
    outstanding: dict[str, Decimal]  # per currency, still claimable
    lost: dict[str, Decimal]  # per currency, claim period passed
    claimable_months: int

    @property
    def compliance(self) -> Fraction | None:
        """Met over measured periods of the whole portfolio (None when nothing was measured)."""
        return None if not self.measured else Fraction(self.met, self.measured)


@dataclass
class DashboardFigures:
    as_of: date
    status_counts: dict[str, int] = field(default_factory=dict)
    needs_review: int = 0
    within_30: int = 0
    within_90: int = 0
    escalated: int = 0
    missed_notice: int = 0
    next_deadlines: list[RenewalRow] = field(default_factory=list)
    knowledge: KnowledgeFigures | None = None
    sla: SlaFigures | None = None


def _ratio(value: Fraction | float | None) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f} %"


def _money_by_currency(amounts: dict[str, Decimal]) -> str:
    shown = [show_money(amount, currency)
             for currency, amount in sorted(amounts.items()) if amount]
    return "\n".join(shown) if shown else "0.00"


def knowledge_figures(result: GapsResult) -> KnowledgeFigures:
    """The headline figures of the knowledge status (app.services.knowledge.gaps)."""
    critical = [c for c in result.clauses
                if c.status == "orphaned" and c.criticality >= CRITICAL]
    figures = result.figures
    return KnowledgeFigures(
        coverage=figures.coverage,
        truck_factor=figures.truck_factor,
        clauses=figures.clauses,
        orphaned=figures.orphaned,
        orphaned_critical=len(critical),
        at_risk=figures.at_risk,
        single=figures.single,
        covered=figures.covered,
        critical_contracts=frozenset(c.contract_id for c in critical),
    )


def sla_figures(report: SlaReport, currencies: dict[str, str]) -> SlaFigures:
    """The headline figures of the SLA report; money is summed per currency, never mixed."""
    outstanding: dict[str, Decimal] = {}
    lost: dict[str, Decimal] = {}
    claimable = 0
    for credit in report.credits:
        if not credit.outstanding:
            continue
        currency = currencies.get(credit.contract.reference, "EUR")
        target = lost if credit.lost else outstanding
        target[currency] = target.get(currency, Decimal(0)) + credit.outstanding
        claimable += 0 if credit.lost else 1
    return SlaFigures(
        slas=len(report.slas),
        measured=sum(item.measured for item in report.slas),
        met=sum(item.met for item in report.slas),
        breached=sum(item.breached for item in report.slas),
        missing=sum(item.missing for item in report.slas),
        outstanding=outstanding,
        lost=lost,
        claimable_months=claimable,
    )


def _currencies(session: Session) -> dict[str, str]:
    """Contract reference -> currency, for the contracts not in EUR (the default)."""
    rows = session.execute(
        select(Contract.reference, Contract.currency).where(Contract.currency != "EUR")
    ).all()
    return {reference: currency for reference, currency in rows}


def collect_figures(session: Session, as_of: date) -> DashboardFigures:
    """Everything the dashboard shows on `as_of` (runs on a worker)."""
    from app.services.knowledge import gaps
    from app.services.renewals import renewals
    from app.services.sla import sla_report
    from app.store.portfolio_queries import status_sets

    figures = DashboardFigures(as_of=as_of)
    sets = status_sets(session, as_of)
    figures.status_counts = {status: len(ids) for status, ids in sets.ids.items()}
    knowledge = knowledge_figures(gaps(session, as_of))
    figures.knowledge = knowledge
    # the knowledge status is known already: escalation needs no second computation
    rows = renewals(session, as_of, critical_orphans=set(knowledge.critical_contracts))
    soon = [row for row in rows if row.days_left is not None and 0 <= row.days_left <= 90]
    figures.needs_review = sum(1 for row in rows if row.needs_review)
    figures.within_30 = sum(1 for row in soon if row.days_left is not None and row.days_left <= 30)
    figures.within_90 = len(soon)
    figures.escalated = sum(1 for row in rows if row.escalated)
    figures.missed_notice = sum(1 for row in rows if row.missed_notice)
    figures.next_deadlines = soon[:NEXT_DEADLINES]
    figures.sla = sla_figures(sla_report(session, as_of), _currencies(session))
    return figures


# --- widgets ------------------------------------------------------------------------------------


class FigureCard(QFrame):
    """A headline number with its caption; clickable when it leads somewhere."""

    clicked = Signal()

    def __init__(self, title: str, link: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("figureCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._link = link
        if link:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(2)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("figureTitle")
        self.value_label = QLabel("…")
        self.value_label.setObjectName("figureValue")
        font = self.value_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.value_label.setFont(font)
        self.caption_label = QLabel("")
        self.caption_label.setObjectName("figureCaption")
        self.caption_label.setWordWrap(True)
        for label in (self.title_label, self.caption_label):
            palette = label.palette()
            grey = palette.color(palette.ColorRole.PlaceholderText)
            palette.setColor(label.foregroundRole(), grey)
            label.setPalette(palette)
        layout.addWidget(self.title_label)
        layout.addWidget(self.value_label)
        layout.addWidget(self.caption_label)
        layout.addStretch(1)

    def set(self, value: str, caption: str = "", *, alert: bool = False) -> None:
        self.value_label.setText(value)
        self.caption_label.setText(caption)
        self.value_label.setStyleSheet("color: #b42318;" if alert else "")

    @property
    def value(self) -> str:
        return self.value_label.text()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._link and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


def _section(title: str) -> QLabel:
    label = QLabel(title)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    return label


class _ComputedPage(QWidget):
    """A page whose content is computed on a worker when shown (and when data or date change)."""

    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._dirty = True
        self._generation = 0
        ctx.as_of_changed.connect(self._schedule)
        ctx.data_changed.connect(self._schedule)
        ctx.database_changed.connect(self._schedule)

    def _work(self) -> Callable[[Session], Any]:
        raise NotImplementedError

    def _show(self, result: Any) -> None:
        raise NotImplementedError

    def _loading(self) -> None:
        """Show that figures are being computed."""

    def refresh(self) -> workers.Op:
        self._dirty = False
        self._generation += 1
        generation = self._generation
        self._loading()

        def done(result: Any) -> None:
            if generation == self._generation:
                self._show(result)
                self.loaded.emit()

        return workers.run_query(self, self.ctx, self._work(), done, title=self.windowTitle())

    def _schedule(self, *_args: Any) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self._dirty = False
            QTimer.singleShot(0, self.refresh)  # after the first paint


class DashboardView(_ComputedPage):
    """Key figures for the as-of date and the next deadlines."""

    open_renewals = Signal(object)  # days (int) or None: show the renewals within that window
    open_page = Signal(str)  # a page name of the main window

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("dashboardView")
        self.setWindowTitle("Dashboard")
        self.figures: DashboardFigures | None = None

        self.heading = QLabel()
        self.heading.setObjectName("dashboardHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)

        self.cards: dict[str, FigureCard] = {}

        def card(key: str, title: str, link: bool = False) -> FigureCard:
            widget = FigureCard(title, link)
            self.cards[key] = widget
            return widget

        contracts = self._row([
            card("active", "Active contracts"),
            card("not_started", "Not started"),
            card("terminating", "Terminating"),
            card("ended", "Ended"),
            card("needs_review", "Need review", link=True),
        ])
        deadlines = self._row([
            card("within_30", "Deadlines in 30 days", link=True),
            card("within_90", "Deadlines in 90 days", link=True),
            card("escalated", "Escalations", link=True),
            card("missed_notice", "Missed notice", link=True),
        ])
        knowledge = self._row([
            card("coverage", "Portfolio coverage", link=True),
            card("truck_factor", "Truck factor", link=True),
            card("orphaned_critical", "Orphaned critical clauses", link=True),
            card("at_risk", "Clauses at risk", link=True),
        ])
        credits = self._row([
            card("compliance", "SLA compliance", link=True),
            card("breached", "Breached periods", link=True),
            card("outstanding", "Credits outstanding", link=True),
            card("lost", "Credits lost", link=True),
        ])
        self.cards["within_30"].clicked.connect(lambda: self.open_renewals.emit(30))
        self.cards["within_90"].clicked.connect(lambda: self.open_renewals.emit(90))
        for key in ("escalated", "missed_notice", "needs_review"):
            self.cards[key].clicked.connect(lambda: self.open_renewals.emit(None))
        for key in ("coverage", "truck_factor", "orphaned_critical", "at_risk"):
            self.cards[key].clicked.connect(lambda: self.open_page.emit("Knowledge"))
        for key in ("compliance", "breached", "outstanding", "lost"):
            self.cards[key].clicked.connect(lambda: self.open_page.emit("SLAs"))

        self.deadlines_model = RenewalsModel(self)
        proxy = RenewalsProxy(self)
        proxy.setSourceModel(self.deadlines_model)
        self.deadlines_table = QTableView()
        self.deadlines_table.setObjectName("dashboardDeadlines")
        self.deadlines_table.setModel(proxy)
        self.deadlines_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.deadlines_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.deadlines_table.verticalHeader().setVisible(False)
        self.deadlines_table.verticalHeader().setDefaultSectionSize(
            self.deadlines_table.fontMetrics().height() + 8
        )
        self.deadlines_table.setWordWrap(False)
        shown = (DEADLINE, DAYS_LEFT, KIND, REFERENCE, VENDOR, TITLE, FLAGS)
        for column in range(self.deadlines_model.columnCount()):
            self.deadlines_table.setColumnHidden(column, column not in shown)
        self.deadlines_table.horizontalHeader().setSectionResizeMode(
            TITLE, QHeaderView.ResizeMode.Stretch
        )
        self.deadlines_table.doubleClicked.connect(lambda _index: self.open_renewals.emit(90))

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(_section("Contracts"))
        layout.addLayout(contracts)
        layout.addWidget(_section("Renewals and notice"))
        layout.addLayout(deadlines)
        layout.addWidget(_section("In-house knowledge"))
        layout.addLayout(knowledge)
        layout.addWidget(_section("SLAs and service credits"))
        layout.addLayout(credits)
        layout.addWidget(_section("Next deadlines (90 days)"))
        layout.addWidget(self.deadlines_table, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.deadlines_table.setMinimumHeight(
            self.deadlines_table.verticalHeader().defaultSectionSize() * 6
        )

    @staticmethod
    def _row(cards: Sequence[FigureCard]) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        for widget in cards:
            row.addWidget(widget, 1)
        return row

    def _loading(self) -> None:
        self.heading.setText(f"Portfolio as of {self.ctx.as_of.isoformat()}")
        for widget in self.cards.values():
            widget.set("…")

    def _work(self) -> Callable[[Session], Any]:
        as_of = self.ctx.as_of
        return lambda session: collect_figures(session, as_of)

    def _show(self, result: Any) -> None:
        figures: DashboardFigures = result
        self.figures = figures
        self.heading.setText(f"Portfolio as of {figures.as_of.isoformat()}")
        counts = figures.status_counts
        self.cards["active"].set(str(counts.get("active", 0)))
        self.cards["not_started"].set(str(counts.get("not_started", 0)))
        self.cards["terminating"].set(str(counts.get("terminating", 0)),
                                      "notice given, still in force")
        self.cards["ended"].set(str(counts.get("terminated", 0) + counts.get("expired", 0)),
                                f"{counts.get('terminated', 0)} terminated, "
                                f"{counts.get('expired', 0)} expired")
        self.cards["needs_review"].set(str(figures.needs_review), "initial term unknown",
                                       alert=figures.needs_review > 0)
        self.cards["within_30"].set(str(figures.within_30), "cancel-by, exercise-by or end",
                                    alert=figures.within_30 > 0)
        self.cards["within_90"].set(str(figures.within_90))
        self.cards["escalated"].set(str(figures.escalated),
                                    "deadline ≤ 90 days, critical clause orphaned",
                                    alert=figures.escalated > 0)
        self.cards["missed_notice"].set(str(figures.missed_notice),
                                        "renewal locked in or option lapsed",
                                        alert=figures.missed_notice > 0)
        self._show_knowledge(figures.knowledge)
        self._show_sla(figures.sla)
        self.deadlines_model.set_rows(figures.next_deadlines)
        for column in (DEADLINE, DAYS_LEFT, KIND, REFERENCE, VENDOR, FLAGS):
            self.deadlines_table.resizeColumnToContents(column)

    def _show_knowledge(self, data: KnowledgeFigures | None) -> None:
        if data is None:
            return
        self.cards["coverage"].set(_ratio(data.coverage),
                                   "criticality-weighted, clauses someone understands")
        truck = data.truck_factor
        self.cards["truck_factor"].set("—" if truck is None else str(truck),
                                       "people who would have to leave",
                                       alert=truck is not None and truck <= 1)
        self.cards["orphaned_critical"].set(
            str(data.orphaned_critical),
            f"criticality ≥ {CRITICAL}; {data.orphaned} of {data.clauses} orphaned in all",
            alert=data.orphaned_critical > 0,
        )
        self.cards["at_risk"].set(str(data.at_risk), "every owner is leaving soon",
                                  alert=data.at_risk > 0)

    def _show_sla(self, data: SlaFigures | None) -> None:
        if data is None:
            return
        self.cards["compliance"].set(_ratio(data.compliance),
                                     f"{data.met} of {data.measured} periods met")
        self.cards["breached"].set(str(data.breached), f"{data.missing} periods missing",
                                   alert=data.breached > 0)
        self.cards["outstanding"].set(_money_by_currency(data.outstanding),
                                      f"{data.claimable_months} months still claimable")
        self.cards["lost"].set(_money_by_currency(data.lost), "claim period passed",
                               alert=any(data.lost.values()))


# --- the "coming next" pages ---------------------------------------------------------------------


class RecordsModel(QAbstractTableModel):
    """A read-only table of dicts (JSON rows) with named columns."""

    def __init__(
        self,
        columns: Sequence[tuple[str, str]],
        right_aligned: Sequence[str] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)  # (key, header)
        self._right = set(right_aligned)
        self._rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(self._columns):
                return self._columns[section][1]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            value = self._rows[index.row()].get(self._columns[index.column()][0])
            if value is None:
                return ""
            if isinstance(value, bool):
                return "yes" if value else "no"
            if isinstance(value, list):
                return ", ".join(str(v) for v in value)
            return str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self._columns[index.column()][0] in self._right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ComingNextPage(_ComputedPage):
    """A page of the next GUI issue: says so, and meanwhile shows the headline figures."""

    def __init__(
        self,
        ctx: AppContext,
        title: str,
        explanation: str,
        work: Callable[[Session, date], tuple[list[tuple[str, str, str]], list[dict[str, Any]]]],
        columns: Sequence[tuple[str, str]],
        list_title: str,
        noun: str,
        right_aligned: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setWindowTitle(title)
        self._compute = work
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        note = QLabel(f"<i>The full {noun} view is coming next.</i> {explanation}")
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel()
        self.cards_row = QGridLayout()
        self.cards_row.setSpacing(8)
        self.cards: list[FigureCard] = []
        self.model = RecordsModel(columns, right_aligned, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(heading)
        layout.addWidget(note)
        layout.addWidget(self.status)
        layout.addLayout(self.cards_row)
        layout.addWidget(_section(list_title))
        layout.addWidget(self.table, 1)

    def _loading(self) -> None:
        self.status.setText(f"Computing as of {self.ctx.as_of.isoformat()}…")

    def _work(self) -> Callable[[Session], Any]:
        as_of = self.ctx.as_of
        compute = self._compute
        return lambda session: compute(session, as_of)

    def _show(self, result: Any) -> None:
        figures, rows = result
        self.status.setText(f"As of {self.ctx.as_of.isoformat()}")
        while len(self.cards) < len(figures):
            widget = FigureCard("")
            self.cards_row.addWidget(widget, 0, len(self.cards))
            self.cards.append(widget)
        for widget, (title, value, caption) in zip(self.cards, figures, strict=False):
            widget.title_label.setText(title)
            widget.set(value, caption)
        first = self.model.rowCount() == 0
        self.model.set_rows(rows)
        if first:  # later loads keep the widths
            self.table.resizeColumnsToContents()


def knowledge_page_data(
    session: Session, as_of: date
) -> tuple[list[tuple[str, str, str]], list[dict[str, Any]]]:
    """Figures and the contracts with the weakest coverage (runs on a worker)."""
    from app.services.knowledge import gaps

    result = gaps(session, as_of)
    data = knowledge_figures(result)
    figures = [
        ("Portfolio coverage", _ratio(data.coverage), "criticality-weighted"),
        ("Truck factor", "—" if data.truck_factor is None else str(data.truck_factor),
         "people who would have to leave"),
        ("Orphaned clauses", str(data.orphaned),
         f"{data.orphaned_critical} of criticality ≥ {CRITICAL}"),
        ("At risk / single owner", f"{data.at_risk} / {data.single}",
         f"{data.covered} covered, {data.clauses} in all"),
    ]

    def weakest(item: Any) -> tuple[Fraction, str]:
        value = item.figures.coverage
        return (Fraction(2) if value is None else value, item.reference)

    shown = [
        {"reference": c.reference, "vendor": c.vendor, "coverage": _ratio(c.figures.coverage),
         "truck_factor": c.figures.truck_factor, "orphaned": c.figures.orphaned,
         "at_risk": c.figures.at_risk, "single": c.figures.single, "covered": c.figures.covered}
        for c in heapq.nsmallest(WEAKEST, result.contracts, key=weakest)
    ]
    return figures, shown


def sla_page_data(
    session: Session, as_of: date
) -> tuple[list[tuple[str, str, str]], list[dict[str, Any]]]:
    """Figures and the credit months with money outstanding (runs on a worker)."""
    from app.services.sla import sla_report

    report = sla_report(session, as_of)
    currencies = _currencies(session)
    data = sla_figures(report, currencies)
    figures = [
        ("SLA compliance", _ratio(data.compliance), f"{data.met} of {data.measured} periods met"),
        ("Breached periods", str(data.breached), f"{data.missing} periods missing"),
        ("Credits outstanding", _money_by_currency(data.outstanding),
         f"{data.claimable_months} months still claimable"),
        ("Credits lost", _money_by_currency(data.lost), "claim period passed"),
    ]
    # nsmallest walks the list in Python: unlike one big C-level sort, it lets the GUI thread
    # have the interpreter while it runs
    open_credits = heapq.nsmallest(
        OPEN_CREDITS,
        (c for c in report.credits if c.outstanding),
        key=lambda c: (c.lost, c.claim_by, c.contract.reference, c.month),
    )
    shown = []
    for credit in open_credits:
        currency = currencies.get(credit.contract.reference, "EUR")
        shown.append({
            "contract": credit.contract.reference,
            "month": f"{credit.month:%Y-%m}",
            "due": show_money(credit.due, currency),
            "received": show_money(credit.received, currency),
            "outstanding": show_money(credit.outstanding, currency),
            "claim_by": credit.claim_by.isoformat(),
            "lost": credit.lost,
        })
    return figures, shown


def knowledge_page(ctx: AppContext, parent: QWidget | None = None) -> ComingNextPage:
    return ComingNextPage(
        ctx, "Knowledge",
        "Who understands which clause, what is orphaned, and what happens when someone leaves "
        "(meanwhile: <tt>clausekeeper gaps</tt> and <tt>simulate-leave</tt>).",
        knowledge_page_data,
        [("reference", "Contract"), ("vendor", "Vendor"), ("coverage", "Coverage"),
         ("truck_factor", "Truck factor"), ("orphaned", "Orphaned"), ("at_risk", "At risk"),
         ("single", "Single owner"), ("covered", "Covered")],
        "Contracts with the weakest coverage",
        "knowledge",
        ("coverage", "truck_factor", "orphaned", "at_risk", "single", "covered"),
        parent,
    )


def sla_page(ctx: AppContext, parent: QWidget | None = None) -> ComingNextPage:
    return ComingNextPage(
        ctx, "SLAs",
        "Measurements, compliance per SLA and the service credits to claim "
        "(meanwhile: <tt>clausekeeper sla</tt> and the SLA report).",
        sla_page_data,
        [("contract", "Contract"), ("month", "Month"), ("due", "Due"),
         ("received", "Received"), ("outstanding", "Outstanding"), ("claim_by", "Claim by"),
         ("lost", "Lost")],
        "Credits outstanding (claimable first)",
        "SLA",
        ("due", "received", "outstanding"),
        parent,
    )
