"""Form building blocks: fields that validate as the user types and explain problems inline.

A `Form` knows its fields by their SPEC §1 names, reads them as raw text (what the store actions
parse), shows one message under each field that has a problem and tracks unsaved changes. A
`FormDialog` adds OK/Cancel, keeps OK disabled while the form is invalid, saves through a
subclass's `save()` and asks before throwing edits away.

Two desks, one record: a dialog on an existing record remembers the version it loaded
(`loaded_version`) and saves with it. When another desk saved the record meanwhile, the store
refuses (ConflictError): the dialog stays open, says who changed it and when, and offers Reload,
which loads the stored values and the new version while the user's own unsaved values stay
listed beside them ("Your unsaved values", each with Use), so nothing is overwritten unseen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import ClausekeeperError, ConflictError, ConnectionLostError, NotFoundError
from app.store.portfolio_actions import FORM
from app.ui.date_input import DateInput, mark_invalid
from app.ui.glossary import header_tip, plain_tip
from app.ui.tables import ID_ROLE, ListTable

ERROR_STYLE = "color: #b00020;"
HINT_STYLE = "color: #555555;"


# --- display helpers --------------------------------------------------------------------------


def show_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# --- widgets ------------------------------------------------------------------------------------


class DateField(DateInput):
    """A form's date: typed or pasted as YYYY-MM-DD (empty allowed); the form says what is wrong."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(None, parent, checked=False)


def combo(options: list[tuple[str, str]], parent: QWidget | None = None) -> QComboBox:
    """A combo box of (stored value, shown label) pairs."""
    box = QComboBox(parent)
    for value, label in options:
        box.addItem(label, value)
    return box


def set_combo_value(box: QComboBox, value: str) -> None:
    """Select the item holding `value`; an editable combo shows unknown values as text."""
    index = box.findData(value)
    if index < 0 and value and not box.isEditable():
        box.addItem(value, value)  # a value the list does not know: keep it selectable
        index = box.count() - 1
    if index >= 0:
        box.setCurrentIndex(index)
    elif box.isEditable():
        box.setEditText(value)


def read_widget(widget: QWidget) -> str:
    if isinstance(widget, QLineEdit | DateField):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        if widget.isEditable():
            return widget.currentText()
        data = widget.currentData()
        return "" if data is None else str(data)
    raise TypeError(f"unsupported field widget {type(widget).__name__}")


def write_widget(widget: QWidget, value: str) -> None:
    if isinstance(widget, QLineEdit | DateField):
        widget.setText(value)
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText(value)
    elif isinstance(widget, QComboBox):
        set_combo_value(widget, value)
    else:
        raise TypeError(f"unsupported field widget {type(widget).__name__}")


def _changed_signal(widget: QWidget) -> Any:
    if isinstance(widget, QLineEdit | DateField):
        return widget.textChanged
    if isinstance(widget, QPlainTextEdit):
        return widget.textChanged
    if isinstance(widget, QComboBox):
        return widget.editTextChanged if widget.isEditable() else widget.currentIndexChanged
    raise TypeError(f"unsupported field widget {type(widget).__name__}")


def error_label(name: str, parent: QWidget | None = None) -> QLabel:
    """A field's inline message (Form.add keeps it shown, empty, so its line of room stays)."""
    label = QLabel(parent)
    label.setObjectName(f"error_{name}" if name else "error_form")
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setText("X")  # one line of text: the room a message needs
    label.setMinimumHeight(label.sizeHint().height())
    label.setText("")
    label.setVisible(False)
    return label


# --- the form ---------------------------------------------------------------------------------


