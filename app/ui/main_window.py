"""The main window: navigation, pages, menus, toolbar and the status bar with the as-of date.

The window can be shown before its database is open (`MainWindow()` then `attach(ctx)`), so the
application appears at once while SQLAlchemy loads and the database opens in the background; this
module therefore imports nothing of the store at import time. Pages are built the first time they
are shown, and each computes what it shows on a worker (app.ui.workers).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import ClausekeeperError
from app.ui import file_actions, glossary, icons, settings_store, workers
from app.ui.date_input import DateInput, to_date
from app.ui.file_actions import ask_save_path
from app.ui.glossary import plain_tip
from app.ui.saved_file import SavedFileBar
from app.ui.team_banner import TeamBanner

if TYPE_CHECKING:
    from app.services.dashboard_figures import DashboardFigures
    from app.store.engine import Database
    from app.ui.context import AppContext
    from app.ui.dashboard import DashboardView

PAGES = ("Dashboard", "Renewals", "Contracts", "Vendors", "People", "Knowledge", "SLAs")
EXPORT_KINDS = (
    ("register", "&Register workbook…", "register"),
    ("renewals", "Re&newals report…", "renewals"),
    ("knowledge", "&Knowledge report…", "knowledge"),
    ("sla", "&SLA report…", "sla"),
)
# the report Ctrl+E writes from each page (the register elsewhere)
PAGE_EXPORT = {"Renewals": "renewals", "Knowledge": "knowledge", "SLAs": "sla"}
AS_OF_NOTE_STYLE = "background: #fff3c4; color: #5c4400; font-weight: bold; padding: 1px 6px;"
AS_OF_PROBLEM_STYLE = "background: #fde7ea; color: #b00020; font-weight: bold; padding: 1px 6px;"
DB_FILTER = "Clausekeeper database (*.db *.sqlite *.sqlite3);;All files (*)"

_EXTERNAL_VIEWS = {
    "Contracts": ("app.ui.contracts_view", "ContractsView"),
    "Vendors": ("app.ui.vendors_view", "VendorsView"),
    "People": ("app.ui.people_view", "PeopleView"),
}
_PAGE_ICONS = {
    "Dashboard": QStyle.StandardPixmap.SP_ComputerIcon,
    "Renewals": QStyle.StandardPixmap.SP_BrowserReload,
    "Contracts": QStyle.StandardPixmap.SP_FileDialogDetailedView,
    "Vendors": QStyle.StandardPixmap.SP_DirHomeIcon,
    "People": QStyle.StandardPixmap.SP_FileDialogInfoView,
    "Knowledge": QStyle.StandardPixmap.SP_MessageBoxQuestion,
    "SLAs": QStyle.StandardPixmap.SP_FileDialogContentsView,
}


def external_view(name: str) -> Callable[[AppContext], QWidget] | None:
    """The Contracts/Vendors/People view class, when its module exists."""
    module_name, class_name = _EXTERNAL_VIEWS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    view = getattr(module, class_name, None)
    return view if isinstance(view, type) and issubclass(view, QWidget) else None


class ElidedLabel(QLabel):
    """A label that shortens its text in the middle instead of widening the window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(80)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        metrics = self.fontMetrics()
        text = metrics.elidedText(self.text(), Qt.TextElideMode.ElideMiddle, self.width())
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.drawText(self.rect(), int(align), text)


