"""The main window on a real database: pages, menus, as-of date, exports, databases, settings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFileDialog, QLabel

from app import __version__
from app.store.engine import open_database
from app.ui import settings_store, workers
from app.ui.about import AboutDialog
from app.ui.context import AppContext
from app.ui.dashboard import DashboardView
from app.ui.main_window import PAGES, MainWindow
from app.ui.renewals_view import RenewalsView
from app.ui.sla import SlaWorkspace
from tests.ui.conftest import AS_OF, open_dialogs, qt_warnings, save_path_patch


def test_opens_on_the_database_with_its_path_and_as_of_date(
    main_window: MainWindow, ctx: AppContext, qtbot, qtlog  # type: ignore[no-untyped-def]
) -> None:
    db_path = str(ctx.db.path)
    assert main_window.windowTitle() == "test.db (as of 2026-01-15) — Clausekeeper"
    assert main_window.db_label.text() == db_path
    assert main_window.as_of_edit.date() == QDate(2026, 1, 15)
    assert [main_window.nav.item(i).text() for i in range(main_window.nav.count())] == list(PAGES)
    assert main_window.current_page_name() == "Dashboard"
    dashboard = main_window.page("Dashboard")
    assert isinstance(dashboard, DashboardView)
    # every group of figures shown (they arrive one by one, in no fixed order)
    qtbot.waitUntil(lambda: dashboard.figures is not None and all(
        card.value != "…" for card in dashboard.cards.values()), timeout=20_000)
    # 3 running contracts: C-001 and C-002 active, C-003 active; C-004 expired
    assert dashboard.cards["active"].value == "3"
    assert dashboard.cards["expired"].value == "1"
    assert dashboard.cards["within_30"].value == "1"  # C-001, 15 days
    assert dashboard.cards["within_90"].value == "2"  # and C-002, 75 days
    assert dashboard.cards["escalated"].value == "1"
    assert dashboard.cards["orphaned_critical"].value == "1"  # C-001 §9.1, criticality 5
    assert not qt_warnings(qtlog)


def test_navigation_switches_pages_and_builds_them_on_first_use(
    main_window: MainWindow, qtbot, qtlog  # type: ignore[no-untyped-def]
) -> None:
    assert set(main_window.built_pages()) == {"Dashboard"}  # the others are built when shown
    for row, name in enumerate(PAGES):
        main_window.nav.setCurrentRow(row)
        assert main_window.current_page_name() == name
        assert main_window.stack.currentWidget() is main_window.page(name)
    assert set(main_window.built_pages()) == set(PAGES)
    assert isinstance(main_window.page("Renewals"), RenewalsView)
    assert type(main_window.page("Knowledge")).__name__ == "KnowledgeWorkspace"
    assert isinstance(main_window.page("SLAs"), SlaWorkspace)
    main_window.page_actions[1].trigger()  # View ▸ 2 Renewals (Ctrl+2)
    assert main_window.current_page_name() == "Renewals"
    assert main_window.nav.currentRow() == 1
    assert workers.wait_for_ops(30)
    assert not qt_warnings(qtlog)


def test_as_of_date_in_the_status_bar_recomputes_the_renewals(
    main_window: MainWindow, ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    view = main_window.show_page("Renewals")
    assert isinstance(view, RenewalsView)
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=20_000)
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        main_window.as_of_edit.setDate(QDate(2027, 3, 1))
    assert ctx.as_of == date(2027, 3, 1)
    # On 2027-03-01: C-001 renewed (term 1 to 2027-04-30 locked in, next cancel-by 2028-01-30);
    # C-002's option lapsed (exercise-by 2026-03-31 passed): it ended 2026-03-31, not listed;
    # C-003 ends 2027-12-31.
    references = [row.reference for row in view.model.rows()]
    assert references == ["C-003", "C-001"]
    c001 = next(row for row in view.model.rows() if row.reference == "C-001")
    assert c001.cancel_by == date(2028, 1, 30)
    main_window.today_action.trigger()
    assert ctx.as_of == date.today()
    assert main_window.as_of_edit.date() == QDate.currentDate()


def test_export_from_the_menu_writes_the_workbook(
    main_window: MainWindow, qtbot, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    target = tmp_path / "sla-report"  # no suffix typed: .xlsx is added
    asked = save_path_patch(monkeypatch, target)
    main_window.export_actions["sla"].trigger()
    assert asked == ["Export the sla workbook"]
    assert workers.wait_for_ops(30)
    written = tmp_path / "sla-report.xlsx"
    assert written.exists()
    workbook = load_workbook(written, read_only=True)
    first = [c for c in next(workbook.worksheets[0].iter_rows(values_only=True)) if c]
    workbook.close()
    assert any("2026-01-15" in str(cell) for cell in first)  # title row: the as-of date
    assert not open_dialogs()
    assert "sla workbook was written" in main_window.statusBar().currentMessage()


def test_ctrl_e_exports_the_report_of_the_current_page(
    main_window: MainWindow, qtbot, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    asked = save_path_patch(monkeypatch, tmp_path / "out.xlsx")
    main_window.show_page("Renewals")
    assert main_window.export_current_action.shortcut().toString() == "Ctrl+E"
    main_window.export_current_action.trigger()
    main_window.show_page("Vendors")
    main_window.export_current_action.trigger()
    assert asked == ["Export the renewals workbook", "Export the register workbook"]
    assert workers.wait_for_ops(30)


def test_menus_hold_the_commands(main_window: MainWindow) -> None:
    def texts(menu_name: str) -> list[str]:
        return [a.text().replace("&", "") for a in main_window.menus[menu_name].actions()
                if a.text()]

    assert texts("File") == ["New database…", "Open database…", "Recent databases",
                             "Import register…", "Imports…", "Export",
                             "Backup…", "Quit"]
    assert texts("Export") == ["Register workbook…", "Renewals report…", "Knowledge report…",
                               "SLA report…", "Calendar (.ics)…"]
    assert texts("Edit")[:2] == ["Undo", "Redo"]
    assert "Contracts needing review…" in texts("Edit")
    assert main_window.new_contract_action.shortcut().toString() == "Ctrl+N"
    assert main_window.filter_action.shortcut().toString() == "Ctrl+F"
    assert "As-of date…" in texts("View")
    assert texts("Help") == ["User guide", "About Clausekeeper"]


def test_undo_action_follows_the_undo_stack(
    main_window: MainWindow, ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    view = main_window.show_page("Renewals")
    assert isinstance(view, RenewalsView)
    assert not main_window.undo_action.isEnabled()
    assert view.perform_give_notice("C-001", AS_OF)
    assert main_window.undo_action.isEnabled()
    assert main_window.undo_action.text().replace("&", "") == "Undo Give notice on C-001"
    main_window.undo_action.trigger()
    with ctx.session() as session:
        from app.store.models import Contract

        assert session.query(Contract).filter_by(reference="C-001").one().terminated_on is None
    assert main_window.redo_action.isEnabled()
    assert workers.wait_for_ops(30)


def test_open_database_switches_and_remembers_it(
    main_window: MainWindow, ctx: AppContext, qtbot, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    other = tmp_path / "other.db"
    seeded = open_database(str(other))
    with seeded.session() as session:
        from tests.ui.conftest import add_portfolio

        add_portfolio(session)
    seeded.close()
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(other), "")))
    main_window.open_db_action.trigger()
    assert ctx.db.path == other.resolve()
    assert main_window.db_label.text() == str(other.resolve())
    assert main_window.windowTitle() == "other.db (as of 2026-01-15) — Clausekeeper"
    assert settings_store.last_database() == str(other.resolve())
    assert settings_store.recent_databases()[0] == str(other.resolve())
    assert not open_dialogs()  # not empty: no first-run offer


def test_opening_something_that_is_not_a_database_says_so(
    main_window: MainWindow, ctx: AppContext, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("this is not a database\n" * 100)
    before = ctx.db
    assert not main_window.switch_database(str(junk))
    assert ctx.db is before
    dialogs = open_dialogs()
    assert len(dialogs) == 1
    assert "notes.db" in dialogs[0].text()


def test_window_geometry_and_page_are_remembered(
    ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    first = MainWindow(ctx)
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 500)
    qtbot.waitUntil(lambda: (first.width(), first.height()) == (700, 500), timeout=5_000)
    first.show_page("Renewals")
    first.close()
    assert workers.wait_for_ops(30)
    second = MainWindow(ctx)
    qtbot.addWidget(second)
    assert second.current_page_name() == "Renewals"
    assert (second.width(), second.height()) == (700, 500)
    second.close()


def test_about_names_version_and_database(main_window: MainWindow, ctx: AppContext) -> None:
    main_window.about_action.trigger()
    dialogs = [w for w in main_window.findChildren(AboutDialog) if w.isVisible()]
    assert len(dialogs) == 1
    text = dialogs[0].findChild(QLabel, "aboutText").text()
    assert f"Clausekeeper {__version__}" in text
    assert str(ctx.db.path) in text
    dialogs[0].close()


@pytest.mark.parametrize("page", ["Renewals", "Contracts"])
def test_ctrl_f_focuses_a_filter(
    main_window: MainWindow, page: str, qtbot  # type: ignore[no-untyped-def]
) -> None:
    main_window.show_page(page)
    main_window.filter_action.trigger()
    current = main_window.stack.currentWidget()
    if page == "Renewals":
        assert isinstance(current, RenewalsView)
        qtbot.waitUntil(lambda: current.search.hasFocus(), timeout=5_000)
    else:
        assert main_window.current_page_name() == "Contracts"
    assert workers.wait_for_ops(30)


def test_ctrl_n_goes_to_the_contracts_page(main_window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []
    contracts = main_window.page("Contracts")
    if hasattr(contracts, "new_contract"):
        monkeypatch.setattr(contracts, "new_contract", lambda: calls.append("new"))
        expected = ["new"]
    else:
        expected = []
    main_window.new_contract_action.trigger()
    assert main_window.current_page_name() == "Contracts"
    assert calls == expected
    assert main_window.stack.currentWidget().isVisible()


# --- imports, calendar, backup through the menus ----------------------------------------------


def _patch_open_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    asked: list[str] = []

    def answer(parent, caption="", *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(caption)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(answer))
    return asked


# Importing through File ▸ Import register… (the wizard) is walked in test_import_wizard.py.


def test_calendar_and_backup_from_the_menu(
    main_window: MainWindow, ctx: AppContext, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    save_path_patch(monkeypatch, tmp_path / "deadlines.ics")
    main_window.calendar_action.trigger()
    assert workers.wait_for_ops(60)
    text = (tmp_path / "deadlines.ics").read_text(encoding="utf-8")
    assert "20260130" in text and "20260331" in text  # C-001 cancel-by, C-002 exercise-by

    save_path_patch(monkeypatch, tmp_path / "copy.db")
    main_window.backup_action.trigger()
    assert workers.wait_for_ops(60)
    copy = open_database(str(tmp_path / "copy.db"))
    try:
        with copy.session() as session:
            from app.store.models import Contract

            assert session.query(Contract).count() == 4
    finally:
        copy.close()
    assert not open_dialogs()


# --- start-up: the window first, the database in the background -------------------------------


def test_the_shell_imports_no_database_code() -> None:
    """What the window needs to appear loads without SQLAlchemy (the start-up target, §7)."""
    import subprocess
    import sys

    code = ("import sys; import app.ui.application; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')"
            " or m.startswith('app.store')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == "[]"


def test_window_is_shown_before_the_database_opens_then_attached(
    portfolio_db, qtbot  # type: ignore[no-untyped-def]
) -> None:
    from app.ui.application import show_window

    window, opener = show_window(str(portfolio_db.path), AS_OF, False)
    qtbot.addWidget(window)
    assert window.isVisible()
    assert not window.has_database
    assert window.waiting.text() == f"Opening {portfolio_db.path}…"
    assert not window.export_current_action.isEnabled()
    assert window.open_db_action.isEnabled()
    with qtbot.waitSignal(window.ready, timeout=30_000):
        pass
    assert window.ctx.db.path == portfolio_db.path
    assert window.ctx.as_of == AS_OF
    assert window.export_current_action.isEnabled()
    assert window.current_page_name() == "Dashboard"
    assert settings_store.last_database() == str(portfolio_db.path)
    assert opener.worker is not None
    opener.worker.join(10)
    window.close()
    assert workers.wait_for_ops(30)
    window.ctx.db.close()


def test_a_database_that_cannot_be_opened_leaves_the_window_usable(
    qtbot, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from app.ui import first_run
    from app.ui.application import show_window

    offered: list[str] = []
    monkeypatch.setattr(first_run, "ask", lambda parent, db: offered.append(db) or "empty")

    junk = tmp_path / "broken.db"
    junk.write_text("not a database\n" * 200)
    window, opener = show_window(str(junk), None, False)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: bool(open_dialogs()), timeout=30_000)
    dialogs = open_dialogs()
    assert len(dialogs) == 1 and "broken.db" in dialogs[0].text()
    assert "Traceback" not in dialogs[0].text()
    assert not window.has_database
    assert "No database is open" in window.waiting.text()
    assert window.open_db_action.isEnabled() and window.new_db_action.isEnabled()
    for dialog in dialogs:
        dialog.close()
    # File ▸ Open database then works as usual (on an empty one, with the first-run offer)
    good = tmp_path / "good.db"
    assert window.switch_database(str(good))
    assert window.has_database
    assert window.ctx.db.path == good.resolve()
    assert offered == [str(good.resolve())]
    assert window.nav.isEnabled()
    window.close()
    assert workers.wait_for_ops(30)
    window.ctx.db.close()


def test_excepthook_tells_user_errors_and_bugs_apart(qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    from app.errors import ValidationError
    from app.ui.application import excepthook

    excepthook(ValidationError, ValidationError("start_date: '31/02' is not a date"), None)
    try:
        raise KeyError("boom")
    except KeyError as exc:
        excepthook(KeyError, exc, exc.__traceback__)
    icons = sorted((d.icon().name, d.text()) for d in open_dialogs())
    assert icons == [("Critical", "Something went wrong inside Clausekeeper: KeyError: 'boom'"),
                     ("Warning", "start_date: '31/02' is not a date")]
    assert any("KeyError: 'boom'" in r.getMessage() for r in caplog.records)


# --- the dashboard and the "coming next" pages ----------------------------------------------------


def _add_sla_with_breaches(ctx: AppContext) -> None:
    from decimal import Decimal

    from app.store.models import Contract, Measurement, Sla

    with ctx.session() as session:
        c001 = session.query(Contract).filter_by(reference="C-001").one()
        sla = Sla(contract=c001, name="Availability", unit="%", target=Decimal("99.5"),
                  direction="higher", period="monthly", credit_percent=Decimal("5"))
        session.add(sla)
        session.flush()
        session.add_all([
            Measurement(sla=sla, period_start=date(2025, 10, 1), value=Decimal("98.0")),
            Measurement(sla=sla, period_start=date(2025, 12, 1), value=Decimal("99.0")),
        ])


def test_dashboard_figures_worked_out_by_hand(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.ui.dashboard import DashboardView

    _add_sla_with_breaches(ctx)
    view = DashboardView(ctx)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.show()
    cards = {key: (card.value, card.caption_label.text()) for key, card in view.cards.items()}
    # C-001's only clause (criticality 5) has no owner: coverage 0 / 5, and the orphaned weight
    # 5 already exceeds 0.5 x 5, so the truck factor is 0.
    assert cards["coverage"][0] == "0.0 %"
    assert cards["truck_factor"][0] == "0"
    assert cards["orphaned_critical"] == ("1", "of 1 orphaned (1 clauses)")
    # Availability of C-001: monthly fee 120,000 / 12 = 10,000; each breach earns 5 % = 500.00.
    # October's claim-by 2025-11-30 has passed (lost); December's is 2025-12-31 + 30 days =
    # 2026-01-30, still claimable on 2026-01-15.
    assert cards["outstanding"] == ("500.00 EUR", "1 months still claimable")
    assert cards["lost"] == ("500.00 EUR", "claim period passed")
    # measured 2, met 0; periods 2024-05..2025-12 ended before D: 20, so 18 are missing
    assert cards["compliance"] == ("0.0 %", "0 of 2 periods met")
    assert cards["breached"] == ("2", "18 periods missing")
    assert [row.reference for row in view.deadlines_model.rows()] == ["C-001", "C-002"]
    assert cards["escalated"][0] == "1"


def test_keyboard_shortcuts_reach_the_actions(
    main_window: MainWindow, qtbot, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from PySide6.QtCore import Qt

    asked = save_path_patch(monkeypatch, tmp_path / "out.xlsx")
    main_window.activateWindow()
    qtbot.waitActive(main_window)
    qtbot.keyClick(main_window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert main_window.current_page_name() == "Renewals"
    qtbot.keyClick(main_window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["Export the renewals workbook"]
    assert workers.wait_for_ops(30)
