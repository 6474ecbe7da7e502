"""The service manager's workspace: per contract its SLAs with a compliance strip, a measurement
grid to enter and correct values, the import of measurement files, and the service credits
(claimable first) with the recording of credit notes.

Everything shown is computed on workers (app.ui.workers): the list of contracts with SLAs first
(one aggregate query, so rows appear at once), the portfolio's figures and credits next, and the
selected contract's detail. Edits are undoable commands (app.ui.sla.commands); after one, only
what depends on the entity changed is computed again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.core.progress import Progress
from app.errors import ClausekeeperError
from app.services.sla_workspace import ContractDetail, CreditRow, Overview, SlaContract, SlaDetail
from app.ui import settings_store, undo, workers
from app.ui.display import show_money
from app.ui.forms import confirm, record_table
from app.ui.sla.commands import MeasurementCommand, Value
from app.ui.sla.credit_dialog import CreditNoteDialog
from app.ui.sla.delegates import GridDelegate, StripDelegate
from app.ui.sla.models import (
    COLOURS,
    ContractsModel,
    CreditsModel,
    MeasurementGridModel,
    SlasModel,
    check_value,
    normalise_number,
    number_text,
    ratio_text,
)
from app.ui.tables import keep_place

ALL_DATA = {"*", "Contract", "Vendor", "Sla"}  # the list of contracts may change
FIGURES = {"Measurement", "CreditNote"}  # only the figures and credits change
CREDIT_CHOICES = (("all", "All months, claimable first"), ("claimable", "Claimable"),
                  ("lost", "Lost"), ("received", "Received in full"))
FILTER_KEYS = frozenset({"text", "breached", "credits", "contract", "tab"})
TABS = ("compliance", "measurements", "credits")
MEASUREMENT_FILES = "Measurements (*.csv *.xlsx);;All files (*)"


def ask_import_path(parent: QWidget) -> Path | None:
    """The measurement file to import (module function, so tests can answer it)."""
    path, _ = QFileDialog.getOpenFileName(
        parent, "Import measurements", settings_store.last_folder(), MEASUREMENT_FILES
    )
    if not path:
        return None
    settings_store.remember_folder(str(Path(path).parent))
    return Path(path)


def import_measurements_op(
    parent: QWidget | None, ctx: Any, path: Path, on_done: Any = None
) -> workers.Op:
    """Import a measurement file on a worker (all or nothing) and show its report."""

    def work(session: Session, _progress: Progress) -> Any:
        from app.reports.measurements_import import import_measurements

        return import_measurements(session, path)

    def done(summary: Any) -> None:
        workers.show_lines(parent, "Import measurements", f"{path.name} was imported.",
                           summary.summary_lines())
        if on_done is not None:
            on_done(summary)

    return workers.run_op(parent, ctx, "Import measurements", work, done,
                          changed="Measurement", label=f"Importing {path.name}…")


# Columns get their widths from samples, not from their contents: measuring rows runs Python for
# every cell on the GUI thread, which waits for the interpreter while a worker computes.
CONTRACT_SAMPLES = ("C-2026-0000", "Vendor", "SLAs", "100.0 %", "Breached", "Missing")
CREDIT_SAMPLES = ("C-2026-0000", "2026-00", "000,000.00 EUR", "2026-00-00", "Days left",
                  "claimable", "000,000.00 EUR", "000,000.00 EUR")


def _fit(table: QTableView, samples: tuple[str, ...]) -> None:
    header = table.horizontalHeader()
    metrics = table.fontMetrics()
    bold = header.fontMetrics()
    model = table.model()
    for column, sample in enumerate(samples):
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        width = max(metrics.horizontalAdvance(sample), bold.horizontalAdvance(title) + 8)
        header.resizeSection(column, width + 10)


def _legend() -> QLabel:
    parts = [f"<span style='color:{COLOURS[state]}'>■</span> {text}"
             for state, text in (("met", "met"), ("breached", "breached"),
                                 ("missing", "missing"), ("not_due", "not due"))]
    label = QLabel("Oldest period on the left. " + " &nbsp; ".join(parts))
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setBold(True)
    label.setFont(font)
    return label


class SlaWorkspace(QWidget):
    """SLAs, measurements and credits of the portfolio."""

    contracts_loaded = Signal()  # the list of contracts is shown (first rows)
    loaded = Signal()  # the portfolio's figures and credits are shown
    detail_loaded = Signal()  # the selected contract's SLAs and grid are shown

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("slaWorkspace")
        self.ctx = ctx
        self._stale = {"contracts", "overview", "detail"}
        self._generations = {"contracts": 0, "overview": 0, "detail": 0}
        self._contracts: list[SlaContract] = []
        self.overview: Overview | None = None
        self.detail: ContractDetail | None = None
        self._selected_id: int | None = None
        self._pending_contract: str | None = None
        self._breached_only = False

        self.summary = QLabel("…")
        self.summary.setObjectName("slaSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.import_button = QPushButton("Import measurements…")
        self.import_button.setObjectName("importMeasurementsButton")
        self.import_button.clicked.connect(self.import_measurements)
        self.credit_button = QPushButton("Record credit note…")
        self.credit_button.setObjectName("recordCreditButton")
        self.credit_button.clicked.connect(self.record_credit_note)
        ctx.gate.writes(self.import_button, self.credit_button)
        top = QHBoxLayout()
        top.addWidget(_heading("SLAs and service credits"))
        top.addStretch(1)
        top.addWidget(self.import_button)
        top.addWidget(self.credit_button)

        # left: the contracts with SLAs
        self.search = QLineEdit()
        self.search.setObjectName("slaSearch")
        self.search.setPlaceholderText("Filter by reference or vendor")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._filter_contracts())
        self.breached_box = QCheckBox("Only with breaches")
        self.breached_box.setObjectName("breachedOnly")
        self.breached_box.toggled.connect(lambda _on: self._filter_contracts())
        self.contracts_model = ContractsModel(self)
        self.contracts_table = record_table(self, self.contracts_model, "slaContracts")
        self.contracts_table.setAlternatingRowColors(False)
        self.contracts_table.selectionModel().selectionChanged.connect(self._contract_selected)
        _fit(self.contracts_table, CONTRACT_SAMPLES)
        header = self.contracts_table.horizontalHeader()
        header.setStretchLastSection(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("slaContractCount")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.breached_box)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.contracts_table, 1)
        left_layout.addWidget(self.count_label)

        # right: the tabs
        self.caption = QLabel()
        self.caption.setObjectName("slaContractCaption")
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.slas_model = SlasModel(self)
        self.slas_table = record_table(self, self.slas_model, "slaTable")
        self.slas_table.setAlternatingRowColors(False)
        self.slas_table.setMouseTracking(True)
        self.strip_delegate = StripDelegate(self.slas_table)
        self.slas_table.setItemDelegateForColumn(SlasModel.STRIP, self.strip_delegate)
        compliance = QWidget()
        compliance_layout = QVBoxLayout(compliance)
        compliance_layout.addWidget(self.slas_table, 1)
        compliance_layout.addWidget(_legend())

        self.grid_model = MeasurementGridModel(self)
        self.grid_model.writer = self.write_measurement
        self.grid = QTableView()
        self.grid.setObjectName("measurementGrid")
        self.grid.setModel(self.grid_model)
        self.grid.setWordWrap(False)
        self.grid.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        ctx.gate.writes(self.grid)
        self.grid.horizontalHeader().setDefaultSectionSize(130)
        self.grid.verticalHeader().setDefaultSectionSize(self.grid.fontMetrics().height() + 8)
        self.grid_delegate = GridDelegate(self.grid)
        self.grid.setItemDelegate(self.grid_delegate)
        self.grid_problem = QLabel()
        self.grid_problem.setObjectName("gridProblem")
        self.grid_problem.setStyleSheet("color: #9b1c1c;")
        self.grid_problem.setWordWrap(True)
        self.grid_delegate.problem.connect(self._show_grid_problem)
        grid_hint = QLabel("Type a value into a period's cell (Enter saves, Esc cancels; empty "
                           "clears it). Quarterly SLAs take their value in the quarter's first "
                           "month. Edit ▸ Undo takes a change back.")
        grid_hint.setWordWrap(True)
        measurements = QWidget()
        grid_layout = QVBoxLayout(measurements)
        grid_layout.addWidget(grid_hint)
        grid_layout.addWidget(self.grid, 1)
        grid_layout.addWidget(self.grid_problem)

        self.credit_scope = QComboBox()
        self.credit_scope.setObjectName("creditScope")
        self.credit_scope.addItem("All contracts", "all")
        self.credit_scope.addItem("Selected contract", "contract")
        self.credit_scope.currentIndexChanged.connect(lambda _i: self._show_credits())
        self.credit_filter = QComboBox()
        self.credit_filter.setObjectName("creditFilter")
        for key, text in CREDIT_CHOICES:
            self.credit_filter.addItem(text, key)
        self.credit_filter.currentIndexChanged.connect(lambda _i: self._show_credits())
        self.credits_model = CreditsModel(self)
        self.credits_table = record_table(self, self.credits_model, "creditsTable")
        self.credits_table.setAlternatingRowColors(False)
        self.credits_table.doubleClicked.connect(lambda _index: self.record_credit_note())
        _fit(self.credits_table, CREDIT_SAMPLES)
        self.credits_label = QLabel()
        self.credits_label.setObjectName("creditsLabel")
        credits = QWidget()
        credits_layout = QVBoxLayout(credits)
        credit_bar = QHBoxLayout()
        credit_bar.addWidget(self.credit_scope)
        credit_bar.addWidget(self.credit_filter)
        credit_bar.addWidget(self.credits_label, 1)
        credits_layout.addLayout(credit_bar)
        credits_layout.addWidget(self.credits_table, 1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("slaTabs")
        self.tabs.addTab(compliance, "Compliance")
        self.tabs.addTab(measurements, "Measurements")
        self.tabs.addTab(credits, "Credits")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.caption)
        right_layout.addWidget(self.tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([500, 580])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)

        ctx.as_of_changed.connect(lambda _v: self._schedule({"contracts", "overview", "detail"}))
        ctx.database_changed.connect(lambda: self._schedule({"contracts", "overview", "detail"}))
        ctx.data_changed.connect(self._data_changed)

    # loading --------------------------------------------------------------------------------

    def _data_changed(self, entity: str) -> None:
        if entity in ALL_DATA:
            self._schedule({"contracts", "overview", "detail"})
        elif entity in FIGURES:
            self._schedule({"overview", "detail"})

    def _schedule(self, parts: set[str]) -> None:
        if self.isVisible():
            self.refresh(parts)
        else:
            self._stale |= parts

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            parts = set(self._stale)
            self._stale.clear()
            QTimer.singleShot(0, lambda: self.refresh(parts))

    def _next(self, part: str) -> int:
        self._generations[part] += 1
        return self._generations[part]

    def refresh(self, parts: set[str] | None = None) -> list[workers.Op]:
        """Compute the given parts (contracts, overview, detail; default all) on workers."""
        wanted = {"contracts", "overview", "detail"} if parts is None else set(parts)
        self._stale -= wanted
        as_of = self.ctx.as_of
        ops = []
        if "contracts" in wanted:
            generation = self._next("contracts")

            def contracts_done(rows: list[SlaContract]) -> None:
                if generation == self._generations["contracts"]:
                    self._show_contracts(rows)

            def contracts(session: Session) -> list[SlaContract]:
                from app.services.sla_workspace import sla_contracts

                return sla_contracts(session)

            ops.append(workers.run_query(self, self.ctx, contracts, contracts_done,
                                         title="SLAs"))
        if "overview" in wanted:
            generation_o = self._next("overview")
            self.summary.setText(f"Computing compliance and credits as of {as_of.isoformat()}…")

            def overview_done(result: Overview) -> None:
                if generation_o == self._generations["overview"]:
                    self._show_overview(result)

            def overview(session: Session) -> Overview:
                from app.services.sla_workspace import overview as compute

                return compute(session, as_of)

            ops.append(workers.run_query(self, self.ctx, overview, overview_done, title="SLAs"))
        if "detail" in wanted and self._selected_id is not None:
            ops.append(self._load_detail(self._selected_id))
        return ops

    def _load_detail(self, contract_id: int) -> workers.Op:
        generation = self._next("detail")
        as_of = self.ctx.as_of

        def done(result: ContractDetail) -> None:
            if generation == self._generations["detail"]:
                self._show_detail(result)

        def work(session: Session) -> ContractDetail:
            from app.services.sla_workspace import contract_detail

            return contract_detail(session, contract_id, as_of)

        return workers.run_query(self, self.ctx, work, done, title="SLAs")

    # showing --------------------------------------------------------------------------------

    def _show_contracts(self, rows: list[SlaContract]) -> None:
        self._contracts = rows
        with keep_place(self.contracts_table):  # a refresh keeps the user's place
            self._filter_contracts()
        self.contracts_loaded.emit()

    def _filter_contracts(self) -> None:
        text = self.search.text().strip().casefold()
        breached = self.breached_box.isChecked()
        standings = self.overview.standings if self.overview is not None else {}
        rows = [
            row for row in self._contracts
            if (not text or text in row.reference.casefold() or text in row.vendor.casefold())
            and (not breached or (s := standings.get(row.contract_id)) is not None and s.breached)
        ]
        first = self.contracts_model.total() == 0
        self.contracts_model.set_rows(rows)
        self.contracts_model.standings = standings
        if first:
            self._fit_contract_columns()
        shown = f"{len(rows):,} of {len(self._contracts):,} contracts with SLAs"
        self.count_label.setText(shown)
        wanted = self._pending_contract
        if wanted is not None:
            found = next((r for r in rows if r.reference == wanted), None)
            if found is not None:
                self._pending_contract = None
                self.select_contract(found.contract_id)
                return
        if self._selected_id is not None and self.select_contract(self._selected_id):
            return
        if rows:
            self.select_contract(rows[0].contract_id)
        else:
            self._selected_id = None
            self._show_detail(None)

    def _fit_contract_columns(self) -> None:
        _fit(self.contracts_table, CONTRACT_SAMPLES)

    def select_contract(self, contract_id: int) -> bool:
        row = self.contracts_model.row_of_contract(contract_id)
        if row is None:
            return False
        self.contracts_model.show_row(row)
        index = self.contracts_model.index(row, 0)
        self.contracts_table.selectionModel().select(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.contracts_table.scrollTo(index)
        return True

    def _contract_selected(self, *_args: Any) -> None:
        rows = self.contracts_table.selectionModel().selectedRows()
        if not rows:
            return
        record: SlaContract = self.contracts_model.row_at(rows[0].row())
        if record.contract_id == self._selected_id and self.detail is not None \
                and self.detail.contract_id == record.contract_id:
            return
        self._selected_id = record.contract_id
        self.caption.setText(f"<b>{record.reference}</b> {record.title} — {record.vendor}")
        self._load_detail(record.contract_id)

    def _show_overview(self, result: Overview) -> None:
        self.overview = result
        data = result.figures
        money = ", ".join(show_money(v, c) for c, v in sorted(data.outstanding.items()) if v)
        lost = ", ".join(show_money(v, c) for c, v in sorted(data.lost.items()) if v)
        parts = [
            f"Compliance <b>{ratio_text(data.compliance)}</b> "
            f"({data.met:,} of {data.measured:,} periods met)",
            f"<b>{data.breached:,}</b> breached",
            f"<b>{data.missing:,}</b> missing",
            f"outstanding <b>{money or '0.00'}</b> ({data.claimable_months} months claimable)",
        ]
        if lost:
            parts.append(f"<span style='color:#b42318'>lost {lost}</span>")
        self.summary.setText(f"As of {result.as_of.isoformat()}: " + " · ".join(parts))
        self.contracts_model.set_standings(result.standings)
        if self.breached_box.isChecked():
            self._filter_contracts()
        self._show_credits()
        self.loaded.emit()

    def _show_detail(self, detail: ContractDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.caption.setText("No contract has SLAs yet: add them in the contract editor.")
            self.slas_model.set_rows([])
            self.grid_model.set_detail(None)
        else:
            self.slas_model.set_rows(detail.slas)
            self.slas_table.resizeColumnsToContents()
            reset = self.grid_model.detail is None or \
                self.grid_model.detail.contract_id != detail.contract_id
            self.grid_model.set_detail(detail)
            if reset:
                header = self.grid.horizontalHeader()
                for column in range(self.grid_model.columnCount()):
                    header.resizeSection(column, max(110, header.sectionSizeHint(column)))
        if self.credit_scope.currentData() == "contract":
            self._show_credits()
        self.detail_loaded.emit()

    def _credit_source(self) -> list[CreditRow] | None:
        if self.credit_scope.currentData() == "contract":
            return None if self.detail is None else self.detail.credits
        return None if self.overview is None else self.overview.credits

    def _show_credits(self) -> None:
        rows = self._credit_source()
        if rows is None:
            self.credits_model.set_rows([])
            self.credits_label.setText("…")
            return
        wanted = self.credit_filter.currentData()
        if wanted == "claimable":
            rows = [r for r in rows if r.claimable]
        elif wanted == "lost":
            rows = [r for r in rows if r.lost]
        elif wanted == "received":
            rows = [r for r in rows if not r.claimable and not r.lost]
        self.credits_model.set_rows(rows)
        claimable = sum(1 for r in rows if r.claimable)
        self.credits_label.setText(f"{len(rows):,} months, {claimable:,} claimable")

    def _show_grid_problem(self, text: str) -> None:
        found = self.grid_model.cell(self.grid.currentIndex())
        if text and found is not None:
            text = f"{found[0].name} {found[1]:%Y-%m}: {text}"
        self.grid_problem.setText(text)

    # filters (the dashboard's tiles) -------------------------------------------------------

    def apply_filters(self, filters: dict[str, Any]) -> None:
        """Replace every filter at once; unnamed ones are cleared.

        Keys: text, breached (contracts with breaches only), credits (all, claimable, lost,
        received: shows the Credits tab), contract (a reference to select), tab.
        """
        unknown = set(filters) - FILTER_KEYS
        if unknown:
            raise ValueError(f"unknown SLA filters: {', '.join(sorted(unknown))}")
        credits = filters.get("credits") or "all"
        index = self.credit_filter.findData(credits)
        if index < 0:
            raise ValueError(f"no credits filter {credits!r}")
        tab = filters.get("tab") or ("credits" if "credits" in filters else "compliance")
        if tab not in TABS:
            raise ValueError(f"no tab {tab!r}")
        widgets = (self.search, self.breached_box, self.credit_filter, self.credit_scope)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.search.setText(str(filters.get("text") or ""))
            self.breached_box.setChecked(bool(filters.get("breached")))
            self.credit_filter.setCurrentIndex(index)
            self.credit_scope.setCurrentIndex(0)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._pending_contract = filters.get("contract")
        self.tabs.setCurrentIndex(TABS.index(tab))
        self._filter_contracts()
        self._show_credits()

    def focus_filter(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # edits ----------------------------------------------------------------------------------

    def write_measurement(self, sla: SlaDetail, start: date, text: str) -> bool:
        """Validate, ask before replacing or clearing a value, write it undoably."""
        detail = self.detail
        if detail is None:
            return False
        where = f"{sla.name} {start:%Y-%m}"
        text = normalise_number(text)
        problem = check_value(text)
        if problem:
            self.grid_problem.setText(f"{where}: {problem}")
            return False
        old = self.grid_model.value_at(sla, start)
        after: Value | None
        if not text:
            if old is None:
                return False
            if not confirm(self, "Clear measurement",
                           f"Remove the value {number_text(old[0])} of {where} "
                           f"({detail.reference})?"):
                return False
            after = None
        else:
            value = Decimal(text)
            if old is not None:
                if old[0] == value:
                    return False
                if not confirm(self, "Replace measurement",
                               f"{where} of {detail.reference} is recorded as "
                               f"{number_text(old[0])}. Replace it with {text}?"):
                    return False
            after = (value, old[1] if old else None)
        command = MeasurementCommand(self.ctx, detail.reference, sla.name, start, old, after)
        try:
            undo.execute(self.ctx, command)
        except ClausekeeperError as exc:
            self.grid_problem.setText(f"{where}: {exc}")
            return False
        self.grid_problem.setText("")
        self.grid_model.put(sla, start, None if after is None else after[0])
        return True

    def record_credit_note(self) -> CreditNoteDialog:
        """Open the credit note dialog, filled from the selected credit month (or contract)."""
        reference, month, amount = "", None, ""
        rows = self.credits_table.selectionModel().selectedRows()
        if self.tabs.currentIndex() == TABS.index("credits") and rows:
            credit: CreditRow = self.credits_model.row_at(rows[0].row())
            reference, month = credit.reference, credit.month
            amount = f"{credit.outstanding:.2f}" if credit.outstanding else ""
        elif self.detail is not None:
            reference = self.detail.reference
        dialog = CreditNoteDialog(self.ctx, reference, month, amount, self)
        dialog.open()
        return dialog

    def import_measurements(self) -> workers.Op | None:
        path = ask_import_path(self)
        if path is None:
            return None
        return import_measurements_op(self, self.ctx, path)

    # for tests and the main window ----------------------------------------------------------

    def grid_index(self, sla_name: str, start: date) -> QModelIndex:
        """The grid cell of an SLA (by name) and period of the selected contract."""
        detail = self.detail
        if detail is None:
            return QModelIndex()
        column = next((i for i, s in enumerate(detail.slas) if s.name == sla_name), -1)
        row = detail.months.index(start) if start in detail.months else -1
        return self.grid_model.index(row, column) if row >= 0 and column >= 0 else QModelIndex()
