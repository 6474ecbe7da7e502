"""Step 2: which field each column holds, and the options for what a row leaves open."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.ui import settings_store
from app.ui.glossary import plain_tip
from app.ui.import_wizard.state import FIELD_LABELS, IGNORED

if TYPE_CHECKING:
    from app.ui.import_wizard.wizard import ImportWizard

RENEWAL_CHOICES = ("none", "auto", "option", "evergreen")
SAMPLES = 3


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Columns")
        self.setSubTitle("Pick the field each column holds (* = required). Columns left as "
                         "ignored are not imported.")
        self._signature: str | None = None
        self.combos: list[QComboBox] = []

        layout = QVBoxLayout(self)
        self.origin = QLabel()
        self.origin.setObjectName("mappingOrigin")
        layout.addWidget(self.origin)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("mappingTable")
        self.table.setHorizontalHeaderLabels(["Column", "Sample values", "Field"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)

        self.status = QLabel()
        self.status.setObjectName("mappingStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        options = QFormLayout()
        self.dayfirst = QCheckBox("Dates are day-first (03/04/2025 is 3 April)")
        self.dayfirst.setObjectName("dayFirst")
        options.addRow("Dates:", self.dayfirst)
        self.currency = QLineEdit("EUR")
        self.currency.setObjectName("defaultCurrency")
        self.currency.setMaxLength(3)
        self.currency.setMaximumWidth(80)
        self.currency.textChanged.connect(lambda _t: self._changed())
        options.addRow("Currency when a row names none:", self.currency)
        self.renewal = QComboBox()
        self.renewal.setObjectName("defaultRenewal")
        self.renewal.addItems(RENEWAL_CHOICES)
        self.renewal.setMaximumWidth(160)
        options.addRow("Renewal type when a row has none:", self.renewal)
        row = QHBoxLayout()
        row.addLayout(options, 1)
        self.recognise_button = QPushButton("Recognise again")
        self.recognise_button.setObjectName("recogniseAgain")
        self.recognise_button.setToolTip(plain_tip(
            "Map the columns from their names, forgetting the mapping remembered for them"))
        self.recognise_button.clicked.connect(lambda: self._fill(remembered=False))
        row.addWidget(self.recognise_button)
        layout.addLayout(row)

    # filling -----------------------------------------------------------------------------------

    def initializePage(self) -> None:
        signature = self._wizard.state.signature()
        if signature != self._signature:
            self._signature = signature
            self._fill(remembered=True)

    def _fill(self, *, remembered: bool) -> None:
        from app.reports.foreign_register import recognise_columns

        state = self._wizard.state
        table = state.table
        headers: list[str] = table.headers
        memory = settings_store.remembered_mapping(state.signature()) if remembered else None
        columns = _remembered_columns(memory, len(headers))
        if columns is not None and memory is not None:
            self.origin.setText("The mapping you used last time for a file with these columns.")
            self.dayfirst.setChecked(bool(memory.get("dayfirst")))
            self.currency.setText(str(memory.get("currency") or "EUR"))
            self.renewal.setCurrentText(str(memory.get("renewal") or "none"))
        else:
            columns = recognise_columns(headers)
            known = len(columns)
            self.origin.setText(f"{known} of {len(headers)} columns were recognised from "
                                "their names.")
        by_index = {index: name for name, index in columns.items()}
        self.table.setRowCount(len(headers))
        self.combos = []
        for i, header in enumerate(headers):
            self.table.setItem(i, 0, QTableWidgetItem(header or f"(column {i + 1})"))
            self.table.setItem(i, 1, QTableWidgetItem(_samples(table.rows, i)))
            combo = QComboBox()
            combo.setObjectName(f"field_{i}")
            combo.addItem(IGNORED, None)
            for name, label in FIELD_LABELS.items():
                combo.addItem(label, name)
            chosen = by_index.get(i)
            combo.setCurrentIndex(combo.findData(chosen) if chosen else 0)
            combo.currentIndexChanged.connect(lambda _i: self._changed())
            self.table.setCellWidget(i, 2, combo)
            self.combos.append(combo)
        self._changed()

    def set_field(self, column: int, name: str | None) -> None:
        """Map column `column` (0-based) to the field `name`, or ignore it (None)."""
        combo = self.combos[column]
        combo.setCurrentIndex(combo.findData(name) if name else 0)

    def mapping(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for index, combo in enumerate(self.combos):
            name = combo.currentData()
            if name:
                result.setdefault(name, index)
        return result

    # checking ----------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        from app.reports.foreign_register import REQUIRED

        chosen = [combo.currentData() for combo in self.combos if combo.currentData()]
        problems = []
        missing = [FIELD_LABELS[n].rstrip(" *") for n in REQUIRED if n not in chosen]
        if missing:
            problems.append("Required, not yet mapped: " + ", ".join(missing) + ".")
        twice = sorted({n for n in chosen if chosen.count(n) > 1})
        if twice:
            problems.append("Mapped to more than one column: "
                            + ", ".join(FIELD_LABELS[n].rstrip(" *") for n in twice) + ".")
        text = self.currency.text().strip()
        if len(text) != 3 or not text.isalpha():
            problems.append("The currency must be a three-letter code such as EUR.")
        return problems

    def _changed(self) -> None:
        problems = self.problems()
        if problems:
            self.status.setText("<span style='color:#b00020'>" + " ".join(problems) + "</span>")
        else:
            ignored = sum(1 for combo in self.combos if not combo.currentData())
            columns = "1 column is" if ignored == 1 else f"{ignored} columns are"
            self.status.setText(f"Every required field is mapped; {columns} ignored.")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.combos) and not self.problems()

    def validatePage(self) -> bool:
        state = self._wizard.state
        state.columns = self.mapping()
        state.dayfirst = self.dayfirst.isChecked()
        state.currency = self.currency.text().strip().upper()
        state.renewal = self.renewal.currentText()
        return True


def _samples(rows: list[tuple[int, list[Any]]], index: int) -> str:
    found: list[str] = []
    for _, values in rows:
        if index < len(values):
            value = values[index]
            text = "" if value is None else str(value).strip()
            if hasattr(value, "isoformat"):
                text = str(value.isoformat())[:10]
            if text and text not in found:
                found.append(text[:40])
        if len(found) >= SAMPLES:
            break
    return "  ·  ".join(found)


def _remembered_columns(memory: dict[str, object] | None, width: int) -> dict[str, int] | None:
    if not memory or not isinstance(memory.get("columns"), dict):
        return None
    columns: dict[str, int] = {}
    for name, index in memory["columns"].items():  # type: ignore[union-attr]
        if name in FIELD_LABELS and isinstance(index, int) and 0 <= index < width:
            columns[name] = index
    return columns
