"""Start-up on a large portfolio (SPEC §7, issue 12): the dashboard is drawn with the figures
kept from the last run before the database library is even loaded — but only while they are the
figures of the data as it is now. A change made since (here, the command line) is never hidden
behind them: the dashboard then waits for the database and computes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.store.engine import Database
from app.ui import workers
from app.ui.application import show_window
from app.ui.dashboard import DashboardView
from app.ui.main_window import MainWindow
from tests.ui.conftest import AS_OF


def _start(db: Database, qtbot) -> tuple[MainWindow, object]:  # type: ignore[no-untyped-def]
    window, opener = show_window(str(db.path), AS_OF, False)
    qtbot.addWidget(window)
    return window, opener


def _shown(window: MainWindow) -> dict[str, str] | None:
    page = window.built_pages().get("Dashboard")
    if not isinstance(page, DashboardView) or page.figures is None:
        return None
    return {key: card.value for key, card in page.cards.items()}


def _finish(window: MainWindow, opener, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.has_database, timeout=30_000)
    page = window.built_pages().get("Dashboard")
    if isinstance(page, DashboardView):
        qtbot.waitUntil(lambda: page.figures is not None and len(page.figures.parts) == 4
                        and not page._pending, timeout=30_000)
    opener.worker.join(10)
    window.close()
    assert workers.wait_for_ops(30)
    window.ctx.db.close()


def _run(db: Database, script: str) -> None:
    """Another process (the command line, another desk) writes through the store."""
    code = ("import sys; from datetime import date; from decimal import Decimal;"
            "from app.store.engine import open_database;"
            "from app.store.models import Contract, Measurement, Sla, Vendor;"
            "db = open_database(sys.argv[1]); s = db.factory();" + script + "; s.commit()")
    subprocess.run([sys.executable, "-c", code, str(db.path)], check=True,
                   cwd=Path(__file__).resolve().parents[2])


def test_kept_figures_are_drawn_before_the_database_opens_while_current(
    portfolio_db: Database, qtbot  # type: ignore[no-untyped-def]
) -> None:
    first, opener = _start(portfolio_db, qtbot)
    assert _shown(first) is None  # nothing kept yet: nothing drawn before the database opens
    _finish(first, opener, qtbot)
    computed = _shown(first)
    assert computed is not None and computed["active"] not in ("", "…")

    second, opener = _start(portfolio_db, qtbot)
    assert not second.has_database and "sqlalchemy" in sys.modules  # (the test imported it)
    assert _shown(second) == computed  # drawn at once, the same figures
    assert second.nav.isEnabled()
    _finish(second, opener, qtbot)
    assert _shown(second) == computed


def test_a_change_made_since_is_never_hidden_behind_kept_figures(
    portfolio_db: Database, qtbot  # type: ignore[no-untyped-def]
) -> None:
    first, opener = _start(portfolio_db, qtbot)
    _finish(first, opener, qtbot)
    before = _shown(first)
    assert before is not None
    _run(portfolio_db,
         "v = s.query(Vendor).first();"
         "s.add(Contract(reference='C-CLI', title='Added by the command line', vendor=v,"
         " start_date=date(2025, 1, 1), initial_term_months=36, renewal='none'))")

    second, opener = _start(portfolio_db, qtbot)
    assert _shown(second) is None  # the kept figures are of an older state: not shown
    _finish(second, opener, qtbot)
    after = _shown(second)
    assert after is not None and int(after["active"]) == int(before["active"]) + 1


def test_a_page_asked_for_before_the_database_opens_is_shown_once_it_is(
    portfolio_db: Database, qtbot  # type: ignore[no-untyped-def]
) -> None:
    first, opener = _start(portfolio_db, qtbot)
    _finish(first, opener, qtbot)

    second, opener = _start(portfolio_db, qtbot)
    page = second.built_pages()["Dashboard"]
    assert isinstance(page, DashboardView) and not second.has_database
    page.open_tile("at_risk")  # a click on "Clauses at risk" while the database still opens
    assert second.current_page_name() == "Knowledge"
    qtbot.waitUntil(lambda: second.has_database, timeout=30_000)
    knowledge = second.built_pages().get("Knowledge")
    assert knowledge is not None and second.current_page_name() == "Knowledge"
    assert knowledge.current_filters().get("status") == "at_risk"  # type: ignore[attr-defined]
    _finish(second, opener, qtbot)


def test_going_back_to_the_dashboard_meanwhile_stays_there(
    portfolio_db: Database, qtbot  # type: ignore[no-untyped-def]
) -> None:
    first, opener = _start(portfolio_db, qtbot)
    _finish(first, opener, qtbot)

    second, opener = _start(portfolio_db, qtbot)
    second.show_page("Contracts")  # asked for while the database opens…
    assert second.stack.currentWidget() is second.waiting
    second.show_page("Dashboard")  # …then back to the figures
    qtbot.waitUntil(lambda: second.has_database, timeout=30_000)
    assert second.current_page_name() == "Dashboard"
    assert "Contracts" not in second.built_pages()
    _finish(second, opener, qtbot)


def test_a_measurement_recorded_elsewhere_is_counted_before_the_database_opens(
    portfolio_db: Database, qtbot  # type: ignore[no-untyped-def]
) -> None:
    """An SLA and a breaching measurement added elsewhere change only the SLA figures of one
    contract: its share is computed again from the file, and every figure is drawn at once —
    with the new breach counted, the same figures the database then computes."""
    first, opener = _start(portfolio_db, qtbot)
    _finish(first, opener, qtbot)
    before = _shown(first)
    assert before is not None
    _run(portfolio_db,  # an SLA of C-001 and its first measurement, a breach
         "c = s.query(Contract).filter_by(reference='C-001').one();"
         "sla = Sla(contract=c, name='Availability', target=Decimal('99.5'), direction='higher',"
         " period='monthly'); s.add(sla); s.flush();"
         "s.add(Measurement(sla_id=sla.id, period_start=date(2025, 12, 1), value=Decimal('97')))")

    second, opener = _start(portfolio_db, qtbot)
    page = second.built_pages()["Dashboard"]
    assert isinstance(page, DashboardView) and not second.has_database
    assert page.figures is not None and len(page.figures.parts) == 4
    shown = _shown(second)
    assert shown is not None and shown["active"] == before["active"]
    assert int(shown["breached"]) == int(before["breached"]) + 1  # the new one breaches
    assert shown["compliance"] != before["compliance"]
    _finish(second, opener, qtbot)
    assert _shown(second) == shown  # what the database says too

    third, opener = _start(portfolio_db, qtbot)  # and kept as current for the next start
    assert _shown(third) == shown and not third.has_database
    _finish(third, opener, qtbot)


def test_a_change_of_a_contract_itself_leaves_the_sla_figures_to_the_database(
    portfolio_db: Database, qtbot  # type: ignore[no-untyped-def]
) -> None:
    """A contract's own fields (its value, its term) reach every figure of it, the SLA ones
    included: the tiles then wait for the database, never showing the older figures."""
    first, opener = _start(portfolio_db, qtbot)
    _finish(first, opener, qtbot)
    before = _shown(first)
    assert before is not None
    _run(portfolio_db, "c = s.query(Contract).filter_by(reference='C-001').one();"
                       "c.annual_value = (c.annual_value or Decimal(0)) + Decimal('120000')")

    second, opener = _start(portfolio_db, qtbot)
    assert not second.has_database
    assert _shown(second) is None  # every part depends on the contracts: none drawn yet
    _finish(second, opener, qtbot)
    after = _shown(second)
    assert after is not None and after["compliance"] != "…"


def test_the_database_opens_once_the_window_is_painted(
    portfolio_db: Database, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    """The opener's imports would compete with the window's first paint: they come after."""
    from PySide6.QtCore import QEvent

    from app.ui import application

    painted: list[bool] = []
    started: list[bool] = []
    original = application.DatabaseOpener.start

    def start(self) -> None:  # type: ignore[no-untyped-def]
        started.append(bool(painted))
        original(self)

    monkeypatch.setattr(application.DatabaseOpener, "start", start)
    window, opener = _start(portfolio_db, qtbot)
    assert not started  # not at once: after the first paint

    class Watch(application.QObject):
        def eventFilter(self, _obj, event) -> bool:  # type: ignore[no-untyped-def] # noqa: N802
            if event.type() is QEvent.Type.Paint:
                painted.append(True)
            return False

    watch = Watch(window)
    window.installEventFilter(watch)
    qtbot.waitUntil(lambda: bool(started), timeout=10_000)
    assert started == [True]
    _finish(window, opener, qtbot)
