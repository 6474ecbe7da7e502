"""The Knowledge page: the IT lead's workspace.

At the top the portfolio's figures, then the clause list of the whole in-scope portfolio
(filtered by vendor, contract, status, reason, minimum criticality and person, with each
contract's coverage and truck factor), and under it the matrix of the selected row's contract
(or of all its vendor's contracts). Beside the matrix, the "Forecast and successors" tab shows
the portfolio's forecast (SPEC §3a) and who could take over the selected clause, with the
succession plan. The off-boarding simulation and the attestation workbooks (export, import) open
from here.

On opening, the first contracts' rows are computed on their own (app.services.knowledge_views.
first_clauses, a few dozen milliseconds) and shown while the whole portfolio is computed on a
worker; the rows are the same, so the list simply grows when the rest arrives. The forecast and
the successors are computed only while their tab is shown, after the rows.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import fields, replace
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.collector import freeze_long_lived
from app.services.knowledge_views import (
    ClauseFilter,
    ClauseSelection,
    KnowledgeOverview,
)
from app.ui import workers
from app.ui.context import AppContext
from app.ui.glossary import plain_tip
from app.ui.knowledge.clause_list import (
    CLAUSE_ID_ROLE,
    COVERAGE,
    CRITICALITY,
    NUMBER,
    OWNERS,
    REASON,
    STATUS,
    TITLE,
    TRUCK_FACTOR,
    VENDOR,
    ClauseListModel,
    FilterBar,
)
from app.ui.knowledge.forecast import ForecastPanel
from app.ui.knowledge.matrix import MatrixWidget
from app.ui.knowledge.matrix_model import figures_text
from app.ui.knowledge.sequencer import Sequencer
from app.ui.knowledge.successors import SelectedClause, SuccessorsPanel
from app.ui.tables import keep_place

ENTITIES = ("*", "Knowledge", "Person", "Clause", "Contract", "Vendor", "Setting")
KEEP_ROWS = 10_000  # rows fetched again after a refresh, at most (the selected one among them)


_FILTER_FIELDS = frozenset(f.name for f in fields(ClauseFilter)) - {"sort", "descending"}


class KnowledgeWorkspace(QWidget):
    """Clause list of the portfolio with filters, and the matrix of the selected contract."""

    first_rows = Signal()  # rows are shown (the first time after opening or a refresh)
    loaded = Signal()  # the whole portfolio is computed and the list filtered

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # the page's modules were just imported, the window is built: the collector's passes on
        # the workers computing the portfolio walk none of it (app.services.collector)
        freeze_long_lived()
        self.setObjectName("knowledgeWorkspace")
        self.setWindowTitle("Knowledge")
        self.ctx = ctx
        self.overview: KnowledgeOverview | None = None
        self._generation = 0
        self._filter_generation = 0
        self._dirty = True
        self._computing = False
        self._pending = False

        heading = QLabel("Knowledge", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        self.simulate_button = QPushButton("Off-boarding &simulation…", self)
        self.simulate_button.setObjectName("simulateButton")
        self.simulate_button.clicked.connect(lambda _c=False: self.open_simulation())
        self.export_attestations_button = QPushButton("E&xport attestations…", self)
        self.export_attestations_button.setObjectName("exportAttestations")
        self.export_attestations_button.setToolTip(plain_tip(
            "A workbook in which people confirm the clauses they know (everyone, or one person)"))
        self.export_attestations_button.clicked.connect(
            lambda _c=False: self.export_attestations())
        self.import_attestations_button = QPushButton("I&mport attestations…", self)
        self.import_attestations_button.setObjectName("importAttestations")
        self.import_attestations_button.clicked.connect(
            lambda _c=False: self.import_attestations())
        ctx.gate.writes(self.import_attestations_button)
        self.summary = QLabel(self)
        self.summary.setObjectName("knowledgeSummary")
        self.summary.setWordWrap(True)
        self.filters = FilterBar(self)
        self.filters.changed.connect(self.refilter)
        self.count = QLabel(self)
        self.count.setObjectName("clauseCount")

        self.model = ClauseListModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("clauseTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        widths = {0: 88, VENDOR: 140, NUMBER: 50, TITLE: 190, CRITICALITY: 40, STATUS: 92,
                  REASON: 88, OWNERS: 170, COVERAGE: 116, TRUCK_FACTOR: 84}
        for column, width in widths.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(TITLE, header.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._row_selected)
        self._sort: tuple[str, bool] = ("", False)  # ClauseFilter.sort, descending
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.model.sort_requested.connect(self._sort_requested)

        self.matrix = MatrixWidget(ctx, self)
        self.whole_vendor = QCheckBox("All contracts of the vendor", self)
        self.whole_vendor.setObjectName("wholeVendor")
        self.whole_vendor.toggled.connect(lambda _on: self._open_matrix())
        matrix_pane = QWidget(self)
        pane = QVBoxLayout(matrix_pane)
        pane.setContentsMargins(0, 4, 0, 0)
        pane.addWidget(self.whole_vendor)
        pane.addWidget(self.matrix, 1)
        # the forecast and the successors wait for the clause list, then run one at a time
        self.sequencer = Sequencer(lambda: self._computing, ("successors", "forecast"), self)
        self.forecast = ForecastPanel(ctx, self, self.sequencer)
        self.successors = SuccessorsPanel(ctx, self, self.sequencer)
        self.first_rows.connect(self.sequencer.release)
        self.loaded.connect(self.sequencer.release)
        self.continuity = QSplitter(Qt.Orientation.Horizontal, self)
        self.continuity.setObjectName("continuityPane")
        self.continuity.addWidget(self.forecast)
        self.continuity.addWidget(self.successors)
        self.continuity.setStretchFactor(0, 1)
        self.continuity.setStretchFactor(1, 1)
        self.continuity.setSizes([540, 500])
        self.lower_tabs = QTabWidget(self)
        self.lower_tabs.setObjectName("knowledgeTabs")
        self.lower_tabs.setDocumentMode(True)
        self.lower_tabs.addTab(matrix_pane, "M&atrix")
        self.lower_tabs.addTab(self.continuity, "&Forecast and successors")
        self.matrix.table.selectionModel().currentChanged.connect(self._matrix_clause)
        list_pane = QWidget(self)
        lst = QVBoxLayout(list_pane)
        lst.setContentsMargins(0, 0, 0, 0)
        lst.addWidget(self.filters)
        lst.addWidget(self.count)
        lst.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(list_pane)
        self.splitter.addWidget(self.lower_tabs)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.export_attestations_button)
        top.addWidget(self.import_attestations_button)
        top.addWidget(self.simulate_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)

        ctx.data_changed.connect(self._data_changed)
        ctx.as_of_changed.connect(lambda _d: self._schedule())
        ctx.database_changed.connect(self._database_changed)

    # --- computing ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Compute the portfolio again (the rows shown stay until the new ones arrive).

        While a computation runs, another request waits for it to end and then starts once
        (a burst of edits costs one more computation, not one each).
        """
        self._dirty = False
        if self._computing:
            self._pending = True
            return
        self._pending = False
        self._generation += 1
        generation = self._generation
        as_of = self.ctx.as_of
        criteria = self.criteria()
        self._computing = True
        self.summary.setText(f"As of {as_of.isoformat()} · computing the portfolio's figures…")

        def full(session: Any) -> tuple[KnowledgeOverview, ClauseSelection, list[Any]]:
            from app.services import knowledge_views as views

            overview = views.knowledge_overview(session, as_of)
            return (overview, views.select_clauses(session, overview, criteria),
                    views.people_choices(session))

        def full_done(result: tuple[KnowledgeOverview, ClauseSelection, list[Any]]) -> None:
            if generation != self._generation:
                return
            overview, selection, people = result
            self._computing = False
            if self._pending:  # the data changed meanwhile: this answer is already old
                self.refresh()
                return
            self.filters.set_people(people)
            self._show_overview(overview)
            if selection.criteria == self.criteria():
                self._show_selection(selection)
                self.loaded.emit()
            else:
                self.refilter()

        def failed(_exc: BaseException) -> None:
            if generation == self._generation:
                self._computing = False
                self.summary.setText("The knowledge figures could not be computed.")
                if self._pending:
                    self.refresh()
                self.sequencer.release()

        if self.overview is None and criteria == ClauseFilter():
            def head(session: Any) -> tuple[KnowledgeOverview, ClauseSelection]:
                from app.services import knowledge_views as views

                overview = views.first_clauses(session, as_of)
                return overview, views.select_clauses(session, overview, criteria)

            def head_done(result: tuple[KnowledgeOverview, ClauseSelection]) -> None:
                if generation != self._generation or self.overview is not None:
                    return
                self.overview = result[0]
                self._show_selection(result[1])
                workers.run_query(self, self.ctx, full, full_done, on_failed=failed,
                                  title="Knowledge")

            workers.run_query(self, self.ctx, head, head_done, on_failed=failed,
                              title="Knowledge")
        else:
            workers.run_query(self, self.ctx, full, full_done, on_failed=failed,
                              title="Knowledge")

    def refilter(self) -> None:
        """Apply the filter bar to the computed portfolio (on a worker)."""
        overview = self.overview
        if overview is None or not overview.complete:
            self.count.setText("Filtering as soon as the portfolio is computed…")
            return
        self._filter_generation += 1
        generation = self._filter_generation
        criteria = self.criteria()
        self.count.setText("Filtering…")

        def work(session: Any) -> ClauseSelection:
            from app.services.knowledge_views import select_clauses

            return select_clauses(session, overview, criteria)

        def done(selection: ClauseSelection) -> None:
            if generation == self._filter_generation and overview is self.overview:
                self._show_selection(selection)

        def failed(_exc: BaseException) -> None:
            self._show_count()

        workers.run_query(self, self.ctx, work, done, on_failed=failed, title="Filter")

    def criteria(self) -> ClauseFilter:
        """The filter bar's criteria in the order of the column header clicked."""
        sort, descending = self._sort
        return replace(self.filters.criteria(), sort=sort, descending=descending)

    def _sort_requested(self, sort: str, descending: bool) -> None:
        if (sort, descending) != self._sort:
            self._sort = (sort, descending)
            self.refilter()

    def _show_overview(self, overview: KnowledgeOverview) -> None:
        self.overview = overview
        self.filters.set_vendors(overview.vendors)
        self.summary.setText(
            f"As of {overview.as_of.isoformat()} · {len(overview.clauses):,} clauses in "
            f"{overview.contract_count:,} contracts in scope · portfolio "
            f"{figures_text(overview.figures)}"
        )

    def _show_selection(self, selection: ClauseSelection) -> None:
        previous = self.model.selection
        if (
            previous is not None
            and previous.criteria == selection.criteria
            and not previous.overview.complete
            and selection.overview.complete
            and self.model.shows_start_of(selection)
        ):
            self.model.extend_selection(selection)  # the same first rows, more to fetch
        else:
            kept = self._selected_clause()
            same = previous is not None and previous.criteria == selection.criteria
            shown = min(self.model.rowCount(), KEEP_ROWS) if same else 0
            # a refresh of the same list keeps the user's place (app.ui.tables.keep_place)
            with keep_place(self.table) if same else nullcontext():
                self.model.set_selection(selection, shown)
                if kept is not None:
                    self.select_clause(kept)
        if self.table.selectionModel().selectedRows() == [] and self.model.rowCount():
            self.table.selectRow(0)
        self._show_count()
        self.first_rows.emit()

    def _show_count(self) -> None:
        selection = self.model.selection
        if selection is None:
            self.count.setText("")
            return
        counts = selection.counts
        text = (
            f"{len(selection):,} clauses · {counts.get('orphaned', 0):,} orphaned · "
            f"{counts.get('at_risk', 0):,} at risk · {counts.get('single', 0):,} single owner · "
            f"{counts.get('covered', 0):,} covered"
        )
        if not selection.overview.complete:
            text = f"First {len(selection):,} clauses (the rest is being computed…)"
        self.count.setText(text)

    # --- selection and the matrix -------------------------------------------------------------

    def _selected_clause(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return int(rows[0].data(CLAUSE_ID_ROLE)) if rows else None

    def select_clause(self, clause_id: int) -> bool:
        row = self.model.row_of(clause_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def _row_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._open_matrix()
        rows = self.table.selectionModel().selectedRows()
        row = self.model.row_at(rows[0].row()) if rows else None
        if row is not None:
            self.successors.show_clause(SelectedClause(
                row.clause_id, row.contract, row.number, row.title, row.criticality,
                row.status, row.reason,
            ))

    def _matrix_clause(self, current: Any, _previous: Any) -> None:
        """A clause chosen in the matrix (by the user: a click or the keyboard) is the one the
        successors describe."""
        clause = self.matrix.model.clause_at(current.row()) if current.isValid() else None
        if clause is not None:
            self.successors.show_clause(SelectedClause(
                clause.clause_id, clause.contract, clause.number, clause.title,
                clause.criticality, clause.status, clause.reason,
            ))

    def apply_filters(self, filters: dict[str, Any]) -> None:
        """Show exactly these filters (a dashboard tile's or chart's: status, min_criticality,
        person, … as in ClauseFilter); the others are cleared."""
        known = {name: value for name, value in filters.items() if name in _FILTER_FIELDS}
        self.filters.set_criteria(ClauseFilter(**known))

    def current_filters(self) -> dict[str, Any]:
        """The filters shown, those that keep less than everything."""
        criteria, default = self.filters.criteria(), ClauseFilter()
        return {
            name: getattr(criteria, name)
            for name in _FILTER_FIELDS
            if getattr(criteria, name) != getattr(default, name)
        }

    def show_continuity(self) -> None:
        """Open the "Forecast and successors" tab."""
        self.lower_tabs.setCurrentWidget(self.continuity)

    def _open_matrix(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        row = self.model.row_at(rows[0].row()) if rows else None
        if row is None:
            return
        if self.whole_vendor.isChecked():
            self.matrix.show_vendor(row.vendor)
        else:
            self.matrix.show_contract(row.contract)

    # --- actions ------------------------------------------------------------------------------

    def open_simulation(self, keys: list[str] | None = None) -> QWidget:
        from app.ui.knowledge.simulation import SimulationDialog

        if keys is None:  # the person the list is filtered on, if any
            person = self.criteria().person
            keys = [person] if person else []
        dialog = SimulationDialog(self.ctx, keys, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def export_attestations(self, person_key: str | None = None) -> QWidget:
        """The attestation workbook, for the person the list is filtered on by default."""
        from app.ui.knowledge.attestations import open_export

        return open_export(self, self.ctx, person_key or self.criteria().person or None)

    def import_attestations(self, path: Any = None) -> QWidget | None:
        from app.ui.knowledge.attestations import open_import

        return open_import(self, self.ctx, path)

    def focus_filter(self) -> None:
        self.filters.contract.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.contract.selectAll()

    # --- refreshing ---------------------------------------------------------------------------

    def _data_changed(self, entity: str) -> None:
        if entity in ENTITIES:
            self._schedule()

    def _database_changed(self) -> None:
        self._generation += 1  # what is being computed belongs to the other database
        self._computing = self._pending = False
        self.sequencer.release()
        self.overview = None
        self.model.set_selection(None)
        self.matrix.clear()
        self._schedule()

    def _schedule(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._dirty:  # the first rows' worker starts now, while the page is drawn
            self.refresh()
