"""Which buttons, actions and tables write, and one switch that turns them all off.

Editing stops while the database is read-only (a read-only role or file) or the connection to
the server is lost; exports, the calendar, filters and the as-of date keep working. Every place
that writes registers its controls once (`ctx.gate.writes(...)`); the gate then disables them
centrally and gives them back their own state when editing may go on.

A control's own logic (Edit enabled only with a selection) keeps working meanwhile: what it asks
for while the gate is closed is remembered and applied when the gate opens again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QWidget

from app.ui.glossary import plain_tip

NO_EDITING = QAbstractItemView.EditTrigger.NoEditTriggers


class WriteGate(QObject):
    """Open: editing allowed. Closed: every registered control is disabled (with a reason)."""

    changed = Signal(bool)  # True when editing is allowed again

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open = True
        self._reason = ""
        self._busy = False
        # key -> (object, wanted state): widgets and actions their enabled state, views their
        # edit triggers
        self._widgets: dict[int, tuple[QWidget, bool]] = {}
        self._actions: dict[int, tuple[QAction, bool]] = {}
        self._views: dict[int, tuple[QAbstractItemView, Any]] = {}
        self._shortcuts: dict[int, QShortcut] = {}
        self._tips: dict[int, str] = {}

    @property
    def is_open(self) -> bool:
        return self._open

    @property
    def reason(self) -> str:
        """Why editing is off ("" while it is on)."""
        return "" if self._open else self._reason

    # registering ------------------------------------------------------------------------------

    def writes(self, *items: QWidget | QAction | QShortcut | QAbstractItemView) -> None:
        """These controls change the database: off while the gate is closed."""
        for item in items:
            key = id(item)
            if isinstance(item, QAbstractItemView):
                if key in self._views:
                    continue
                self._views[key] = (item, item.editTriggers())
                if not self._open:
                    item.setEditTriggers(NO_EDITING)
            elif isinstance(item, QWidget):
                if key in self._widgets:
                    continue
                self._widgets[key] = (item, _own_enabled(item))
                item.installEventFilter(self)
                if not self._open:
                    self._disable(item)
            elif isinstance(item, QAction):
                if key in self._actions:
                    continue
                self._actions[key] = (item, item.isEnabled())
                item.changed.connect(lambda a=item: self._action_changed(a))
                if not self._open:
                    self._disable(item)
            elif isinstance(item, QShortcut):  # nothing else switches shortcuts
                if key in self._shortcuts:
                    continue
                self._shortcuts[key] = item
                item.setEnabled(self._open)
            else:
                raise TypeError(f"cannot gate {type(item).__name__}")
            item.destroyed.connect(lambda _obj=None, k=key: self._forget(k))

    def _forget(self, key: int) -> None:
        self._widgets.pop(key, None)
        self._actions.pop(key, None)
        self._views.pop(key, None)
        self._shortcuts.pop(key, None)
        self._tips.pop(key, None)

    # opening and closing ----------------------------------------------------------------------

    def close(self, reason: str) -> None:
        """Turn editing off (again, with a new reason: only the tooltips change)."""
        self._reason = reason
        if not self._open:
            self._set_tips()
            return
        self._open = False
        with self._quiet():
            for key, (widget, _wanted) in list(self._widgets.items()):
                if shiboken6.isValid(widget):
                    self._widgets[key] = (widget, _own_enabled(widget))
                    self._disable(widget)
            for key, (action, _wanted) in list(self._actions.items()):
                if shiboken6.isValid(action):
                    self._actions[key] = (action, action.isEnabled())
                    self._disable(action)
            for key, (view, _triggers) in list(self._views.items()):
                if shiboken6.isValid(view):
                    self._views[key] = (view, view.editTriggers())
                    view.setEditTriggers(NO_EDITING)
            for shortcut in self._shortcuts.values():
                if shiboken6.isValid(shortcut):
                    shortcut.setEnabled(False)
        self._set_tips()
        self.changed.emit(False)

    def open(self) -> None:
        """Editing is allowed again: every control gets the state its own logic asked for."""
        if self._open:
            return
        self._open = True
        with self._quiet():
            for widget, wanted in self._widgets.values():
                if shiboken6.isValid(widget):
                    widget.setEnabled(wanted)
            for action, wanted in self._actions.values():
                if shiboken6.isValid(action):
                    action.setEnabled(wanted)
            for view, triggers in self._views.values():
                if shiboken6.isValid(view):
                    view.setEditTriggers(triggers)
            for shortcut in self._shortcuts.values():
                if shiboken6.isValid(shortcut):
                    shortcut.setEnabled(True)
        self._restore_tips()
        self.changed.emit(True)

    # keeping controls off while closed ------------------------------------------------------

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        before, self._busy = self._busy, True
        try:
            yield
        finally:
            self._busy = before

    def _disable(self, item: QWidget | QAction) -> None:
        with self._quiet():
            item.setEnabled(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if (event.type() == QEvent.Type.EnabledChange and not self._open and not self._busy
                and isinstance(watched, QWidget)):
            key = id(watched)
            if key in self._widgets and _own_enabled(watched):
                self._widgets[key] = (watched, True)  # asked for while closed: later
                self._disable(watched)
        return False

    def _action_changed(self, action: QAction) -> None:
        if self._open or self._busy or not shiboken6.isValid(action):
            return
        key = id(action)
        if key in self._actions and action.isEnabled():
            self._actions[key] = (action, True)
            self._disable(action)

    def _set_tips(self) -> None:
        for key, (widget, _w) in self._widgets.items():
            if shiboken6.isValid(widget):
                self._tips.setdefault(key, widget.toolTip())
                widget.setToolTip(plain_tip(self._reason))
        for key, (action, _w) in self._actions.items():
            if shiboken6.isValid(action):
                self._tips.setdefault(key, action.toolTip())
                with self._quiet():
                    action.setToolTip(plain_tip(self._reason))

    def _restore_tips(self) -> None:
        for key, tip in self._tips.items():
            widget = self._widgets.get(key)
            if widget is not None and shiboken6.isValid(widget[0]):
                widget[0].setToolTip(plain_tip(tip))
            action = self._actions.get(key)
            if action is not None and shiboken6.isValid(action[0]):
                with self._quiet():
                    action[0].setToolTip(plain_tip(tip))
        self._tips.clear()


def _own_enabled(widget: QWidget) -> bool:
    """Enabled by its own setting (a disabled parent aside)."""
    return not widget.testAttribute(Qt.WidgetAttribute.WA_ForceDisabled)
