"""The dashboard: key figures on the as-of date as clickable tiles, three charts (deadlines per
month, SLA compliance per month, people leaving soon) and the next deadlines; plus the "coming
next" Knowledge page.

The figures are computed by app.services.dashboard on a worker; after an edit only the parts that
depend on the entity changed are computed again. Every tile and chart item leads to the detail
view filtered to what it counts (`open_view`, with the filters that replace the view's own).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QMouseEvent, QShowEvent
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

from app.core.knowledge import CRITICAL
from app.services.dashboard_figures import (
    LEAVERS_SHOWN,
    PARTS,
    DashboardFigures,
    KnowledgeFigures,
    SlaFigures,
    parts_for,
)
from app.ui import glossary, workers
from app.ui.context import AppContext
from app.ui.dashboard_charts import ComplianceChart, DeadlinesChart, LeaversChart
from app.ui.display import show_money
from app.ui.renewals_model import (
    DAYS_LEFT,
    DEADLINE,
    FLAGS,
    KIND,
    REFERENCE,
    ROW_ROLE,
    TITLE,
    VENDOR,
    RenewalsModel,
    RenewalsProxy,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

STATUS_ORDER = ("active", "not_started", "terminating", "terminated", "expired")
WEAKEST = 200  # contracts listed on the Knowledge page
RESIZE_SAMPLE = 50  # rows measured when fitting columns to their contents
CHART_HEIGHT = 230
# parts computed together, in this order on the workers (two threads): the slowest first, the
# quick ones next (shown early), then the other slow one
GROUPS = (frozenset({"knowledge"}), frozenset({"contracts", "renewals"}), frozenset({"sla"}))

NEEDS_REVIEW = "Needs review"  # not a page: the main window opens the needs-review list

# tile -> (page, filters of that page): what the tile counts
TILE_TARGETS: dict[str, tuple[str, dict[str, Any]]] = {
    "active": ("Contracts", {"status": "active"}),
    "not_started": ("Contracts", {"status": "not_started"}),
    "terminating": ("Contracts", {"status": "terminating"}),
    "terminated": ("Contracts", {"status": "terminated"}),
    "expired": ("Contracts", {"status": "expired"}),
    "needs_review": (NEEDS_REVIEW, {}),  # the list to complete them in place
    "within_30": ("Renewals", {"within": 30}),
    "within_90": ("Renewals", {"within": 90}),
    "escalated": ("Renewals", {"attention": "escalated"}),
    "missed_notice": ("Renewals", {"attention": "missed_notice"}),
    "coverage": ("Knowledge", {}),
    "truck_factor": ("Knowledge", {}),
    "orphaned_critical": ("Knowledge", {"status": "orphaned", "min_criticality": CRITICAL}),
    "at_risk": ("Knowledge", {"status": "at_risk"}),
    "compliance": ("SLAs", {}),
    "breached": ("SLAs", {"breached": True}),
    "outstanding": ("SLAs", {"credits": "claimable"}),
    "lost": ("SLAs", {"credits": "lost"}),
}


def _ratio(value: Fraction | float | None) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f} %"


def _money_by_currency(amounts: dict[str, Any]) -> str:
    shown = [show_money(amount, currency)
             for currency, amount in sorted(amounts.items()) if amount]
    return "\n".join(shown) if shown else "0.00"  # a line per currency: the tile stays narrow


# --- widgets ------------------------------------------------------------------------------------


class FigureCard(QFrame):
    """A headline number with its caption; clickable when it leads somewhere."""

    clicked = Signal()

    def __init__(self, title: str, link: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("figureCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._link = link
        if link:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(1)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("figureTitle")
        self.value_label = QLabel("…")
        self.value_label.setObjectName("figureValue")
        font = self.value_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.value_label.setFont(font)
        self._big = font
        self._small = QFont(font)
        self._small.setPointSizeF(font.pointSizeF() / 1.4 * 1.1)
        self.caption_label = QLabel("")
        self.caption_label.setObjectName("figureCaption")
        self.caption_label.setWordWrap(True)
        small = self.caption_label.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.caption_label.setFont(small)
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
        lines = value.splitlines()
        small = len(lines) > 1 or max(map(len, lines), default=0) > 16
        self.value_label.setFont(self._small if small else self._big)
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
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    return label


class DashboardView(QWidget):
    """Key figures for the as-of date, the charts and the next deadlines."""

    open_view = Signal(str, object)  # a page name of the main window and its filters (a dict)
    contract_activated = Signal(str)  # a reference (double-click on a deadline)
    loaded = Signal()  # figures (some parts or all) were computed and shown

    def __init__(self, ctx: AppContext | None, parent: QWidget | None = None) -> None:
        """Without `ctx` (start-up, before the database is open) it shows figures given to
        `show_figures` until `use_context` gives it the database."""
        super().__init__(parent)
        self._ctx = ctx
        self.setObjectName("dashboardView")
        self.setWindowTitle("Dashboard")
        self.figures: DashboardFigures | None = None
        self._stale: set[str] = set(PARTS)  # parts to compute when next shown
        self._requested: dict[str, int] = {}  # part -> generation of the newest request
        self._pending: set[str] = set()  # parts asked for and not shown yet
        self._generation = 0

        self.heading = QLabel()
        self.heading.setObjectName("dashboardHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)

        self.cards: dict[str, FigureCard] = {}
        tiles = QGridLayout()
        tiles.setHorizontalSpacing(8)
        tiles.setVerticalSpacing(6)
        rows = [
            ("Contracts", [("active", "Active"), ("not_started", "Not started"),
                           ("terminating", "Terminating"), ("terminated", "Terminated"),
                           ("expired", "Expired"), ("needs_review", "Need review")]),
            ("Renewals", [("within_30", "Deadlines in 30 days"),
                          ("within_90", "Deadlines in 90 days"), ("escalated", "Escalations"),
                          ("missed_notice", "Missed notice")]),
            ("Knowledge", [("coverage", "Portfolio coverage"), ("truck_factor", "Truck factor"),
                           ("orphaned_critical", "Orphaned critical clauses"),
                           ("at_risk", "Clauses at risk")]),
            ("SLAs", [("compliance", "SLA compliance"), ("breached", "Breached periods"),
                      ("outstanding", "Credits outstanding"), ("lost", "Credits lost")]),
        ]
        columns = 12  # six contract tiles of 2 columns, four other tiles of 3
        spans = {"compliance": 2, "breached": 2, "outstanding": 4, "lost": 4}  # money is wide
        for row, (title, keys) in enumerate(rows):
            label = _section(title)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            label.setContentsMargins(0, 6, 0, 0)
            tiles.addWidget(label, row, 0)
            column = 1
            for key, caption in keys:
                span = spans.get(key, columns // len(keys))
                card = FigureCard(caption, link=True)
                card.setToolTip(_tile_tip(key))
                self.cards[key] = card
                card.clicked.connect(lambda k=key: self.open_tile(k))
                tiles.addWidget(card, row, column, 1, span)
                column += span
        for column in range(1, columns + 1):
            tiles.setColumnStretch(column, 1)

        self.deadlines_chart = DeadlinesChart()
        self.deadlines_chart.setObjectName("deadlinesChart")
        self.deadlines_chart.picked.connect(lambda f: self.open_view.emit("Renewals", f))
        self.compliance_chart = ComplianceChart()
        self.compliance_chart.setObjectName("complianceChart")
        self.compliance_chart.picked.connect(lambda f: self.open_view.emit("SLAs", f))
        self.leavers_chart = LeaversChart(LEAVERS_SHOWN)
        self.leavers_chart.setObjectName("leaversChart")
        self.leavers_chart.picked.connect(lambda f: self.open_view.emit("Knowledge", f))
        charts = QHBoxLayout()
        charts.setSpacing(8)
        for chart in (self.deadlines_chart, self.compliance_chart, self.leavers_chart):
            chart.setFixedHeight(CHART_HEIGHT)
            charts.addWidget(chart, 1)

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
        self.deadlines_table.setToolTip("Double-click: show the contract in the renewals list")
        self.deadlines_table.doubleClicked.connect(self._deadline_activated)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addLayout(tiles)
        layout.addLayout(charts)
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
            self.deadlines_table.verticalHeader().defaultSectionSize() * 5
        )

        if ctx is not None:
            self._listen(ctx)

    @property
    def ctx(self) -> AppContext:
        if self._ctx is None:
            raise RuntimeError("the dashboard has no database yet")
        return self._ctx

    def _listen(self, ctx: AppContext) -> None:
        ctx.as_of_changed.connect(lambda _value: self._schedule(set(PARTS)))
        ctx.database_changed.connect(lambda: self._schedule(set(PARTS)))
        ctx.data_changed.connect(lambda entity: self._schedule(set(parts_for(entity))))

    def use_context(self, ctx: AppContext) -> None:
        """The database is open: from now on the figures come from it. They are computed again
        (from the figure cache, unchanged parts are not redrawn), since the data may have
        changed between the start-up's look and the opening."""
        self._ctx = ctx
        self._listen(ctx)
        self._schedule(set(PARTS))

    def show_figures(self, figures: DashboardFigures) -> None:
        """Show figures computed elsewhere: those the figure cache kept, at start-up."""
        self.figures = figures
        self._stale -= figures.parts
        self._show(figures, set(figures.parts))

    # loading --------------------------------------------------------------------------------

    def refresh(self, parts: set[str] | None = None) -> list[workers.Op]:
        """Compute the given parts (default: all) on workers, each group on its own (the
        slow ones run side by side and the quick ones are shown first), and show them.

        `loaded` is emitted once every part asked for is shown.
        """
        wanted = frozenset(PARTS if parts is None else parts)
        self._stale -= wanted
        self._generation += 1
        generation = self._generation
        for part in wanted:
            self._requested[part] = generation
        self._pending |= wanted
        as_of = self.ctx.as_of
        if self.figures is None or self.figures.as_of != as_of:
            self._loading(as_of)

        from app.services.figure_cache import database_key

        key = database_key(self.ctx.db)

        def run(group: frozenset[str]) -> workers.Op:
            def work(session: Session) -> DashboardFigures:
                from app.services.dashboard import cached_collect

                return cached_collect(session, key, as_of, group)

            return workers.run_query(self, self.ctx, work, done, on_failed=lambda _e: failed(group),
                                     title="Dashboard")

        def failed(group: frozenset[str]) -> None:
            self._pending -= group

        def done(result: DashboardFigures) -> None:
            current = {p for p in result.parts if self._requested.get(p) == generation}
            if not current or result.as_of != self.ctx.as_of:
                return
            previous = self.figures
            self.figures = (previous or result).merged(result, current)
            self._pending -= current
            # a part whose figures did not change is not drawn again (no flicker, no stall)
            if previous is not None:
                current = {p for p in current if not previous.same_part(result, p)}
            self._show(self.figures, current)
            if not self._pending:
                self.loaded.emit()

        return [run(group) for group in (wanted & g for g in GROUPS) if group]

    def _schedule(self, parts: set[str]) -> None:
        if not parts:
            return
        if self.isVisible():
            self.refresh(parts)
        else:
            self._stale |= parts

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale and self._ctx is not None:  # without a database: once it is open
            parts = set(self._stale)
            self._stale.clear()
            QTimer.singleShot(0, lambda: self.refresh(parts))  # after the first paint

    def _loading(self, as_of: date) -> None:
        self.heading.setText(f"Portfolio as of {as_of.isoformat()}")
        for widget in self.cards.values():
            widget.set("…")

    # navigation -----------------------------------------------------------------------------

    def open_tile(self, key: str) -> None:
        """Open the detail view of a tile, filtered to what it counts."""
        page, filters = TILE_TARGETS[key]
        self.open_view.emit(page, dict(filters))

    def _deadline_activated(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.contract_activated.emit(row.reference)

    # showing --------------------------------------------------------------------------------

    def _show(self, figures: DashboardFigures, parts: set[str]) -> None:
        self.heading.setText(f"Portfolio as of {figures.as_of.isoformat()}")
        if "contracts" in parts:
            counts = figures.status_counts
            self.cards["active"].set(str(counts.get("active", 0)))
            self.cards["not_started"].set(str(counts.get("not_started", 0)))
            self.cards["terminating"].set(str(counts.get("terminating", 0)),
                                          "notice given, in force")
            self.cards["terminated"].set(str(counts.get("terminated", 0)), "after notice")
            self.cards["expired"].set(str(counts.get("expired", 0)), "term ran out")
        if "renewals" in parts:
            self._show_renewals(figures)
        if "knowledge" in parts:
            self._show_knowledge(figures.knowledge)
            self.leavers_chart.show_leavers(figures.leavers, figures.leaving_window,
                                            figures.leavers_total)
        if "sla" in parts:
            self._show_sla(figures.sla)

    def _show_renewals(self, figures: DashboardFigures) -> None:
        self.cards["needs_review"].set(str(figures.needs_review), "initial term unknown",
                                       alert=figures.needs_review > 0)
        self.cards["within_30"].set(str(figures.within_30), "cancel-by, exercise-by or end",
                                    alert=figures.within_30 > 0)
        self.cards["within_90"].set(str(figures.within_90))
        self.cards["escalated"].set(str(figures.escalated), "critical clause orphaned",
                                    alert=figures.escalated > 0)
        self.cards["missed_notice"].set(str(figures.missed_notice),
                                        "renewal locked in or option lapsed",
                                        alert=figures.missed_notice > 0)
        self.deadlines_model.set_rows(figures.next_deadlines)
        for column in (DEADLINE, DAYS_LEFT, KIND, REFERENCE, VENDOR, FLAGS):
            self.deadlines_table.resizeColumnToContents(column)
        self.deadlines_chart.show_months(figures.deadline_months)

    def _show_knowledge(self, data: KnowledgeFigures | None) -> None:
        if data is None:
            return
        self.cards["coverage"].set(_ratio(data.coverage), "weighted by criticality")
        truck = data.truck_factor
        self.cards["truck_factor"].set("—" if truck is None else str(truck),
                                       "people who would have to leave",
                                       alert=truck is not None and truck <= 1)
        self.cards["orphaned_critical"].set(
            str(data.orphaned_critical),
            f"of {data.orphaned} orphaned ({data.clauses} clauses)",
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
        self.compliance_chart.show_trend(list(data.trend))


# tile -> the glossary words that explain what it counts
TILE_WORDS: dict[str, tuple[str, ...]] = {
    "active": ("active",), "not_started": ("not_started",), "terminating": ("terminating",),
    "terminated": ("terminated",), "expired": ("expired",), "needs_review": ("needs_review",),
    "within_30": ("deadline",), "within_90": ("deadline",), "escalated": ("escalated",),
    "missed_notice": ("missed_notice",), "coverage": ("coverage",),
    "truck_factor": ("truck_factor",), "orphaned_critical": ("orphaned", "criticality"),
    "at_risk": ("at_risk",), "compliance": ("compliance",), "breached": ("breached",),
    "outstanding": ("outstanding", "service_credit"), "lost": ("lost",),
}


def _tile_tip(key: str) -> str:
    """What the tile counts, in plain words, and where a click leads."""
    page, filters = TILE_TARGETS[key]
    shown = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in filters.items())
    where = f"Click to open {page}" + (f" ({shown})" if shown else "") + "."
    words = [glossary.define(word) for word in TILE_WORDS.get(key, ())]
    return glossary.wrap("\n".join([*(w for w in words if w), where]))


# --- the "coming next" pages ---------------------------------------------------------------------
