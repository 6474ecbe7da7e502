"""The off-boarding simulation dialog: what is lost if these people leave (SPEC §3).

Pick people (several, with search) or "everyone leaving in the next N days"; the simulation
runs on a worker through app.services.knowledge.simulate_leave_json, the very function behind
`clausekeeper simulate-leave --json`, so the tables show the same answers. Export writes them to
an Excel workbook (app.reports.report_simulation).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.knowledge import PersonInfo
from app.errors import ClausekeeperError
from app.ui import workers
from app.ui.context import AppContext
from app.ui.knowledge.person_picker import PersonPicker
from app.ui.status_colors import STATUS_COLORS

RAW_ROLE = Qt.ItemDataRole.UserRole + 3  # the JSON value of a cell
CONTRACT_KEYS = (
    ("reference", "Contract"), ("coverage_before", "Coverage before"),
    ("coverage_after", "Coverage after"), ("truck_factor_before", "Truck factor before"),
    ("truck_factor_after", "Truck factor after"),
)
ORPHANED_KEYS = (
    ("contract", "Contract"), ("number", "Clause"), ("title", "Title"),
    ("criticality", "Criticality"),
)
DROP = QBrush(QColor(STATUS_COLORS["orphaned"]))


def _shown(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key.startswith("coverage"):
        return f"{value * 100:.1f} %"
    return str(value)


class JsonRowsModel(QAbstractTableModel):
    """Rows of a simulate-leave JSON list; RAW_ROLE gives each cell's JSON value."""

    def __init__(self, keys: tuple[tuple[str, str], ...], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.keys = keys
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.keys)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.keys[section][1]
        return None

    def records(self) -> list[dict[str, Any]]:
        """The rows as shown, read back through RAW_ROLE (what the table holds)."""
        return [
            {key: self.index(r, c).data(RAW_ROLE) for c, (key, _h) in enumerate(self.keys)}
            for r in range(self.rowCount())
        ]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = self.keys[index.column()][0]
        if role == RAW_ROLE:
            return row[key]
        if role == Qt.ItemDataRole.DisplayRole:
            return _shown(key, row[key])
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0 and key != "title":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and key == "truck_factor_after":
            before, after = row.get("truck_factor_before"), row.get("truck_factor_after")
            if before is not None and after is not None and after < before:
                return DROP
        return None