class PlaceholderPage(QWidget):
    """Stands in for a view that is not part of this build."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        heading = QLabel(f"<h2>{title}</h2><p>{text}</p>")
        heading.setWordWrap(True)
        heading.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(heading)
        layout.addStretch(1)

    def refresh(self) -> None:
        """Nothing to compute."""


class AsOfDialog(QDialog):
    """View ▸ As-of date…: "show me the portfolio as of 2027-03-01"."""

    def __init__(self, current: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("As-of date")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Compute every view as of (YYYY-MM-DD):"))
        self.edit = DateInput(current)
        self.edit.setObjectName("asOfDialogEdit")
        layout.addWidget(self.edit)
        self.problem = self.edit.problem_label(self)
        self.problem.setObjectName("asOfDialogProblem")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        today = buttons.addButton("Today", QDialogButtonBox.ButtonRole.ResetRole)
        today.clicked.connect(lambda: self.edit.setDate(date.today()))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.edit.setFocus()

    def _accept(self) -> None:
        if self.edit.commit():
            self.accept()

    def chosen(self) -> date:
        value = self.edit.value()
        assert value is not None
        return value


class MainWindow(QMainWindow):
    page_changed = Signal(str)
    ready = Signal()  # a database is attached and the first page is shown

    def __init__(self, ctx: AppContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._ctx: AppContext | None = None
        self.setWindowIcon(icons.app_icon())
        self._pages: dict[str, QWidget] = {}
        self._slots: dict[str, QWidget] = {}
        self._preview: DashboardView | None = None  # shown before the database is open
        self._deferred: tuple[str, dict[str, Any] | None] | None = None  # asked for meanwhile

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(176)
        self.nav.setSpacing(2)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        for name in PAGES:
            item = QListWidgetItem(icons.standard(_PAGE_ICONS[name]), name)
            item.setSizeHint(QSize(160, 34))
            self.nav.addItem(item)
            slot = QWidget()  # replaced by the page the first time it is shown
            self._slots[name] = slot
            self.stack.addWidget(slot)
        self.nav.currentRowChanged.connect(self._nav_changed)
        # a click or Enter on a page name moves into the page (arrow keys stay in the list)
        self.nav.itemActivated.connect(lambda _item: self.focus_page())
        self.nav.itemClicked.connect(lambda _item: self.focus_page())
        self.waiting = QLabel()
        self.waiting.setObjectName("waitingPage")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting.setWordWrap(True)
        self.stack.addWidget(self.waiting)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        # where every export and backup says where its file went (app.ui.saved_file.announce)
        self.saved_bar = SavedFileBar()
        # why editing is off: a read-only database, a lost connection (app.ui.team_banner)
        self.team_banner = TeamBanner()
        self.watcher: Any = None  # app.ui.change_watcher.ChangeWatcher, once attached
        self.monitor: Any = None  # app.ui.connection_monitor.ConnectionMonitor
        pages = QVBoxLayout()
        pages.setContentsMargins(0, 0, 0, 0)
        pages.setSpacing(0)
        pages.addWidget(self.team_banner)
        pages.addWidget(self.saved_bar)
        pages.addWidget(self.stack, 1)
        layout.addLayout(pages, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()

        self.resize(1280, 800)
        settings_store.restore_window(self)
        if ctx is None:
            self.show_waiting("Opening the database…")
        else:
            self.attach(ctx)

    # the database ---------------------------------------------------------------------------

    @property
    def ctx(self) -> AppContext:
        """The application context (only once a database is attached)."""
        if self._ctx is None:
            raise RuntimeError("no database is open yet")
        return self._ctx

    @property
    def has_database(self) -> bool:
        return self._ctx is not None

    def show_waiting(self, text: str) -> None:
        """Before a database is attached: say what is happening; only database-free actions."""
        self.waiting.setText(text)
        self.db_label.setText(text)
        self.stack.setCurrentWidget(self.waiting)
        self.setWindowTitle("Clausekeeper")
        for action in self._database_actions:
            action.setEnabled(False)
        self.nav.setEnabled(False)
        self.as_of_edit.setEnabled(False)

    def attach(self, ctx: AppContext) -> None:
        """Use `ctx` (its database and as-of date) from now on; shows the first page."""
        if self._ctx is not None:
            raise RuntimeError("a database is attached already; use use_database")
        self._ctx = ctx
        ctx.database_changed.connect(self._database_changed)
        ctx.as_of_changed.connect(self._as_of_changed)
        stack = ctx.undo_stack
        stack.canUndoChanged.connect(self.undo_action.setEnabled)
        stack.canRedoChanged.connect(self.redo_action.setEnabled)
        stack.undoTextChanged.connect(self._undo_text)
        stack.redoTextChanged.connect(self._redo_text)
        self._undo_text(stack.undoText())
        self._redo_text(stack.redoText())
        self.undo_action.setEnabled(stack.canUndo())
        self.redo_action.setEnabled(stack.canRedo())
        for action in self._database_actions:
            if action not in (self.undo_action, self.redo_action):
                action.setEnabled(True)
        self.nav.setEnabled(True)
        self.as_of_edit.setEnabled(True)
        self._attach_team(ctx)
        self._database_changed()
        self._as_of_changed(ctx.as_of)
        if self._preview is not None:
            self._preview.use_context(ctx)
            self._preview = None
        deferred, self._deferred = self._deferred, None
        if deferred is not None:
            name, filters = deferred
            if filters is None:
                self.show_page(name)
            else:
                self.show_filtered(name, filters)
        else:
            start = settings_store.last_page()
            self.show_page(start if start in PAGES else "Dashboard")
        self.ready.emit()

    def show_preview(self, figures: DashboardFigures) -> None:
        """Before the database is open: the dashboard with figures the figure cache kept, when
        they are those of the data as it is now (app.services.dashboard_preview). The window is
        usable at once: a page that needs the database is shown as soon as it is open."""
        from app.ui.dashboard import DashboardView

        view = DashboardView(None)
        view.open_view.connect(self.show_filtered)
        view.contract_activated.connect(self.show_deadline)
        view.show_figures(figures)
        self._install("Dashboard", view)
        self._preview = view
        self.nav.setEnabled(True)
        self.show_page("Dashboard")

    def _attach_team(self, ctx: AppContext) -> None:
        """Editing actions through the context's write gate; another desk's changes watched;
        a lost server pinged until it is back."""
        from app.ui.change_watcher import ChangeWatcher
        from app.ui.connection_monitor import ConnectionMonitor

        ctx.gate.writes(*self._write_actions)
        ctx.gate.changed.connect(lambda _open: self._show_team_state())
        ctx.connection_changed.connect(lambda _connected: self._show_team_state())
        self.watcher = ChangeWatcher(ctx, parent=self)
        self.monitor = ConnectionMonitor(ctx, parent=self)
        self.watcher.start()

    def _show_team_state(self) -> None:
        """The banner and the status bar say why editing is off (read-only, connection lost)."""
        if self._ctx is None:
            self.team_banner.clear()
            return
        ctx = self._ctx
        if not ctx.connected:
            self.team_banner.show_lost(
                f"Connection to {ctx.where()} lost — retrying… Editing is paused; what you "
                "saved before is safe.")
            self.statusBar().showMessage(f"Connection to {ctx.where()} lost — retrying…")
        elif ctx.read_only:
            user = ctx.database_user()
            if ctx.db.is_sqlite:
                who = f"this file is read-only for {user}: you" if user else "you"
            else:
                who = f"the database user {user}" if user else "you"
            self.team_banner.show_read_only(
                f"Read-only: {who} may look at everything and export it, but not change "
                "anything here.")
            self.statusBar().clearMessage()
        else:
            if self.team_banner.kind == "lost":
                self.statusBar().showMessage(f"Connected to {ctx.where()} again.", 10_000)
            self.team_banner.clear()

    def _undo_text(self, text: str) -> None:
        self.undo_action.setText(f"&Undo {text}".strip())

    def _redo_text(self, text: str) -> None:
        self.redo_action.setText(f"&Redo {text}".strip())

    # pages ----------------------------------------------------------------------------------

    def _create_page(self, name: str) -> QWidget:
        from app.ui.dashboard import DashboardView

        ctx = self.ctx
        if name == "Dashboard":
            dashboard = DashboardView(ctx)
            dashboard.open_view.connect(self.show_filtered)
            dashboard.contract_activated.connect(self.show_deadline)
            return dashboard
        if name == "Renewals":
            from app.ui.renewals_view import RenewalsView  # the page's module when it opens

            renewals = RenewalsView(ctx)
            renewals.contract_activated.connect(self.open_contract)
            return renewals
        if name == "Knowledge":
            from app.ui.knowledge import KnowledgeWorkspace

            return KnowledgeWorkspace(ctx)
        if name == "SLAs":
            from app.ui.sla import SlaWorkspace

            return SlaWorkspace(ctx)
        view = external_view(name)
        if view is None:
            return PlaceholderPage(name, f"The {name.lower()} view is not part of this build yet.")
        return view(ctx)

    def page(self, name: str) -> QWidget:
        """The page called `name`, built on first use (the waiting page while no database is
        open: the page is shown once it is)."""
        if name not in PAGES:
            raise KeyError(name)
        page = self._pages.get(name)
        if page is None:
            if self._ctx is None:
                self._deferred = (name, None)
                return self.waiting
            page = self._create_page(name)
            self._install(name, page)
        return page

    def _install(self, name: str, page: QWidget) -> None:
        """Put the page where its slot was in the stack."""
        page.setObjectName(page.objectName() or f"{name.lower()}Page")
        slot = self._slots.pop(name)
        index = self.stack.indexOf(slot)
        self.stack.insertWidget(index, page)
        self.stack.removeWidget(slot)
        slot.deleteLater()
        self._pages[name] = page

    def built_pages(self) -> dict[str, QWidget]:
        return dict(self._pages)

    def show_page(self, name: str, *, focus: bool = False) -> QWidget:
        page = self.page(name)
        if page is not self.waiting:  # a page shown (the preview): nothing left to show later
            self._deferred = None
        self.stack.setCurrentWidget(page)
        row = PAGES.index(name)
        if self.nav.currentRow() != row:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)
        self.page_changed.emit(name)
        if focus:
            self.focus_page()
        return page

    def focus_page(self) -> QWidget | None:
        """Put the keyboard focus into the current page: its list, else its first field."""
        page = self.stack.currentWidget()
        if page is None or page is self.waiting:
            return None
        table = getattr(page, "table", None)
        if isinstance(table, QWidget) and table.isVisible() and table.isEnabled():
            table.setFocus(Qt.FocusReason.OtherFocusReason)
            return table
        widget = page.nextInFocusChain()
        for _ in range(500):  # the focus chain is a ring; stop where it leaves the page
            if widget is None or widget is page:
                break
            if (page.isAncestorOf(widget) and widget.isVisible() and widget.isEnabled()
                    and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                return widget
            widget = widget.nextInFocusChain()
        return None

    def current_page_name(self) -> str:
        return PAGES[max(self.nav.currentRow(), 0)]

    def _nav_changed(self, row: int) -> None:
        if 0 <= row < len(PAGES):
            self.show_page(PAGES[row])

    def show_renewals(self, within: int | None = None) -> None:
        """The renewals list with the deadlines within `within` days (its other filters cleared)."""
        self.show_filtered("Renewals", {"within": within})

    def show_filtered(self, name: str, filters: dict[str, Any]) -> QWidget:
        """Show a page with exactly these filters (they replace the page's own), when it has
        `apply_filters`; "Needs review" opens the list of contracts to complete."""
        from app.ui.dashboard import NEEDS_REVIEW

        if self._ctx is None:  # the database is still opening: shown once it is open
            if name in PAGES:
                self.show_page(name)
            self._deferred = (name, dict(filters))
            return self.waiting
        if name == NEEDS_REVIEW:
            return self.show_needs_review()
        page = self.show_page(name)
        apply = getattr(page, "apply_filters", None)
        if callable(apply):
            apply(dict(filters))
        return page

    def show_knowledge(self, filters: dict[str, Any]) -> QWidget:
        return self.show_filtered("Knowledge", filters)

    def show_deadline(self, reference: str) -> QWidget:
        """The renewals list, unfiltered, with this contract selected."""
        return self.show_filtered("Renewals", {"select": reference})

    def open_contract(self, reference: str) -> None:
        """Open the contract's editor; closing it comes back to the page it was opened from."""
        origin = self.current_page_name()
        view = self.show_page("Contracts")
        for method in ("open_contract", "select_contract", "show_contract"):
            action = getattr(view, method, None)
            if callable(action):
                editor = action(reference)
                finished = getattr(editor, "finished", None)
                if origin != "Contracts" and finished is not None:
                    finished.connect(lambda _result: self.show_page(origin, focus=True))
                return

    # actions --------------------------------------------------------------------------------

    def _action(
        self, text: str, slot: Callable[[], Any],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        icon: QIcon | None = None, tip: str | None = None, name: str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(icon)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(plain_tip(tip))
        if name:
            action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.new_db_action = self._action(
            "&New database…", self.new_database, None, icons.standard(sp.SP_FileIcon),
            "Create an empty database file", "newDatabase")
        self.open_db_action = self._action(
            "&Open database…", self.open_database_dialog, QKeySequence.StandardKey.Open,
            icons.standard(sp.SP_DialogOpenButton), "Open another database file", "openDatabase")
        self.import_action = self._action(
            "&Import register…", self.import_register, None,
            icons.standard(sp.SP_ArrowDown),
            "Import a register: a CSV or Excel list, or a register workbook", "importRegister")
        self.imports_action = self._action(
            "Im&ports…", self.show_imports, None, None,
            "The imports recorded; take one back", "showImports")
        self.needs_review_action = self._action(
            "Contracts needing &review…", self.show_needs_review, None, None,
            "Complete the contracts an import left without an initial term", "needsReview")
        self.export_actions: dict[str, QAction] = {}
        for kind, text, _ in EXPORT_KINDS:
            self.export_actions[kind] = self._action(
                text, partial(self.export, kind), None, None,
                f"Write the {kind} workbook as of the as-of date", f"export_{kind}")
        self.calendar_action = self._action(
            "&Calendar (.ics)…", self.export_calendar, None, None,
            "Write the renewal deadlines as an iCalendar file", "exportCalendar")
        self.export_current_action = self._action(
            "&Export…", self.export_current, "Ctrl+E", icons.standard(sp.SP_DialogSaveButton),
            "Export the report of the current page (Ctrl+E)", "exportCurrent")
        self.backup_action = self._action(
            "&Backup…", self.backup, None, icons.standard(sp.SP_DriveHDIcon),
            "Write an online backup of the database", "backup")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit,
                                        None, None, "quit")
        self.undo_action = self._action(
            "&Undo", lambda: self.ctx.undo_stack.undo(), QKeySequence.StandardKey.Undo,
            icons.standard(sp.SP_ArrowBack), "Undo the last change", "undo")
        self.redo_action = self._action(
            "&Redo", lambda: self.ctx.undo_stack.redo(), QKeySequence.StandardKey.Redo,
            icons.standard(sp.SP_ArrowForward), "Redo what was undone", "redo")
        self.new_contract_action = self._action(
            "&New contract…", self.new_contract, "Ctrl+N",
            icons.standard(sp.SP_FileDialogNewFolder), "Add a contract (Ctrl+N)", "newContract")
        self.filter_action = self._action(
            "&Filter…", self.focus_filter, "Ctrl+F", None, "Filter the list (Ctrl+F)", "filter")
        self.as_of_action = self._action(
            "&As-of date…", self.choose_as_of, "Ctrl+D", None,
            "Compute every view as of another date", "asOf")
        self.today_action = self._action(
            "Back to &today", lambda: self.ctx.set_as_of(date.today()), None, None,
            "Compute every view as of today", "today")
        self.about_action = self._action("&About Clausekeeper", self.about, None,
                                         icons.app_icon(), None, "about")
        self.guide_action = self._action(
            "User &guide", self.user_guide, "F1", None,
            "What the pages, figures and dates mean, for each kind of user (F1)", "userGuide")
        self.page_actions: list[QAction] = []
        for number, name in enumerate(PAGES, start=1):
            self.page_actions.append(self._action(
                f"&{number} {name}", partial(self.show_page, name, focus=True),
                f"Ctrl+{number}", None, None, f"page_{name}"))
        # what changes the database: off while it is read-only or its server is away
        # (app.ui.editing; exports, the calendar and backups stay on)
        self._write_actions = [
            self.import_action, self.needs_review_action, self.undo_action, self.redo_action,
            self.new_contract_action,
        ]
        # what needs an open database (New/Open database, Quit and About do not)
        self._database_actions = [
            self.import_action, self.imports_action, self.needs_review_action,
            *self.export_actions.values(),
            self.calendar_action, self.export_current_action, self.backup_action,
            self.undo_action, self.redo_action, self.new_contract_action, self.filter_action,
            self.as_of_action, self.today_action, *self.page_actions,
        ]

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.new_db_action)
        file_menu.addAction(self.open_db_action)
        self.recent_menu = file_menu.addMenu("Recent &databases")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        file_menu.addSeparator()
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.imports_action)
        export_menu = file_menu.addMenu("&Export")
        export_menu.setObjectName("exportMenu")
        for action in self.export_actions.values():
            export_menu.addAction(action)
        export_menu.addSeparator()
        export_menu.addAction(self.calendar_action)
        file_menu.addAction(self.backup_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.new_contract_action)
        edit_menu.addAction(self.needs_review_action)
        edit_menu.addAction(self.filter_action)

        view_menu = bar.addMenu("&View")
        for action in self.page_actions:
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.as_of_action)
        view_menu.addAction(self.today_action)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.guide_action)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)
        self.menus = {"File": file_menu, "Edit": edit_menu, "View": view_menu, "Help": help_menu,
                      "Export": export_menu}

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main toolbar")
        toolbar.setObjectName("mainToolbar")
        toolbar.setIconSize(QSize(20, 20))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setMovable(False)
        toolbar.addAction(self.open_db_action)
        toolbar.addAction(self.import_action)
        toolbar.addAction(self.export_current_action)
        toolbar.addAction(self.backup_action)
        toolbar.addSeparator()
        toolbar.addAction(self.undo_action)
        toolbar.addAction(self.redo_action)
        toolbar.addSeparator()
        toolbar.addAction(self.new_contract_action)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.db_label = ElidedLabel()
        self.db_label.setObjectName("databaseLabel")
        self.as_of_edit = DateInput(date.today())
        self.as_of_edit.setObjectName("asOfEdit")
        self.as_of_edit.setFixedWidth(self.as_of_edit.fontMetrics().horizontalAdvance(
            "0000-00-00") + 48)
        self.as_of_edit.setToolTip(plain_tip(
            f"{glossary.define('as_of')}\nType or paste a date as YYYY-MM-DD and press Enter."))
        self.as_of_edit.dateChanged.connect(self._as_of_edited)
        self.as_of_edit.problemChanged.connect(self._as_of_problem)
        # says plainly that the figures are not today's (or why a typed date was not taken)
        self.as_of_note = QLabel()
        self.as_of_note.setObjectName("asOfNote")
        self.as_of_note.setVisible(False)
        today = QToolButton()
        today.setObjectName("todayButton")
        today.setDefaultAction(self.today_action)
        today.setText("Today")
        # A normal (not permanent) widget: a message of showMessage takes its place for a while
        # instead of being drawn behind it.
        status.addWidget(self.db_label, 1)
        status.addPermanentWidget(QLabel("As of:"))
        status.addPermanentWidget(self.as_of_edit)
        status.addPermanentWidget(self.as_of_note)
        status.addPermanentWidget(today)

    # context changes ------------------------------------------------------------------------

    def _database_changed(self) -> None:
        described = self.ctx.db.describe()
        user = self.ctx.database_user()
        shown = f"{described} (read-only, user {user})" if self.ctx.read_only and user else (
            f"{described} (read-only)" if self.ctx.read_only else described)
        self.db_label.setText(shown)
        self.db_label.setToolTip(plain_tip(shown))
        name = Path(described).name if self.ctx.db.path else described
        as_of = self.ctx.as_of
        when = "" if as_of == date.today() else f" (as of {as_of.isoformat()})"
        read_only = " — read-only" if self.ctx.read_only else ""
        self.setWindowTitle(f"{name}{when}{read_only} — Clausekeeper")
        self._show_team_state()

    def _as_of_changed(self, value: date) -> None:
        if self.as_of_edit.value() != value or self.as_of_edit.problem():
            self.as_of_edit.blockSignals(True)
            self.as_of_edit.setDate(value)
            self.as_of_edit.blockSignals(False)
        self._show_as_of_note()
        if self._ctx is not None:
            self._database_changed()  # the title says the as-of date when it is not today

    def _show_as_of_note(self, problem: str = "") -> None:
        value = self.ctx.as_of if self._ctx is not None else date.today()
        note = self.as_of_note
        if problem:
            note.setText(f"Not taken: {problem}")
            note.setStyleSheet(AS_OF_PROBLEM_STYLE)
            note.setToolTip(plain_tip(f"The views are still computed as of {value.isoformat()}."))
        elif value != date.today():
            days = (value - date.today()).days
            when = f"{days} days ahead" if days > 0 else f"{-days} days ago"
            note.setText(f"Not today: {when}")
            note.setStyleSheet(AS_OF_NOTE_STYLE)
            note.setToolTip(plain_tip(
                f"Every view is computed as of {value.isoformat()}, not today "
                f"({date.today().isoformat()}). Press Today to go back."))
        note.setVisible(bool(problem) or value != date.today())

    def _as_of_problem(self, problem: str) -> None:
        self._show_as_of_note(problem)

    def _as_of_edited(self, value: QDate) -> None:
        self.ctx.set_as_of(to_date(value))

    def choose_as_of(self) -> None:
        dialog = AsOfDialog(self.ctx.as_of, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.ctx.set_as_of(dialog.chosen())

    # databases ------------------------------------------------------------------------------

    def switch_database(self, target: str) -> bool:
        """Open `target` and make it the current database; errors are shown, not raised.

        A server that wants a password (none in the URL or ~/.pgpass, or a wrong one) gets it
        from the password dialog; it is used for this connection only, never stored."""
        db = self.open_with_password(target)
        if db is None:
            return False
        self.use_database(db)
        return True

    def open_with_password(self, target: str, first_error: ClausekeeperError | None = None) -> (
        Database | None
    ):
        """Open `target`, asking for the password while the server refuses it (None: not
        opened; the reason was shown)."""
        from app.store.engine import open_database
        from app.ui.password_dialog import ask_password, needs_password, with_password

        error = first_error
        tries = 0
        while True:
            if error is not None:
                if "://" not in target or not needs_password(error) or tries >= 3:
                    workers.show_open_error(self, error)
                    return None
                password = ask_password(target, retry=tries > 0, parent=self)
                if password is None:
                    return None
                tries += 1
                attempt = with_password(target, password)
            else:
                attempt = target
            try:
                return open_database(attempt)
            except ClausekeeperError as exc:
                error = exc

    def use_database(self, db: Database) -> None:
        workers.cancel_all()
        workers.wait_for_ops(30)
        if self._ctx is None:
            from app.ui.context import AppContext

            self.attach(AppContext(db))
        else:
            self.ctx.set_database(db)
        settings_store.remember_database(db.describe())
        self.offer_first_run_if_empty()

    def offer_first_run_if_empty(self, empty: bool | None = None) -> str | None:
        """On an empty database: offer the demo, an import, or nothing (returns the choice).
        `empty`: whether it is, when that is known already."""
        from app.ui import first_run

        if not self.ctx.can_edit:  # a read-only database cannot be filled
            return None
        if empty is None:
            from app.store.portfolio_queries import is_empty

            with self.ctx.session() as session:
                empty = is_empty(session)
        if not empty:
            return None
        choice = first_run.ask(self, self.ctx.db.describe())
        if choice == first_run.DEMO:
            workers.demo_op(self, self.ctx)
        elif choice == first_run.IMPORT:
            self.import_register()
        return choice

    def new_database(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "New database", str(Path(settings_store.last_folder()) / "clausekeeper.db"),
            DB_FILTER, options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if not path:
            return
        chosen = Path(path)
        if not chosen.suffix:
            chosen = chosen.with_suffix(".db")
        settings_store.remember_folder(str(chosen.parent))
        if chosen.exists():
            workers.show_error(self, ClausekeeperError(
                f"{chosen} exists already; use File ▸ Open database to open it"), "New database")
            return
        self.switch_database(str(chosen))

    def open_database_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open database", settings_store.last_folder(), DB_FILTER
        )
        if path:
            settings_store.remember_folder(str(Path(path).parent))
            self.switch_database(path)

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        current = (settings_store.without_password(self.ctx.db.describe())
                   if self.has_database else None)
        recent = settings_store.recent_databases()
        for target in recent:
            action = menu.addAction(target)
            action.setEnabled(target != current)
            action.triggered.connect(lambda _checked=False, t=target: self.switch_database(t))
        if not recent:
            menu.addAction("(none)").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear list", settings_store.forget_recent)

    # imports, exports, backup ---------------------------------------------------------------

    def import_register(self) -> QWidget | None:
        """Ask for a file (CSV, XLSX, or a register workbook), then open the import wizard."""
        from app.ui.import_wizard import open_import_wizard
        from app.ui.import_wizard.source_page import FILE_FILTER

        path, _ = QFileDialog.getOpenFileName(
            self, "Import a register", settings_store.last_folder(), FILE_FILTER,
        )
        if not path:
            return None
        settings_store.remember_folder(str(Path(path).parent))
        self.import_wizard = open_import_wizard(self, self.ctx, Path(path))
        return self.import_wizard

    def show_imports(self) -> QDialog:
        """File ▸ Imports…: the imports recorded, one can be taken back."""
        from app.ui.imports_dialog import ImportsDialog

        dialog = ImportsDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.imports_dialog = dialog
        return dialog

    def show_needs_review(self) -> QDialog:
        """The contracts that need review, completed in place (the dashboard's tile opens it)."""
        from app.ui.needs_review import NeedsReviewDialog

        dialog = NeedsReviewDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open_contract.connect(self.open_contract)
        dialog.open()
        self.needs_review_dialog = dialog
        return dialog

    def export(self, kind: str) -> workers.Op | None:
        return file_actions.export_workbook(self, self.ctx, kind)

    def export_current(self) -> workers.Op | None:
        return self.export(PAGE_EXPORT.get(self.current_page_name(), "register"))

    def export_calendar(self) -> workers.Op | None:
        return file_actions.export_calendar(self, self.ctx)

    def backup(self) -> workers.Op | None:
        name = f"clausekeeper-backup-{date.today().isoformat()}.db"
        path = ask_save_path(self, "Backup", name, "SQLite database (*.db)")
        if path is None:
            return None
        return workers.backup_op(self, self.ctx, path)

    # contracts shortcuts --------------------------------------------------------------------

    def new_contract(self) -> None:
        view = self.show_page("Contracts")
        action = getattr(view, "new_contract", None)
        if callable(action):
            action()

    def focus_filter(self) -> None:
        current = self.stack.currentWidget()
        target = current if callable(getattr(current, "focus_filter", None)) else None
        if target is None:
            target = self.show_page("Contracts")
        action = getattr(target, "focus_filter", None)
        if callable(action):
            action()

    # help, closing --------------------------------------------------------------------------

    def user_guide(self) -> QWidget:
        """Help ▸ User guide (F1): the guide shipped with the app, in a window of its own."""
        from app.ui.guide import GuideDialog

        existing = self.findChild(GuideDialog)
        if existing is not None:
            if QGuiApplication.platformName() != "offscreen":  # it cannot raise windows
                existing.raise_()
            existing.activateWindow()
            return existing
        dialog = GuideDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def about(self) -> None:
        from app.ui.about import AboutDialog

        database = self.ctx.db.describe() if self.has_database else "(none open)"
        dialog = AboutDialog(database, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        settings_store.save_window(self, self.current_page_name() if self.has_database else None)
        if self.watcher is not None:
            self.watcher.stop()
        if self.monitor is not None:
            self.monitor.stop()
        workers.cancel_all()
        workers.wait_for_ops(30)
        super().closeEvent(event)
