"""The knowledge matrix of a contract or of a vendor's contracts, with its edit buttons.

Cells are edited in place (a level from 1 to 4, or no link), and the buttons add an owner,
remove links and re-verify the selected links; every edit is an undoable command
(app.ui.knowledge.commands). The matrix itself is computed on a worker by
app.services.knowledge_views.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import ClausekeeperError, ConflictError
from app.services.knowledge_views import KnowledgeMatrix, MatrixCell, MatrixClause, MatrixPerson
from app.ui import workers
from app.ui.context import AppContext
from app.ui.glossary import plain_tip
from app.ui.knowledge import commands
from app.ui.knowledge.commands import LinkKey
from app.ui.knowledge.matrix_model import (
    CONTRACT,
    CRITICALITY,
    FIRST_PERSON,
    NUMBER,
    PERSON_WIDTH,
    STATUS,
    TITLE,
    LevelDelegate,
    MatrixModel,
    MatrixTable,
    figures_text,
)
from app.ui.knowledge.person_picker import LEVEL_TEXTS, AddOwnerDialog
from app.ui.status_colors import STATUS_LABELS, swatch_style

ENTITIES = ("*", "Knowledge", "Person", "Clause", "Contract", "Setting")


def legend(parent: QWidget | None = None) -> QHBoxLayout:
    """Swatches of the four status colours."""
    row = QHBoxLayout()
    row.setSpacing(6)
    for status, text in STATUS_LABELS.items():
        swatch = QLabel(text, parent)
        swatch.setObjectName(f"legend_{status}")
        swatch.setStyleSheet(swatch_style(status))
        row.addWidget(swatch)
    return row


class MatrixWidget(QWidget):
    """The matrix of one contract or of a vendor's in-scope contracts, with its edit buttons."""

    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("knowledgeMatrix")
        self.ctx = ctx
        self.scope: tuple[str, str] | None = None  # ("contract", reference) or ("vendor", name)
        self._generation = 0
        self._dirty = False
        self.title = QLabel(self)
        self.title.setObjectName("matrixTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.figures = QLabel(self)
        self.figures.setObjectName("matrixFigures")
        self.figures.setWordWrap(True)
        self.model = MatrixModel(self)
        self.model.on_edit = self._edit_cell
        self.table = MatrixTable(self)
        self.table.setObjectName("matrixTable")
        self.table.setModel(self.model)
        self.table.setItemDelegate(LevelDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        triggers = QAbstractItemView.EditTrigger
        self.table.setEditTriggers(triggers.DoubleClicked | triggers.EditKeyPressed)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setDefaultSectionSize(PERSON_WIDTH)
        lines = self.table.horizontalHeader().fontMetrics().lineSpacing()
        self.table.horizontalHeader().setMinimumHeight(2 * lines + 10)  # name, leaving date
        self.table.horizontalHeader().setMinimumSectionSize(40)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.key_level.connect(self._key_level)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.level_button = QToolButton(self)
        self.level_button.setObjectName("setLevelButton")
        self.level_button.setText("Set &level")
        self.level_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.level_menu = QMenu(self.level_button)
        for level, text in LEVEL_TEXTS.items():
            action = QAction(text, self.level_menu)
            action.triggered.connect(lambda _c=False, lv=level: self.set_level(lv))
            self.level_menu.addAction(action)
        self.level_button.setMenu(self.level_menu)
        self.add_button = QPushButton("&Add owner…", self)
        self.add_button.setObjectName("addOwnerButton")
        self.add_button.clicked.connect(lambda _c=False: self.add_owner())
        self.remove_button = QPushButton("&Remove link", self)
        self.remove_button.setObjectName("removeLinkButton")
        self.remove_button.clicked.connect(lambda _c=False: self.remove_links())
        self.reverify_button = QPushButton("Re-&verify selected", self)
        self.reverify_button.setObjectName("reverifyButton")
        self.reverify_button.clicked.connect(lambda _c=False: self.reverify())
        ctx.gate.writes(self.level_button, self.add_button, self.remove_button,
                        self.reverify_button, self.table)
        self.hint = QLabel(self)
        self.hint.setStyleSheet("color: #555;")
        self.hint.setWordWrap(True)
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addLayout(legend(self))
        buttons = QHBoxLayout()
        buttons.addWidget(self.hint, 1)
        for widget in (self.level_button, self.add_button, self.remove_button,
                       self.reverify_button):
            buttons.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.figures)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._show_empty()
        ctx.data_changed.connect(self._data_changed)
        ctx.as_of_changed.connect(self._as_of_changed)

    # --- what is shown ------------------------------------------------------------------------

    def show_contract(self, reference: str) -> None:
        self._set_scope(("contract", reference))

    def show_vendor(self, vendor: str) -> None:
        self._set_scope(("vendor", vendor))

    def clear(self) -> None:
        self.scope = None
        self._generation += 1
        self.model.set_matrix(None)
        self._show_empty()

    def _set_scope(self, scope: tuple[str, str]) -> None:
        if scope == self.scope and self.model.matrix is not None and not self._dirty:
            return
        self.scope = scope
        self.refresh()

    def _show_empty(self) -> None:
        self.title.setText("No contract chosen")
        self.figures.setText("Select a clause to see who knows its contract's clauses.")
        self.hint.setText("")
        self._update_buttons()

    def refresh(self) -> workers.Op | None:
        if self.scope is None:
            return None
        self._dirty = False
        self._generation += 1
        generation = self._generation
        kind, name = self.scope
        as_of = self.ctx.as_of

        def work(session: Any) -> KnowledgeMatrix:
            from app.services import knowledge_views as views

            if kind == "vendor":
                return views.vendor_matrix(session, as_of, name)
            return views.contract_matrix(session, as_of, name)

        def done(matrix: KnowledgeMatrix) -> None:
            if generation == self._generation:
                self._show(matrix)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            if isinstance(exc, ClausekeeperError):  # deleted or renamed meanwhile
                self.model.set_matrix(None)
                self.title.setText(f"{name}: not found")
                self.figures.setText(" ".join(exc.lines()) or str(exc))
                self.hint.setText("")
                self._update_buttons()
            else:
                workers.show_error(self, exc, "Knowledge matrix")

        return workers.run_op(self, self.ctx, "Knowledge matrix",
                              lambda session, _progress: work(session), done,
                              on_failed=failed, show_progress=False, report_errors=False)

    def _show(self, matrix: KnowledgeMatrix) -> None:
        kept = self._selected_pairs()
        first = self.model.matrix is None
        self.model.set_matrix(matrix)
        single = len(matrix.contracts) == 1
        self.table.setColumnHidden(CONTRACT, single)
        if first:
            header = self.table.horizontalHeader()
            header.resizeSection(CONTRACT, 90)
            header.resizeSection(NUMBER, 60)
            header.resizeSection(TITLE, 220)
            header.resizeSection(CRITICALITY, 44)
            header.resizeSection(STATUS, 190)
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()
        for offset in range(len(matrix.people)):
            text = str(self.model.headerData(FIRST_PERSON + offset, Qt.Orientation.Horizontal))
            widest = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
            header.resizeSection(FIRST_PERSON + offset, max(PERSON_WIDTH, widest + 20))
        self.title.setText(matrix.title)
        parts = [figures_text(matrix.figures)]
        if single and not matrix.contracts[0].in_scope:
            parts.append("not in scope on the as-of date (not started, active or terminating)")
        self.figures.setText(" · ".join(parts))
        self.figures.setToolTip(plain_tip(  # a vendor's matrix: each contract's own figures
            "" if single else "\n".join(
                f"{c.reference}: {figures_text(c.figures)}" for c in matrix.contracts
            )
        ))
        self.hint.setText(
            f"{len(matrix.people)} people · blue: a current owner, grey: does not count · "
            "double-click a cell or type 1–4 to set a level, Delete to remove"
        )
        self._restore(kept)
        self._update_buttons()
        self.loaded.emit()

    # --- selection ----------------------------------------------------------------------------

    def _selected_pairs(self) -> list[tuple[int, int | None]]:
        """(clause id, person id or None for the fixed columns) of the selected cells."""
        pairs: list[tuple[int, int | None]] = []
        for index in self.table.selectionModel().selectedIndexes():
            clause = self.model.clause_at(index.row())
            if clause is None:
                continue
            person = self.model.person_at(index.column())
            pairs.append((clause.clause_id, person.id if person else None))
        return pairs

    def _restore(self, pairs: list[tuple[int, int | None]]) -> None:
        selection = self.table.selectionModel()
        for clause_id, person_id in pairs:
            row = self.model.row_of(clause_id)
            column = NUMBER if person_id is None else self.model.column_of(person_id)
            if row is not None and column is not None:
                selection.select(self.model.index(row, column), selection.SelectionFlag.Select)

    def select_cell(self, clause_number: str, person_name: str) -> bool:
        """Select one cell by clause number and person name (tests, keyboard users)."""
        matrix = self.model.matrix
        if matrix is None:
            return False
        row = next((r for r, c in enumerate(matrix.clauses) if c.number == clause_number), None)
        column = next(
            (FIRST_PERSON + i for i, p in enumerate(matrix.people) if p.name == person_name), None
        )
        if row is None or column is None:
            return False
        index = self.model.index(row, column)
        self.table.setCurrentIndex(index)
        self.table.selectionModel().select(
            index, self.table.selectionModel().SelectionFlag.ClearAndSelect
        )
        return True

    def selected_cells(self) -> list[tuple[MatrixClause, MatrixPerson, MatrixCell | None]]:
        found = []
        for index in sorted(self.table.selectionModel().selectedIndexes(),
                            key=lambda i: (i.row(), i.column())):
            clause = self.model.clause_at(index.row())
            person = self.model.person_at(index.column())
            if clause is not None and person is not None:
                found.append((clause, person, self.model.cell_at(index.row(), index.column())))
        return found

    def selected_clauses(self) -> list[MatrixClause]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedIndexes()})
        return [c for r in rows if (c := self.model.clause_at(r)) is not None]

    def _update_buttons(self, *_args: Any) -> None:
        cells = self.selected_cells() if self.model.matrix is not None else []
        linked = any(cell is not None for _c, _p, cell in cells)
        self.level_button.setEnabled(bool(cells))
        self.remove_button.setEnabled(linked)
        self.reverify_button.setEnabled(linked)
        self.add_button.setEnabled(
            self.model.matrix is not None and bool(self.table.selectionModel().selectedIndexes())
        )

    # --- edits --------------------------------------------------------------------------------

    @staticmethod
    def _key(clause: MatrixClause, person: MatrixPerson) -> LinkKey:
        return LinkKey(person.key, person.name, clause.contract, clause.number)

    def _run(self, action: Callable[[], Any]) -> bool:
        if not self.ctx.can_edit:  # typed levels too (the buttons are off: app.ui.editing)
            return False
        try:
            action()
        except ClausekeeperError as exc:
            workers.show_error(self, exc, "Knowledge")
            if isinstance(exc, ConflictError):  # show what the other desk saved
                self.refresh()
            return False
        return True

    def _edit_cell(self, clause: MatrixClause, person: MatrixPerson, level: int) -> bool:
        key = self._key(clause, person)
        cell = (None if self.model.matrix is None
                else self.model.matrix.cell(clause.clause_id, person.id))
        seen = [commands.seen_state(cell)]  # another desk's change since is refused
        if level == 0:
            if cell is None:
                return False
            return self._run(lambda: commands.remove_links(self.ctx, [key], seen))
        return self._run(lambda: commands.set_level(self.ctx, [key], level, seen))

    def _key_level(self, level: int) -> None:
        if level == 0:
            self.remove_links()
        else:
            self.set_level(level)

    def set_level(self, level: int) -> bool:
        cells = self.selected_cells()
        keys = [self._key(c, p) for c, p, _cell in cells]
        if not keys:
            return False
        seen = [commands.seen_state(cell) for _c, _p, cell in cells]
        return self._run(lambda: commands.set_level(self.ctx, keys, level, seen))

    def remove_links(self) -> bool:
        linked = [(c, p, cell) for c, p, cell in self.selected_cells() if cell is not None]
        keys = [self._key(c, p) for c, p, _cell in linked]
        if not keys:
            return False
        seen = [commands.seen_state(cell) for _c, _p, cell in linked]
        return self._run(lambda: commands.remove_links(self.ctx, keys, seen))

    def reverify(self) -> bool:
        chosen = [(self._key(c, p), cell.level, commands.seen_state(cell))
                  for c, p, cell in self.selected_cells() if cell is not None]
        if not chosen:
            return False
        keys, levels, seen = zip(*chosen, strict=True)
        return self._run(
            lambda: commands.reverify(self.ctx, list(keys), list(levels), list(seen)))

    def add_owner(self) -> AddOwnerDialog | None:
        clauses = self.selected_clauses()
        matrix = self.model.matrix
        if not clauses or matrix is None:
            return None
        from app.services.knowledge_views import people_choices

        with self.ctx.session() as session:
            people = people_choices(session)
        what = (
            f"{clauses[0].contract} §{clauses[0].number} {clauses[0].title}" if len(clauses) == 1
            else f"{len(clauses)} clauses"
        )
        dialog = AddOwnerDialog(self.ctx, people, what, matrix.settings.understanding_level,
                                self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            chosen = dialog.chosen()
            if chosen is None:
                return
            key, level = chosen
            name = next((p.name for p in people if p.key == key), key)
            links = [LinkKey(key, name, c.contract, c.number) for c in clauses]
            self._run(lambda: commands.add_owner(self.ctx, links, level))

        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def _context_menu(self, position: Any) -> None:
        menu = QMenu(self)
        for level, text in LEVEL_TEXTS.items():
            menu.addAction(f"Set level {text}", lambda lv=level: self.set_level(lv))
        menu.addSeparator()
        menu.addAction("Add owner…", self.add_owner)
        menu.addAction("Remove link", self.remove_links)
        menu.addAction("Re-verify", self.reverify)
        for action in menu.actions():
            action.setEnabled(self.ctx.can_edit)
        menu.popup(self.table.viewport().mapToGlobal(position))

    # --- refreshing ---------------------------------------------------------------------------

    def _data_changed(self, entity: str) -> None:
        if entity in ENTITIES and self.scope is not None:
            self._schedule()

    def _as_of_changed(self, _as_of: Any) -> None:
        if self.scope is not None:
            self._schedule()

    def _schedule(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._dirty:
            self.refresh()