def _table(model: QAbstractTableModel, name: str, parent: QWidget) -> QTableView:
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class SimulationDialog(QDialog):
    """Choose who leaves, run the simulation, read and export its answers."""

    simulated = QtSignal()

    def __init__(
        self, ctx: AppContext, keys: list[str] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("simulationDialog")
        self.setWindowTitle("Off-boarding simulation")
        self.ctx = ctx
        self.result: dict[str, Any] | None = None
        self._generation = 0
        from app.services.knowledge_views import people_choices
        from app.store.settings import load_settings

        with ctx.session() as session:
            people: list[PersonInfo] = people_choices(session)
            window = load_settings(session).leaving_window_days

        self.pick_people = QRadioButton("These people:", self)
        self.pick_people.setObjectName("pickPeople")
        self.pick_leaving = QRadioButton("Everyone leaving in the next", self)
        self.pick_leaving.setObjectName("pickLeaving")
        group = QButtonGroup(self)
        group.addButton(self.pick_people)
        group.addButton(self.pick_leaving)
        self.days = QSpinBox(self)
        self.days.setObjectName("leavingDays")
        self.days.setRange(0, 3650)
        self.days.setValue(window)
        self.days.setSuffix(" days")
        self.picker = PersonPicker(
            [p for p in people if p.leaves_on is None or p.leaves_on >= ctx.as_of], ctx.as_of,
            multiple=True, parent=self,
        )
        self.run_button = QPushButton("&Run simulation", self)
        self.run_button.setObjectName("runSimulation")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(lambda _c=False: self.run())
        choose = QGroupBox("Who leaves", self)
        box = QVBoxLayout(choose)
        box.addWidget(self.pick_people)
        box.addWidget(self.picker, 1)
        leaving = QHBoxLayout()
        leaving.addWidget(self.pick_leaving)
        leaving.addWidget(self.days)
        leaving.addStretch(1)
        box.addLayout(leaving)
        box.addWidget(self.run_button)

        self.summary = QLabel("Choose people and run the simulation.", self)
        self.summary.setObjectName("simulationSummary")
        self.summary.setWordWrap(True)
        self.contracts_model = JsonRowsModel(CONTRACT_KEYS, self)
        self.contracts_table = _table(self.contracts_model, "simulationContracts", self)
        self.orphaned_model = JsonRowsModel(ORPHANED_KEYS, self)
        self.orphaned_table = _table(self.orphaned_model, "simulationOrphaned", self)
        for table, widths in ((self.contracts_table, (110, 120, 120, 130, 130)),
                              (self.orphaned_table, (110, 60, 300, 80))):
            header = table.horizontalHeader()
            header.setStretchLastSection(False)
            for column, width in enumerate(widths):
                header.resizeSection(column, width)
        self.orphaned_table.horizontalHeader().setSectionResizeMode(
            2, self.orphaned_table.horizontalHeader().ResizeMode.Stretch
        )
        results = QWidget(self)
        res = QVBoxLayout(results)
        res.setContentsMargins(0, 0, 0, 0)
        res.addWidget(self.summary)
        res.addWidget(QLabel("<b>Contracts</b>: coverage and truck factor before → after", self))
        res.addWidget(self.contracts_table, 1)
        res.addWidget(QLabel("<b>Newly orphaned clauses</b>", self))
        res.addWidget(self.orphaned_table, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(choose)
        splitter.addWidget(results)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([380, 640])

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = self.buttons.addButton(
            "&Export to Excel…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.setObjectName("exportSimulation")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda _c=False: self.export())
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)
        self.resize(1100, 640)

        self.pick_people.setChecked(True)
        self.pick_people.toggled.connect(self._mode_changed)
        self.picker.selection_changed.connect(self._mode_changed)
        if keys:
            self.picker.select_keys(keys)
        self._mode_changed()

    def _mode_changed(self, *_args: Any) -> None:
        by_name = self.pick_people.isChecked()
        self.picker.setEnabled(by_name)
        self.days.setEnabled(not by_name)
        self.run_button.setEnabled(not by_name or bool(self.picker.selected_keys()))

    def choose_people(self, keys: list[str]) -> None:
        self.pick_people.setChecked(True)
        self.picker.select_keys(keys)

    def choose_leaving_within(self, days: int) -> None:
        self.pick_leaving.setChecked(True)
        self.days.setValue(days)

    def run(self) -> workers.Op:
        """Simulate on a worker; the tables show the JSON answer."""
        self._generation += 1
        generation = self._generation
        as_of = self.ctx.as_of
        keys = self.picker.selected_keys() if self.pick_people.isChecked() else None
        days = self.days.value()
        self.summary.setText("Simulating…")
        self.run_button.setEnabled(False)

        def work(session: Any) -> dict[str, Any]:
            from app.services.knowledge import simulate_leave_json
            from app.services.knowledge_views import people_leaving_within

            chosen = keys
            if chosen is None:
                chosen = [p.key for p in people_leaving_within(session, as_of, days)]
                if not chosen:
                    raise ClausekeeperError(
                        f"Nobody leaves in the {days} days after {as_of.isoformat()}."
                    )
            return simulate_leave_json(session, as_of, chosen)

        def done(data: dict[str, Any]) -> None:
            if generation == self._generation:
                self._show(data)

        def failed(_exc: BaseException) -> None:
            if generation == self._generation:
                self.summary.setText("The simulation could not run (see the message).")
                self._mode_changed()

        return workers.run_query(self, self.ctx, work, done, on_failed=failed,
                                 title="Off-boarding simulation")

    def _show(self, data: dict[str, Any]) -> None:
        self.result = data
        self.contracts_model.set_rows(data["contracts"])
        self.orphaned_model.set_rows(data["newly_orphaned"])
        names = [p["name"] for p in data["people"]]
        who = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        drops = sum(
            1 for c in data["contracts"]
            if c["truck_factor_after"] is not None and c["truck_factor_before"] is not None
            and c["truck_factor_after"] < c["truck_factor_before"]
        )
        self.summary.setText(
            f"As of {data['as_of']}, if <b>{who}</b> left: "
            f"<b>{len(data['newly_orphaned'])}</b> clauses become orphaned; "
            f"{len(data['contracts'])} contracts are affected, the truck factor falls on {drops}."
        )
        self.export_button.setEnabled(True)
        self._mode_changed()
        self.simulated.emit()

    def export(self, path: Any = None) -> workers.Op | None:
        """Write the shown simulation to an Excel workbook."""
        data = self.result
        if data is None:
            return None
        if path is None:
            from app.ui.file_actions import ask_save_path

            path = ask_save_path(self, "Export the simulation",
                                 f"simulation-{data['as_of']}.xlsx", "Excel workbook (*.xlsx)")
            if path is None:
                return None

        def work(_session: Any, _progress: Any) -> Any:
            from app.reports.report_simulation import export_simulation

            return export_simulation(data, path)

        def done(written: Any) -> None:
            self.summary.setText(self.summary.text() + f"<br>Written to {written}.")

        return workers.run_op(self, self.ctx, "Export the simulation", work, done,
                              label="Writing the workbook…")