class Form(QObject):
    """Named fields, their inline error labels and the values they were loaded with."""

    edited = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._widgets: dict[str, QWidget] = {}
        self._labels: dict[str, str] = {}
        self._errors: dict[str, QLabel] = {}
        self._baseline: dict[str, str] = {}
        self._loading = False
        self._touched: set[str] = set()
        self._rows: set[str] = set()  # fields whose message has a row of its own, kept shown
        self.form_error = error_label(FORM, parent)
        self._errors[FORM] = self.form_error

    def add(
        self, layout: QFormLayout, name: str, label: str, widget: QWidget, tip: str = ""
    ) -> QWidget:
        """Add a field row (label, widget, error label under it)."""
        widget.setObjectName(name)
        if tip:
            widget.setToolTip(plain_tip(tip))
        layout.addRow(f"{label}:", widget)
        # The message gets a row of its own, across the whole form (most fit on one line), and
        # that row is there from the start: a message appearing moves no field under the mouse.
        error = error_label(name, layout.parentWidget())
        error.setVisible(True)  # empty until there is a problem (a hidden row would collapse)
        layout.addRow(error)
        self._rows.add(name)
        self._widgets[name] = widget
        self._labels[name] = label
        self._errors[name] = error
        _changed_signal(widget).connect(lambda *_a, n=name: self._changed(n))
        return widget

    def add_plain(self, name: str, label: str, widget: QWidget) -> QLabel:
        """Register a field laid out by the caller; returns its error label to place."""
        widget.setObjectName(name)
        self._widgets[name] = widget
        self._labels[name] = label
        error = error_label(name)
        self._errors[name] = error
        _changed_signal(widget).connect(lambda *_a, n=name: self._changed(n))
        return error

    def _changed(self, name: str) -> None:
        if not self._loading:
            self._touched.add(name)
            self.edited.emit()

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Change widgets without counting it as the user's edit."""
        before, self._loading = self._loading, True
        try:
            yield
        finally:
            self._loading = before

    def touch_all(self) -> None:
        """Show the problems of every field, also of those the user has not edited yet."""
        self._touched.update(self._widgets)

    def widget(self, name: str) -> QWidget:
        return self._widgets[name]

    def widgets(self) -> list[QWidget]:
        """The fields in the order they were added."""
        return list(self._widgets.values())

    def names(self) -> list[str]:
        return list(self._widgets)

    def values(self) -> dict[str, str]:
        return {name: read_widget(widget) for name, widget in self._widgets.items()}

    def set_values(self, values: Mapping[str, str]) -> None:
        """Load values (no `edited` signal); they become the unsaved-changes baseline."""
        with self.quiet():
            for name, value in values.items():
                if name in self._widgets:
                    write_widget(self._widgets[name], value)
        self.mark_saved()

    def mark_saved(self) -> None:
        self._baseline = self.values()

    def is_dirty(self) -> bool:
        return self.values() != self._baseline

    def changed_values(self) -> dict[str, str]:
        current = self.values()
        return {k: v for k, v in current.items() if self._baseline.get(k) != v}

    def label_of(self, name: str) -> str:
        return self._labels.get(name, name)

    def message(self, name: str, text: str) -> str:
        """`field: reason` shown with the field's label: `Renewal term (months): reason`."""
        if name and text.startswith(f"{name}:"):
            return f"{self.label_of(name)}:{text[len(name) + 1 :]}"
        return text

    def reason(self, name: str, text: str) -> str:
        """`field: reason` without the field: what shows right under that field."""
        return text[len(name) + 1 :].strip() if name and text.startswith(f"{name}:") else text

    def show_problems(self, problems: Mapping[str, str]) -> None:
        """Show each problem under its field (others under the form) and mark the fields.

        Fields the user has not edited yet (on a new record) are not marked red; the form
        lists them quietly instead, and OK stays disabled until they are filled in.
        """
        loose = [text for name, text in problems.items() if name not in self._errors]
        waiting: list[str] = []
        form_text = ""
        for name, label in self._errors.items():
            text = problems.get(name, "")
            if name == FORM:
                text = form_text = "\n".join([text, *loose] if text else loose)
            elif text and name not in self._touched:
                waiting.append(self.label_of(name))
                text = ""
            if name in self._rows:  # right under the field: the reason, without its name
                label.setText(self.reason(name, text))
            else:
                label.setText(self.message(name, text))
                label.setVisible(bool(text))
            widget = self._widgets.get(name)
            if widget is not None:
                target = widget.edit if isinstance(widget, DateField) else widget
                mark_invalid(target, bool(text))
        if waiting and not form_text:
            self.form_error.setText(f"Still needed: {', '.join(waiting)}.")
            self.form_error.setStyleSheet(HINT_STYLE)
            self.form_error.setVisible(True)
        else:
            self.form_error.setStyleSheet(ERROR_STYLE)

    def problem_text(self, name: str) -> str:
        label = self._errors.get(name)
        return label.text() if label is not None and label.isVisible() else ""

    def shown(self, name: str, value: str) -> str:
        """A stored value as the field shows it (a combo's label, not its code)."""
        widget = self._widgets.get(name)
        if isinstance(widget, QComboBox) and not widget.isEditable():
            index = widget.findData(value)
            if index >= 0:
                return widget.itemText(index)
        return value


