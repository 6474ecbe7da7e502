"""What a person takes with them (for the People page): the clauses they own alone, those at
risk, and the contracts whose truck factor would drop, next to their leaving date."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.knowledge_views import ClauseRef, ContractDrop, PersonTakes
from app.ui import workers
from app.ui.context import AppContext
from app.ui.knowledge.matrix_model import ratio_text
from app.ui.status_colors import status_brush, status_label, text_brush

# the People list reselects the person (and so refreshes this panel) on its own changes
ENTITIES = ("Clause", "Setting")


def _table(name: str, headers: list[str], parent: QWidget) -> tuple[QTableView, QStandardItemModel]:
    model = QStandardItemModel(0, len(headers), parent)
    model.setHorizontalHeaderLabels(headers)
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(model)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    table.horizontalHeader().setStretchLastSection(True)
    return table, model


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _item(text: str, status: str | None = None) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    if status is not None:
        item.setBackground(status_brush(status) or text_brush())
        item.setForeground(text_brush())
    return item


class TakesWithThemPanel(QWidget):
    """The knowledge a selected person would take with them if they left."""

    loaded = Signal()
    simulate = Signal(str)  # a person key: open the simulation for them

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("takesWithThem")
        self.ctx = ctx
        self.person_key: str | None = None
        self.takes: PersonTakes | None = None
        self._generation = 0
        self._dirty = False
        self.heading = QLabel(self)
        self.heading.setObjectName("takesHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.leaving = QLabel(self)
        self.leaving.setObjectName("takesLeaving")
        self.leaving.setWordWrap(True)
        self.alone_label = QLabel(self)
        self.alone_table, self.alone_model = _table(
            "ownedAlone", ["Contract", "Clause", "Title", "Crit.", "Status"], self)
        self.risk_label = QLabel(self)
        self.risk_table, self.risk_model = _table(
            "atRisk", ["Contract", "Clause", "Title", "Crit.", "Owners"], self)
        self.drop_label = QLabel(self)
        self.drop_table, self.drop_model = _table(
            "truckFactorDrops", ["Contract", "Truck factor", "Coverage", "Title"], self)
        # the title takes what is left, so the tables never scroll sideways
        for table, widths, title in ((self.alone_table, (84, 46, 0, 38, 92), 2),
                                     (self.risk_table, (84, 46, 0, 38, 110), 2),
                                     (self.drop_table, (84, 84, 130, 0), 3)):
            header = table.horizontalHeader()
            header.setStretchLastSection(False)
            for column, width in enumerate(widths):
                if column != title:
                    header.resizeSection(column, width)
            header.setSectionResizeMode(title, header.ResizeMode.Stretch)
            table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.simulate_button = QPushButton("Simulate their leaving…", self)
        self.simulate_button.setObjectName("simulatePerson")
        self.simulate_button.clicked.connect(self._simulate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.leaving)
        layout.addWidget(self.alone_label)
        layout.addWidget(self.alone_table, 2)
        layout.addWidget(self.risk_label)
        layout.addWidget(self.risk_table, 1)
        layout.addWidget(self.drop_label)
        layout.addWidget(self.drop_table, 1)
        layout.addWidget(self.simulate_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.refresh)
        self.show_person(None)
        ctx.data_changed.connect(self._data_changed)

    def show_person(self, key: str | None) -> None:
        self.person_key = key
        self._generation += 1
        if key is None:
            self._timer.stop()
            self.takes = None
            self.heading.setText("<b>What they take with them</b>")
            self.leaving.setText("Select a person to see the knowledge that leaves with them.")
            for label in (self.alone_label, self.risk_label, self.drop_label):
                label.setText("")
            for model in (self.alone_model, self.risk_model, self.drop_model):
                model.removeRows(0, model.rowCount())
            self.simulate_button.setEnabled(False)
            return
        self._timer.start()  # moving through the list computes only where it stops

    def refresh(self) -> None:
        key = self.person_key
        if key is None:
            return
        self._dirty = False
        self._generation += 1
        generation = self._generation
        as_of = self.ctx.as_of
        self.leaving.setText("Computing…")

        def work(session: Any) -> PersonTakes:
            from app.services.knowledge_views import takes_with_them

            return takes_with_them(session, as_of, key)

        def done(takes: PersonTakes) -> None:
            if generation == self._generation:
                self._show(takes)

        def failed(_exc: BaseException) -> None:  # the person was renamed or deleted meanwhile
            if generation == self._generation:
                self.show_person(None)

        workers.run_op(self, self.ctx, "People", lambda session, _p: work(session), done,
                       on_failed=failed, show_progress=False, report_errors=False)

    def _show(self, takes: PersonTakes) -> None:
        self.takes = takes
        self.heading.setText(f"<b>What {takes.name} takes with them</b>")
        if takes.leaves_on is None:
            when = "No leaving date."
        elif not takes.active:
            when = f"Left: last working day {takes.leaves_on.isoformat()}."
        else:
            days = (takes.leaves_on - takes.as_of).days
            when = f"Leaves on {takes.leaves_on.isoformat()} (in {days} days)"
            when += ", within the leaving window." if takes.leaving_soon else "."
        when += f" A current owner on {_count(takes.contracts_known, 'contract')} in scope."
        self.leaving.setText(when)
        self._fill_clauses(self.alone_model, takes.owned_alone, owners=False)
        self._fill_clauses(self.risk_model, takes.at_risk, owners=True)
        self.alone_label.setText(
            f"<b>{_count(len(takes.owned_alone), 'clause')}</b> they understand alone "
            "(orphaned if they leave)"
        )
        self.risk_label.setText(
            f"<b>{_count(len(takes.at_risk), 'clause')}</b> at risk that they own"
        )
        drops = len(takes.truck_factor_drops)
        self.drop_label.setText(
            f"<b>{_count(drops, 'contract')}</b> whose truck factor would drop"
        )
        model = self.drop_model
        model.removeRows(0, model.rowCount())
        for drop in takes.truck_factor_drops:
            model.appendRow(self._drop_row(drop))
        self.simulate_button.setEnabled(True)
        self.loaded.emit()

    @staticmethod
    def _fill_clauses(model: QStandardItemModel, refs: list[ClauseRef], owners: bool) -> None:
        model.removeRows(0, model.rowCount())
        for ref in refs:
            last = (_item(", ".join(ref.owners)) if owners
                    else _item(status_label(ref.status), ref.status))
            model.appendRow([_item(ref.contract), _item(ref.number), _item(ref.title),
                             _item(str(ref.criticality)), last])

    @staticmethod
    def _drop_row(drop: ContractDrop) -> list[QStandardItem]:
        def truck(value: int | None) -> str:
            return "—" if value is None else str(value)

        return [
            _item(drop.reference),
            _item(f"{truck(drop.truck_factor_before)} → {truck(drop.truck_factor_after)}"),
            _item(f"{ratio_text(drop.coverage_before)} → {ratio_text(drop.coverage_after)}"),
            _item(drop.title),
        ]

    def _simulate(self) -> None:
        if self.person_key is not None:
            self.simulate.emit(self.person_key)

    def _data_changed(self, entity: str) -> None:
        if entity in ENTITIES and self.person_key is not None:
            self._schedule()

    def _schedule(self) -> None:
        if self.person_key is None:
            return
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._dirty:
            self.refresh()
