"""The start of the GUI that quits by itself once usable (what installer/smoke.sh runs)."""

from __future__ import annotations

from pathlib import Path

from app.store.engine import Database
from app.ui import ready_check, settings_store, workers
from tests.ui.conftest import AS_OF, open_dialogs


def _start(target: str, qtbot):  # type: ignore[no-untyped-def]
    from app.ui.application import show_window

    window, opener = show_window(target, AS_OF, False)
    qtbot.addWidget(window)
    codes: list[int] = []
    check = ready_check.ReadyCheck(window, opener, codes.append, 30)
    return window, opener, check, codes


def test_quits_with_0_once_the_dashboard_has_its_figures(
    portfolio_db: Database, qtbot  # type: ignore[no-untyped-def]
) -> None:
    settings_store.settings().setValue("window/page", "Renewals")  # the last page seen
    window, opener, _check, codes = _start(str(portfolio_db.path), qtbot)
    qtbot.waitUntil(lambda: bool(codes), timeout=30_000)
    assert codes == [0]
    assert "Renewals" in window.built_pages()  # it opened there, then showed the dashboard
    assert window.current_page_name() == "Dashboard"
    assert ready_check.problems(window) == []
    dashboard = window.page("Dashboard")
    assert dashboard.cards["active"].value == "3"  # type: ignore[attr-defined]
    assert opener.worker is not None
    opener.worker.join(10)
    window.close()
    assert workers.wait_for_ops(30)
    window.ctx.db.close()


def test_quits_with_1_when_the_database_does_not_open(
    tmp_path: Path, qtbot, capsys  # type: ignore[no-untyped-def]
) -> None:
    junk = tmp_path / "broken.db"
    junk.write_text("not a database\n" * 200)
    window, _opener, _check, codes = _start(str(junk), qtbot)
    qtbot.waitUntil(lambda: bool(codes), timeout=30_000)
    assert codes == [1]
    assert "the database did not open" in capsys.readouterr().err
    for dialog in open_dialogs():
        dialog.close()
    window.close()


def test_a_window_without_a_database_is_not_usable(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    found = ready_check.problems(window)
    assert "no database is attached" in found
    assert "the navigation is disabled" in found
    assert not any("icon" in problem for problem in found)  # the SVG icon renders


def test_limit_comes_from_the_variable(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(ready_check.ENV_VAR, raising=False)
    assert not ready_check.requested()
    monkeypatch.setenv(ready_check.ENV_VAR, "1")
    assert ready_check.requested()
    assert ready_check.limit_seconds() == ready_check.DEFAULT_LIMIT_S
    monkeypatch.setenv(ready_check.ENV_VAR, "45")
    assert ready_check.limit_seconds() == 45
