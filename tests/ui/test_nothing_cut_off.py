"""Issue 17: nothing is cut off at the default window size; long tooltips wrap."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app.ui import contracts_model as cm
from app.ui import renewals_model as rm
from app.ui import workers
from app.ui.glossary import WRAP_AT, plain_tip
from app.ui.main_window import PAGES, MainWindow
from app.ui.tables import ListTable


def _on_screen(table: ListTable, column: int) -> bool:
    header = table.horizontalHeader()
    left = header.sectionViewportPosition(column)
    return left >= 0 and left + header.sectionSize(column) <= table.viewport().width()


def test_a_status_message_is_not_hidden_behind_the_database_path(main_window: MainWindow) -> None:
    workers.notify(main_window, "The renewals workbook was written to /tmp/x.xlsx.")
    assert main_window.statusBar().currentMessage().startswith("The renewals workbook")
    assert not main_window.db_label.isVisible()  # the message has the room now
    main_window.statusBar().clearMessage()
    assert main_window.db_label.isVisible()


def test_status_deadline_and_attention_columns_are_on_screen(
    main_window: MainWindow, qtbot  # type: ignore[no-untyped-def]
) -> None:
    assert main_window.size().width() == 1280
    renewals = main_window.show_page("Renewals")
    qtbot.waitUntil(lambda: renewals.model.rowCount() == 3, timeout=20_000)  # type: ignore[attr-defined]
    table = renewals.table  # type: ignore[attr-defined]
    for column in (rm.DEADLINE, rm.STATUS, rm.FLAGS):
        assert _on_screen(table, column), rm.HEADERS[column]
    metrics = table.fontMetrics()
    assert table.columnWidth(rm.FLAGS) > metrics.horizontalAdvance("escalated, missed notice")

    contracts = main_window.show_page("Contracts")
    table = contracts.table  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: table.model().rowCount() == 4, timeout=20_000)
    for column in (cm.REFERENCE, cm.STATUS, cm.DEADLINE):
        assert _on_screen(table, column), cm.HEADERS[column]
    assert table.columnWidth(cm.STATUS) > metrics.horizontalAdvance("needs review")
    assert table.columnWidth(cm.RENEWAL) > metrics.horizontalAdvance("renewal option")
    assert workers.wait_for_ops(30)


def test_no_list_header_is_cut_off(main_window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    for name in PAGES:
        page = main_window.show_page(name)
        assert workers.wait_for_ops(30)
        qtbot.wait(5)
        for table in page.findChildren(ListTable):
            if not table.isVisible() or table.model() is None:
                continue
            for section in range(table.model().columnCount()):
                if not table.isColumnHidden(section):
                    text = table.model().headerData(section, cm.Qt.Orientation.Horizontal)
                    assert table.columnWidth(section) >= table.header_width(section), (
                        f"{name}: {text}")


def _long_plain(text: str) -> bool:
    return len(text) > WRAP_AT and not text.lstrip().startswith("<")


def test_no_long_tooltip_is_drawn_on_one_line(
    main_window: MainWindow, qtbot  # type: ignore[no-untyped-def]
) -> None:
    """Qt draws a plain-text tooltip on one line, as wide as the screen: every long tooltip of
    every page, button and action is rich text, which Qt wraps."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QWidget

    for name in PAGES:
        main_window.show_page(name)
        assert workers.wait_for_ops(30)
        qtbot.wait(5)
    long_ones = [w.toolTip() for w in main_window.findChildren(QWidget) if w.toolTip()]
    long_ones += [a.toolTip() for a in main_window.findChildren(QAction) if a.toolTip()]
    assert any(len(text) > WRAP_AT for text in long_ones)  # there are long ones
    assert [text for text in long_ones if _long_plain(text)] == []


def test_a_long_plain_tooltip_becomes_rich_text_and_a_short_one_stays() -> None:
    long_text = "Write an online backup of the database & keep it <here> " * 3
    assert plain_tip(long_text).startswith("<qt>") and "&amp; keep it &lt;here&gt;" in plain_tip(
        long_text)
    assert plain_tip("Backup") == "Backup"
    assert plain_tip("<b>rich</b> " * 20) == "<b>rich</b> " * 20


def test_the_dashboard_fits_the_window_with_large_sums_in_three_currencies(
    main_window: MainWindow, qtbot  # type: ignore[no-untyped-def]
) -> None:
    """An enterprise portfolio owes credits in several currencies: the tiles grow taller, not
    wider, so the dashboard needs no sideways scrolling at the default size."""
    from decimal import Decimal

    from PySide6.QtWidgets import QScrollArea

    from app.services.dashboard_figures import SlaFigures
    from app.ui.dashboard import DashboardView

    dashboard = main_window.show_page("Dashboard")
    assert isinstance(dashboard, DashboardView)
    qtbot.waitUntil(lambda: dashboard.figures is not None and not dashboard._pending,
                    timeout=20_000)
    big = {"EUR": Decimal("109717595.34"), "GBP": Decimal("11274154.37"),
           "USD": Decimal("17085766.33")}
    dashboard._show_sla(SlaFigures(30000, 720000, 676765, 43235, 26706, big, big, 193))
    QApplication.processEvents()
    scroll = dashboard.findChild(QScrollArea)
    assert scroll is not None
    assert not scroll.horizontalScrollBar().isVisible()
    assert dashboard.cards["lost"].value.count("\n") == 2  # a line per currency
