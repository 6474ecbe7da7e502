"""Fixtures of the GUI tests: private QSettings, a small known portfolio, the app context.

QSettings go to a temporary INI folder for every test. The main window is a per-test fixture the
tests ask for (never autouse). Every context waits for its workers before the database closes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QtMsgType
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy.orm import Session

from app.store.engine import Database
from app.store.models import Clause, Contract, Vendor
from app.ui import workers
from app.ui.context import AppContext

AS_OF = date(2026, 1, 15)

# Messages of Qt's offscreen platform plugin, not of our code.
PLATFORM_NOISE = ("This plugin does not support",)


@pytest.fixture(autouse=True)
def _private_qsettings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test gets its own QSettings; message boxes it left open are closed after it."""
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield
    if QApplication.instance() is not None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                widget.close()


def add_portfolio(session: Session) -> None:
    """Three running contracts and one that expired long ago (deadlines worked out in tests).

    C-001 auto: 2024-05-01 + 24 months, renews by 12, notice 3 months
          term 0 ends 2026-04-30, cancel by 2026-01-30 (15 days after AS_OF)
    C-002 option: 2023-04-01 + 36 months, options of 12 months, at most 2, no notice period
          term 0 ends 2026-03-31 = its exercise-by date (75 days after AS_OF)
    C-003 none: 2025-01-01 + 36 months, ends 2027-12-31 (715 days after AS_OF)
    C-004 none: 2020-01-01 + 12 months, expired on AS_OF (not in the renewals list)
    C-001 has an orphaned clause of criticality 5 (nobody knows it): escalated.
    """
    acme = Vendor(name="Acme Outsourcing", country="DE")
    globex = Vendor(name="Globex Hosting", country="NL")
    session.add_all([acme, globex])
    session.flush()
    session.add_all([
        Contract(reference="C-001", title="Service desk", vendor=acme,
                 start_date=date(2024, 5, 1), initial_term_months=24, renewal="auto",
                 renewal_term_months=12, notice_value=3, notice_unit="months",
                 annual_value=Decimal("120000.00"), currency="EUR"),
        Contract(reference="C-002", title="Hosting", vendor=globex,
                 start_date=date(2023, 4, 1), initial_term_months=36, renewal="option",
                 renewal_term_months=12, max_renewals=2, notice_value=0,
                 annual_value=Decimal("80000.00"), currency="EUR"),
        Contract(reference="C-003", title="Printing", vendor=acme,
                 start_date=date(2025, 1, 1), initial_term_months=36, renewal="none",
                 annual_value=Decimal("9000.50"), currency="USD"),
        Contract(reference="C-004", title="Legacy mainframe", vendor=globex,
                 start_date=date(2020, 1, 1), initial_term_months=12, renewal="none"),
    ])
    session.flush()
    c001 = session.query(Contract).filter_by(reference="C-001").one()
    session.add(Clause(contract=c001, number="9.1", title="Termination assistance",
                       category="exit and transition", criticality=5))
    session.flush()


@pytest.fixture
def portfolio_db(db: Database) -> Database:
    with db.session() as session:
        add_portfolio(session)
    return db


def _make_ctx(database: Database) -> Iterator[AppContext]:
    ctx = AppContext(database, AS_OF)
    yield ctx
    workers.cancel_all()
    assert workers.wait_for_ops(30), "workers still running at the end of the test"


@pytest.fixture
def ctx(portfolio_db: Database) -> Iterator[AppContext]:
    """An AppContext on the small portfolio, as of 2026-01-15."""
    yield from _make_ctx(portfolio_db)


@pytest.fixture
def empty_ctx(db: Database) -> Iterator[AppContext]:
    """An AppContext on an empty database."""
    yield from _make_ctx(db)


@pytest.fixture
def main_window(ctx: AppContext, qtbot):  # type: ignore[no-untyped-def]
    """The main window on the small portfolio (per test; not autouse)."""
    from app.ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


def open_dialogs(kind: type[QWidget] = QMessageBox) -> list[QWidget]:
    """Dialogs of `kind` that are open right now (error and summary dialogs are not exec'd)."""
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def qt_warnings(qtlog) -> list[str]:  # type: ignore[no-untyped-def]
    """Qt warnings and worse captured by pytest-qt, without the offscreen plugin's notes."""
    return [
        record.message for record in qtlog.records
        if record.type in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
        and not record.message.startswith(PLATFORM_NOISE)
    ]


def save_path_patch(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    """Make QFileDialog.getSaveFileName answer `path`; returns the captions it was asked with."""
    from PySide6.QtWidgets import QFileDialog

    asked: list[str] = []

    def answer(parent, caption="", directory="", selected_filter="", *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(caption)
        return str(path), selected_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    return asked