class ConflictPanel(QFrame):
    """Under the form's message when another desk saved first: Reload, then the user's values.

    After Reload the form holds the stored values; every field the user had changed is listed
    here with the value they typed and a Use button that puts it back into the field.
    """

    reload_requested = Signal()

    def __init__(self, form: Form, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictPanel")
        self.form = form
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#conflictPanel { background: #fff8e1; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        top = QHBoxLayout()
        self.note = QLabel(self)
        self.note.setObjectName("conflictNote")
        self.note.setWordWrap(True)
        self.reload_button = QPushButton("&Reload", self)
        self.reload_button.setObjectName("reloadButton")
        self.reload_button.setToolTip(plain_tip(
            "Load what is stored now; what you typed stays listed here to use again"))
        self.reload_button.clicked.connect(lambda _c=False: self.reload_requested.emit())
        self.use_all_button = QPushButton("Use &all mine", self)
        self.use_all_button.setObjectName("useAllMineButton")
        self.use_all_button.clicked.connect(lambda _c=False: self.use_all())
        top.addWidget(self.note, 1)
        top.addWidget(self.reload_button)
        top.addWidget(self.use_all_button)
        layout.addLayout(top)
        self.list = QWidget(self)
        self.grid = QGridLayout(self.list)
        self.grid.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.list)
        scroll.setMaximumHeight(150)
        scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget "
                             "{ background: transparent; }")
        self.scroll = scroll
        layout.addWidget(scroll)
        self.mine: dict[str, str] = {}
        self.use_buttons: dict[str, QPushButton] = {}
        self.hide()

    def offer_reload(self) -> None:
        """The save was refused: offer Reload (the message itself is in the form's error)."""
        self.note.setText("Someone else saved this record after you opened it.")
        self.reload_button.setVisible(True)
        self.reload_button.setEnabled(True)
        self.use_all_button.setVisible(False)
        self.scroll.setVisible(bool(self.mine))
        self.show()

    def show_mine(self, mine: Mapping[str, str], stored: Mapping[str, str]) -> None:
        """List the user's values that differ from the stored ones (after a reload)."""
        self.mine = {name: value for name, value in mine.items() if stored.get(name) != value}
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.use_buttons = {}
        for row, (name, value) in enumerate(self.mine.items()):
            label = QLabel(f"{self.form.label_of(name)}:", self.list)
            shown = self.form.shown(name, value)
            yours = QLabel(f"your value: {shown}" if shown else "your value: (empty)", self.list)
            yours.setObjectName(f"yours_{name}")
            yours.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            yours.setWordWrap(True)
            use = QPushButton("Use", self.list)
            use.setObjectName(f"use_{name}")
            use.clicked.connect(lambda _c=False, n=name: self.use(n))
            self.grid.addWidget(label, row, 0)
            self.grid.addWidget(yours, row, 1)
            self.grid.addWidget(use, row, 2)
            self.use_buttons[name] = use
        self.grid.setColumnStretch(1, 1)
        if self.mine:
            self.note.setText("Reloaded: the form shows what is stored now. Your unsaved values:")
        else:
            self.note.setText("Reloaded: the form shows what is stored now.")
        self.reload_button.setVisible(False)
        self.use_all_button.setVisible(bool(self.mine))
        self.scroll.setVisible(bool(self.mine))
        self.show()

    def use(self, name: str) -> None:
        """Put the user's value back into its field (an edit: the form becomes unsaved)."""
        if name in self.mine:
            write_widget(self.form.widget(name), self.mine[name])
            self.use_buttons[name].setEnabled(False)

    def use_all(self) -> None:
        for name in list(self.mine):
            self.use(name)

    def clear(self) -> None:
        self.mine = {}
        self.hide()


