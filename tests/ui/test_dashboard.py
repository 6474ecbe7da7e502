"""The dashboard in the main window: tiles and charts open the detail view filtered to what they
count (replacing its earlier filters), deadlines open their contract, and an edit recomputes only
the figures that depend on it."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt

from app.services import dashboard as service
from app.ui import workers
from app.ui.context import AppContext
from app.ui.dashboard import DashboardView
from app.ui.main_window import MainWindow
from app.ui.renewals_model import REFERENCE
from app.ui.renewals_view import RenewalsView
from tests.ui.conftest import qt_warnings


def _loaded_dashboard(window: MainWindow, qtbot) -> DashboardView:  # type: ignore[no-untyped-def]
    view = window.page("Dashboard")
    assert isinstance(view, DashboardView)
    qtbot.waitUntil(lambda: view.figures is not None and len(view.figures.parts) == 4,
                    timeout=20_000)
    return view


def _renewals_with_text(window: MainWindow, qtbot, text: str) -> RenewalsView:  # type: ignore[no-untyped-def]
    view = window.show_page("Renewals")
    assert isinstance(view, RenewalsView)
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=20_000)
    view.search.setText(text)
    return view


def _references(view: RenewalsView) -> list[str]:
    return [row.reference for row in view.visible_rows()]


def test_escalations_tile_opens_the_escalated_renewals_without_older_filters(
    main_window: MainWindow, qtbot, qtlog  # type: ignore[no-untyped-def]
) -> None:
    dashboard = _loaded_dashboard(main_window, qtbot)
    renewals = _renewals_with_text(main_window, qtbot, "Hosting")
    renewals.set_within(30)
    assert _references(renewals) == []
    main_window.show_page("Dashboard")
    qtbot.mouseClick(dashboard.cards["escalated"], Qt.MouseButton.LeftButton)
    assert main_window.current_page_name() == "Renewals"
    assert renewals.filters() == {"attention": "escalated"}
    assert renewals.search.text() == ""
    assert renewals.within_combo.currentData() is None
    assert _references(renewals) == ["C-001"]
    assert "<b>1</b> of 3 contracts" in renewals.summary.text()

    main_window.show_page("Dashboard")
    qtbot.mouseClick(dashboard.cards["within_90"], Qt.MouseButton.LeftButton)
    assert renewals.filters() == {"within": 90}
    assert _references(renewals) == ["C-001", "C-002"]
    renewals.clear_filters_button.click()
    assert renewals.filters() == {} and len(_references(renewals)) == 3
    assert not qt_warnings(qtlog)


def test_double_clicking_a_deadline_shows_that_contract_whatever_was_typed(
    main_window: MainWindow, qtbot  # type: ignore[no-untyped-def]
) -> None:
    dashboard = _loaded_dashboard(main_window, qtbot)
    renewals = _renewals_with_text(main_window, qtbot, "no such contract")
    assert _references(renewals) == []
    main_window.show_page("Dashboard")
    table = dashboard.deadlines_table
    index = table.model().index(1, REFERENCE)  # C-002, the second deadline
    assert index.data() == "C-002"
    table.scrollTo(index)
    rect = table.visualRect(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert main_window.current_page_name() == "Renewals"
    assert renewals.search.text() == ""
    assert len(_references(renewals)) == 3
    selected = renewals.selected_row()
    assert selected is not None and selected.reference == "C-002"


def test_a_deadline_opens_the_renewals_list_before_it_was_ever_shown(
    main_window: MainWindow, qtbot  # type: ignore[no-untyped-def]
) -> None:
    _loaded_dashboard(main_window, qtbot)
    view = main_window.show_deadline("C-002")
    assert isinstance(view, RenewalsView)
    qtbot.waitUntil(lambda: view.selected_row() is not None, timeout=20_000)
    assert view.selected_row().reference == "C-002"  # type: ignore[union-attr]


def test_deadline_chart_opens_the_deadlines_of_that_month_and_kind(
    main_window: MainWindow, qtbot  # type: ignore[no-untyped-def]
) -> None:
    dashboard = _loaded_dashboard(main_window, qtbot)
    chart = dashboard.deadlines_chart
    assert [m.total for m in chart.months][:3] == [1, 0, 1]
    assert chart.sets["cancel_by"].at(0) == 1 and chart.sets["exercise_by"].at(2) == 1
    renewals = _renewals_with_text(main_window, qtbot, "Printing")
    main_window.show_page("Dashboard")
    chart.sets["exercise_by"].clicked.emit(2)  # March 2026: C-002's exercise-by
    assert main_window.current_page_name() == "Renewals"
    assert renewals.filters() == {"kind": "exercise_by", "month": "2026-03"}
    assert _references(renewals) == ["C-002"]
    assert renewals.filter_note.text() == "Only exercise-by deadlines in 2026-03"


def test_other_tiles_open_their_pages_with_their_filters(
    main_window: MainWindow, qtbot  # type: ignore[no-untyped-def]
) -> None:
    dashboard = _loaded_dashboard(main_window, qtbot)
    knowledge = main_window.page("Knowledge")
    received: list[dict[str, Any]] = []
    knowledge.apply_filters = received.append  # type: ignore[attr-defined]
    qtbot.mouseClick(dashboard.cards["orphaned_critical"], Qt.MouseButton.LeftButton)
    assert main_window.current_page_name() == "Knowledge"
    assert received == [{"status": "orphaned", "min_criticality": 4}]

    main_window.show_page("Dashboard")
    qtbot.mouseClick(dashboard.cards["outstanding"], Qt.MouseButton.LeftButton)
    assert main_window.current_page_name() == "SLAs"
    sla = main_window.page("SLAs")
    assert sla.credit_filter.currentData() == "claimable"  # type: ignore[attr-defined]

    main_window.show_page("Dashboard")
    contracts = main_window.page("Contracts")
    contracts.filter_edit.setText("Hosting")  # type: ignore[attr-defined]
    qtbot.mouseClick(dashboard.cards["expired"], Qt.MouseButton.LeftButton)
    assert main_window.current_page_name() == "Contracts"
    assert contracts.current_filter().status == "expired"  # type: ignore[attr-defined]
    assert contracts.current_filter().text == ""  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: contracts.model.rowCount() == 1, timeout=20_000)  # type: ignore[attr-defined]
    assert workers.wait_for_ops(30)


def test_an_edit_recomputes_only_the_figures_it_changes(
    ctx: AppContext, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    from decimal import Decimal

    from sqlalchemy import select

    from app.store.models import Contract, Measurement, Sla

    asked: list[frozenset[str]] = []
    collect = service.collect

    def spy(session, as_of, parts=service.PARTS, keep=None):  # type: ignore[no-untyped-def]
        asked.append(frozenset(parts))
        return collect(session, as_of, parts, keep)

    monkeypatch.setattr(service, "collect", spy)
    view = DashboardView(ctx)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        view.show()
    escalated = view.cards["escalated"].value
    assert sorted(asked, key=sorted) == sorted((frozenset({p}) for p in service.PARTS), key=sorted)
    asked.clear()
    with ctx.session() as session:  # a measurement is written: only the SLA figures change
        contract = session.scalars(select(Contract).order_by(Contract.id)).first()
        sla = Sla(contract=contract, name="Uptime", target=Decimal(99), direction="higher",
                  period="monthly")
        session.add(Measurement(sla=sla, period_start=date(2025, 11, 1), value=Decimal(98)))
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        ctx.changed("Measurement")
    ctx.changed("Document")  # shown nowhere on the dashboard
    assert workers.wait_for_ops(30)
    assert asked == [frozenset({"sla"})]
    assert view.cards["escalated"].value == escalated == "1"
    asked.clear()
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        ctx.set_as_of(date(2026, 2, 1))
    assert set().union(*asked) == set(service.PARTS)
    assert view.cards["within_30"].value == "0"  # C-001's cancel-by has passed


def test_a_new_start_shows_kept_figures_only_while_they_are_current(
    ctx: AppContext, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    """Issue 12: figures kept from the last start are shown at once when nothing changed, and a
    change made meanwhile by another process (the command line, another desk) is never hidden
    behind them."""
    import subprocess
    import sys

    asked: list[frozenset[str]] = []
    collect = service.collect

    def spy(session, as_of, parts=service.PARTS, keep=None):  # type: ignore[no-untyped-def]
        asked.append(frozenset(parts))
        return collect(session, as_of, parts, keep)

    monkeypatch.setattr(service, "collect", spy)

    def start() -> DashboardView:
        view = DashboardView(ctx)
        qtbot.addWidget(view)
        with qtbot.waitSignal(view.loaded, timeout=20_000):
            view.show()
        return view

    first = start()
    active = int(first.cards["active"].value)
    first.close()
    asked.clear()
    second = start()  # as after a restart on the same data
    assert asked == [] and second.cards["active"].value == str(active)
    second.close()
    path = ctx.db.path
    assert path is not None
    script = (
        "import sys; from datetime import date; from app.store.engine import open_database;"
        "from app.store.models import Contract, Vendor;"
        "db = open_database(sys.argv[1]); s = db.factory(); v = s.query(Vendor).first();"
        "s.add(Contract(reference='C-OTHER-DESK', title='Added elsewhere', vendor=v,"
        " start_date=date(2025, 1, 1), initial_term_months=36, renewal='none')); s.commit()"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)
    third = start()
    assert third.cards["active"].value == str(active + 1)
    assert frozenset({"contracts"}) in asked and frozenset({"sla"}) in asked  # both use contracts


def test_need_review_tile_opens_the_list_to_complete(
    main_window: MainWindow, qtbot  # type: ignore[no-untyped-def]
) -> None:
    from app.store.models import Contract, Vendor

    with main_window.ctx.session() as session:
        vendor = session.query(Vendor).first()
        session.add(Contract(reference="C-REVIEW", title="From the old register", vendor=vendor,
                             start_date=date(2024, 1, 1), renewal="auto",
                             renewal_term_months=12))
    main_window.ctx.changed("Contract")
    dashboard = _loaded_dashboard(main_window, qtbot)
    qtbot.waitUntil(lambda: dashboard.cards["needs_review"].value == "1", timeout=20_000)
    qtbot.mouseClick(dashboard.cards["needs_review"], Qt.MouseButton.LeftButton)
    dialog = main_window.needs_review_dialog
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=20_000)
    assert dialog.table.item(0, 0).text() == "C-REVIEW"
    dialog.close()


def test_the_leavers_chart_names_each_person_it_shows(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Names the chart's axis can show in full (not elided to "…"), one per bar, unique
    even for namesakes."""
    from PySide6.QtCharts import QBarCategoryAxis

    from app.services.dashboard_figures import LEAVERS_SHOWN, Leaver, SoleClause
    from app.ui.dashboard_charts import LeaversChart

    clause = SoleClause("C-1", "7.2", "Exit plan", 5)
    leavers = [
        Leaver(f"Maximiliane Wittgenstein-Oberhausen {i}" if i else "Ana Silva",
               f"p{i}@example.org", date(2026, 2, 1 + i), (clause,) * (20 - i))
        for i in range(LEAVERS_SHOWN + 3)
    ] + [Leaver("Ana Silva", "other@example.org", date(2026, 2, 1), (clause,))]
    chart = LeaversChart(LEAVERS_SHOWN)
    qtbot.addWidget(chart)
    chart.show_leavers(leavers, 90)
    def axis_labels(chart: LeaversChart) -> list[str]:
        axis = next(a for a in chart.chart().axes() if isinstance(a, QBarCategoryAxis))
        return list(axis.categories())

    axis = next(a for a in chart.chart().axes() if isinstance(a, QBarCategoryAxis))
    labels = list(axis.categories())
    assert len(labels) == LEAVERS_SHOWN and len(set(labels)) == LEAVERS_SHOWN
    assert not axis.truncateLabels()
    assert labels[-1].startswith("A. Silva, 01 Feb")  # the first person is the top bar
    assert all(len(label.rstrip("\u200b")) <= 24 for label in labels)
    assert chart.chart().title() == f"Leaving in 90 days: {len(leavers)} people (top 6)"
    chart.show_leavers(leavers[:LEAVERS_SHOWN], 90, 40)  # the figures keep the first ones only
    assert chart.chart().title() == "Leaving in 90 days: 40 people (top 6)"
    assert axis_labels(chart) == labels