class FormDialog(QDialog):
    """A dialog around a Form: OK enabled only while valid, saves, asks before losing edits."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = Form(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.form.edited.connect(self.revalidate)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.accept)
        self._valid = False
        self._focused_once = False
        # the version of the record the form was loaded from (None: new, or not versioned)
        self.loaded_version: int | None = None
        self.conflict: ConflictError | None = None
        self.conflict_panel = ConflictPanel(self.form, self)
        self.conflict_panel.reload_requested.connect(self.reload_stored)

    # --- the record and its version (subclasses on existing records) -------------------------

    follows_changes = True  # an untouched form shows what another desk saved meanwhile

    def _record_changed(self, entity: str) -> None:
        """Another desk (or this one) changed records: a form without edits shows the record
        as stored now, and saves from its new version."""
        record = self.versioned()
        if record is None or entity not in ("*", record[0].entity):
            return
        if self.form.is_dirty() or self.conflict is not None or not self.isVisible():
            return
        from app.store.conflicts import record_version

        kind, record_id = record
        try:
            with self.ctx_session() as session:
                values = kind.values(session, record_id)
                version = record_version(session, kind.entity, record_id)
        except ClausekeeperError:  # deleted, or the server is away: saving will say so
            return
        if version != self.loaded_version:
            self.take_stored(values, version)
            self.revalidate()

    def versioned(self) -> tuple[Any, int] | None:
        """(kind, id) of the record edited (app.ui.undo.Kind), or None for a new one."""
        return None

    def read_version(self, session: Any) -> None:
        """Remember the stored version of the record (call where the values are loaded)."""
        from app.store.conflicts import record_version

        record = self.versioned()
        self.loaded_version = (
            None if record is None else record_version(session, record[0].entity, record[1]))

    def save_changes(
        self, kind: Any, record_id: int, changes: Mapping[str, str], text: str | None = None
    ) -> None:
        """Save the changed fields from the loaded version (an undoable command)."""
        from app.ui import undo

        ctx = getattr(self, "ctx", None)
        assert ctx is not None, "a dialog that saves has a ctx"
        try:
            command = undo.UpdateCommand(ctx, kind, record_id, changes, text,
                                         expected_version=self.loaded_version)
        except NotFoundError:  # deleted at another desk since the dialog opened
            raise self._deleted(kind, record_id) from None
        undo.execute(ctx, command)
        self.loaded_version = command.version_after

    def _deleted(self, kind: Any, record_id: int) -> ConflictError:
        """The conflict of a record that is gone: who deleted it and when (the audit trail)."""
        from app.store.conflicts import last_change

        with self.ctx_session() as session:
            who, when, key = last_change(session, kind.entity, record_id)
        return ConflictError(kind.entity, key or f"#{record_id}", who, when, deleted=True)

    def take_stored(self, values: Mapping[str, str], version: int | None) -> None:
        """Load stored values and their version (a refresh while the form has no edits)."""
        self.form.set_values(values)
        self.loaded_version = version

    def reload_stored(self) -> bool:
        """Reload: the stored values and version in the form, the user's own values listed."""
        from app.store.conflicts import record_version

        record = self.versioned()
        if record is None:
            return False
        kind, record_id = record
        mine = self.form.changed_values()  # what the user typed since the values were loaded
        try:
            with self.ctx_session() as session:
                values = kind.values(session, record_id)
                version = record_version(session, kind.entity, record_id)
        except NotFoundError:
            self.form.show_problems({FORM: f"This {kind.label} was deleted meanwhile; "
                                           "it can no longer be saved."})
            self.conflict_panel.reload_button.setEnabled(False)
            self.ok_button.setEnabled(False)
            return False
        self.take_stored(values, version)
        self.conflict = None
        self.form.touch_all()
        self.revalidate()
        self.conflict_panel.show_mine(mine, values)
        return True

    def ctx_session(self) -> Any:
        ctx = getattr(self, "ctx", None)
        if ctx is None:
            raise RuntimeError(f"{type(self).__name__} has no ctx")
        return ctx.session()

    def place_conflict_panel(self, layout: QBoxLayout) -> None:
        layout.addWidget(self.conflict_panel)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt naming)
        """The first time it opens, the cursor is in the first field that can take it."""
        super().showEvent(event)
        if not self._focused_once:
            self._focused_once = True
            ctx = getattr(self, "ctx", None)
            gate = getattr(ctx, "gate", None)
            if gate is not None:  # saving writes: off while editing is (app.ui.editing)
                gate.writes(self.ok_button)
            if ctx is not None and self.follows_changes:
                ctx.data_changed.connect(self._record_changed)
            first = self.first_field()
            if first is not None:
                first.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_field(self) -> QWidget | None:
        """The first enabled, editable field of the form (subclasses may choose another)."""
        for field in self.form.widgets():
            widget = field.focusProxy() or field
            if widget.isEnabled() and widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
                if not (isinstance(widget, QLineEdit) and widget.isReadOnly()):
                    return widget
        return None

    def finish_layout(
        self,
        layout: QVBoxLayout,
        fields: QFormLayout,
        values: Mapping[str, str] | None,
        *,
        existing: bool,
        width: int,
        caption: str | None = None,
    ) -> None:
        """Lay out the caption, fields, form-wide error and buttons; fill in and validate.

        An existing record's fields are all marked touched, so its problems show at once.
        """
        if caption:
            label = QLabel(caption, self)
            label.setStyleSheet("color: #555;")
            layout.addWidget(label)
        layout.addLayout(fields)
        layout.addWidget(self.form.form_error)
        self.place_conflict_panel(layout)
        layout.addWidget(self.buttons)
        if values:
            self.form.set_values(values)
        if existing:
            self.form.touch_all()
        self.resize(width, self.sizeHint().height())
        self.revalidate()

    @property
    def ok_button(self) -> QAbstractButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def problems(self) -> dict[str, str]:
        """The problems of the current values (subclasses)."""
        return {}

    def save(self) -> None:
        """Write the values (subclasses); raise ClausekeeperError when the store refuses."""

    def revalidate(self) -> bool:
        problems = self.problems()
        shown = dict(problems)
        if self.conflict is not None and FORM not in shown:  # stays until Reload or a save
            shown[FORM] = "\n".join(self.conflict.lines())
        self.form.show_problems(shown)
        self._valid = not problems
        gone = self.conflict is not None and self.conflict.deleted
        self.ok_button.setEnabled(self._valid and not gone)
        return self._valid

    def try_save(self) -> bool:
        """Validate and save; a refusal of the store is shown in the form, the dialog stays."""
        self.form.touch_all()
        if not self.revalidate():
            return False
        try:
            self.save()
        except ConflictError as exc:
            self.conflict = exc
            self.form.show_problems({FORM: "\n".join(exc.lines())})
            if exc.deleted:
                self.ok_button.setEnabled(False)
            else:
                self.conflict_panel.offer_reload()
            return False
        except ClausekeeperError as exc:
            if isinstance(exc, ConnectionLostError):
                ctx = getattr(self, "ctx", None)
                if ctx is not None:
                    ctx.connection_lost(str(exc))
            self.form.show_problems({FORM: "\n".join(exc.lines())})
            return False
        self.form.mark_saved()
        self.conflict = None
        self.conflict_panel.clear()
        return True

    def accept(self) -> None:
        if self.try_save():
            super().accept()

    def reject(self) -> None:
        """Escape, Cancel and the window's close button: ask first when there are edits."""
        if self.form.is_dirty() and not confirm_discard(self, self.try_save):
            return
        super().reject()


def confirm_discard(parent: QWidget, save: Callable[[], bool]) -> bool:
    """Ask what to do with unsaved changes: True when the dialog may close."""
    answer = QMessageBox.question(
        parent,
        "Unsaved changes",
        "You have unsaved changes. Save them?",
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Save,
    )
    if answer == QMessageBox.StandardButton.Save:
        return save()
    return answer == QMessageBox.StandardButton.Discard


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """A Yes/No question (No is the default)."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def align_right() -> Qt.AlignmentFlag:
    return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


# --- small record tables ------------------------------------------------------------------------

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # a Python value to sort on (None sorts last)


@dataclass(frozen=True)
class Column:
    """A column of a RecordsModel: its header, its native value and how that value is shown."""

    header: str
    value: Callable[[Any], Any]
    show: Callable[[Any], str] | None = None
    right: bool = False
    sort_value: Callable[[Any], Any] | None = None


class RecordsModel(QAbstractTableModel):
    """A table of plain records (dataclasses with an `id`), all loaded: lists of a few thousand."""

    def __init__(self, columns: list[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self._rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def row_of(self, record_id: int) -> int | None:
        for number, record in enumerate(self._rows):
            if getattr(record, "id", None) == record_id:
                return number
        return None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole:
            return header_tip(self.columns[section].header) or None
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        record = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.value(record)
            if column.show is not None:
                return column.show(value)
            if isinstance(value, date):
                return value.isoformat()
            return "" if value is None else str(value)
        if role == SORT_ROLE:
            value = column.value(record)
            return column.sort_value(value) if column.sort_value and value is not None else value
        if role == ID_ROLE:  # records without an id (a credit month, a summary row) have none
            return getattr(record, "id", None)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right:
            return align_right()
        return None


class RecordsProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE values (empty last) and filters on the shown text of every column."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    def lessThan(  # noqa: N802
        self,
        left: QModelIndex | QPersistentModelIndex,
        right: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        a = left.data(SORT_ROLE)
        b = right.data(SORT_ROLE)
        if a is None or b is None:
            # Empty values sort last in ascending order.
            return a is not None and b is None
        if isinstance(a, str) and isinstance(b, str):
            return a.casefold() < b.casefold()
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)


def record_table(parent: QWidget, model: QAbstractItemModel, name: str) -> ListTable:
    """A read-only, row-selecting, sortable table view (Enter opens a row: open_requested)."""
    table = ListTable(parent)
    table.setObjectName(name)
    table.setModel(model)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def selected_id(table: QTableView) -> int | None:
    """The id (ID_ROLE) of the selected row."""
    rows = table.selectionModel().selectedRows()
    if not rows:
        return None
    value = rows[0].data(ID_ROLE)
    return int(value) if value is not None else None
