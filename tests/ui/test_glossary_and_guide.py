"""Issue 17: every figure and status has a tooltip in plain words; F1 opens the shipped guide."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication

from app.core import glossary as words
from app.ui import renewals_model as rm
from app.ui.context import AppContext
from app.ui.contract_editor import ContractEditor
from app.ui.contracts_model import STATUS, ContractsModel
from app.ui.guide import PAGES, GuideDialog, guide_dir
from app.ui.main_window import MainWindow
from app.ui.renewals_view import RenewalsView
from tests.ui.conftest import AS_OF

ROOT = Path(__file__).resolve().parents[2]


def _plain(tip: str) -> str:
    return re.sub(r"<[^>]+>", " ", tip or "").replace("&amp;", "&")


def test_the_words_users_did_not_know_are_defined() -> None:
    for key in ("truck_factor", "orphaned", "at_risk", "escalated", "exercise_by", "cancel_by",
                "coverage", "missed_notice", "earliest_end", "not_started", "auto", "option"):
        text = words.define(key)
        assert len(text) > 30, key
        assert "_" not in text, f"{key}: a code in a definition"


def test_renewals_headers_and_cells_explain_themselves(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = RenewalsView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=20_000)
    model = view.model
    for column in (rm.DEADLINE, rm.DAYS_LEFT, rm.KIND, rm.STATUS, rm.EARLIEST_END, rm.FLAGS):
        tip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        assert tip and tip.startswith("<qt>"), rm.HEADERS[column]  # rich text wraps
    row = model.find("C-001")
    assert row is not None
    flags = _plain(model.index(row, rm.FLAGS).data(Qt.ItemDataRole.ToolTipRole))
    assert words.define("escalated").split(":")[0] in flags
    assert "nobody in-house understands" in flags
    kind = _plain(model.index(row, rm.KIND).data(Qt.ItemDataRole.ToolTipRole))
    assert "the last day to give notice" in kind
    assert model.index(row, rm.RENEWAL).data() == "tacit renewal"
    summary = _plain(view.summary.toolTip())  # the figures above the list
    for key in ("escalated", "missed_notice", "needs_review"):
        assert words.define(key).split(":")[0] in summary


def test_contract_statuses_and_editor_figures_have_tooltips(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    model = ContractsModel(ctx.db, AS_OF)
    model.reload()
    expired = next(r for r in range(model.rowCount()) if model.row_at(r).reference == "C-004")
    tip = _plain(model.index(expired, STATUS).data(Qt.ItemDataRole.ToolTipRole))
    assert "ran out at the end of its last term" in tip

    from app.store import portfolio_actions as actions

    with ctx.session() as session:
        ident = actions.find_contract(session, "C-001")
    editor = ContractEditor(ctx, ident)
    qtbot.addWidget(editor)
    for name in ("status", "cancel_by", "days_left", "earliest_end", "missed_notice"):
        assert _plain(editor.computed[name].toolTip()).strip(), name


def test_f1_opens_the_guide_with_a_page_per_user(main_window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert main_window.guide_action.shortcut().toString() == "F1"
    main_window.guide_action.trigger()
    dialog = main_window.findChild(GuideDialog)
    assert dialog is not None and dialog.isVisible()
    assert "Clausekeeper user guide" in dialog.browser.toPlainText()
    for row, (name, _title) in enumerate(PAGES[1:], start=1):
        dialog.pages.setCurrentRow(row)
        assert dialog.current_page() == name
        assert len(dialog.browser.toPlainText()) > 500
    # links between pages work offline
    dialog.show_page("index.html")
    dialog.browser.setSource(QUrl("it-lead.html"))  # a link as the index page has it
    assert "Truck factor" in dialog.browser.toPlainText()
    assert dialog.pages.currentRow() == 2
    main_window.guide_action.trigger()  # F1 again: the same window, not a second one
    assert len([w for w in QApplication.topLevelWidgets() if isinstance(w, GuideDialog)]) == 1
    dialog.close()


def test_the_guide_ships_in_the_package_and_names_the_words() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    shipped = config["package-data"]["app.resources"]
    assert "guide/*.html" in shipped and "guide/*.css" in shipped
    folder = guide_dir()
    assert folder == ROOT / "resources" / "guide"
    text = " ".join((folder / name).read_text(encoding="utf-8") for name, _ in PAGES).lower()
    for word in ("truck factor", "orphaned", "at risk", "escalated", "exercise by", "cancel by",
                 "coverage", "service credit", "claim by"):
        assert word in text, word
    links = re.findall(r'href="([^"]+)"', text)
    assert all((folder / link).exists() for link in links), links


def test_dashboard_knowledge_and_sla_figures_explain_themselves(
    main_window: MainWindow, qtbot  # type: ignore[no-untyped-def]
) -> None:
    from app.ui.dashboard import DashboardView
    from app.ui.knowledge.clause_list import COLUMNS as CLAUSE_COLUMNS
    from app.ui.sla.models import CREDIT_COLUMNS

    dashboard = main_window.page("Dashboard")
    assert isinstance(dashboard, DashboardView)
    for key, word in (("truck_factor", "truck_factor"), ("escalated", "escalated"),
                      ("orphaned_critical", "orphaned"), ("lost", "lost")):
        tip = dashboard.cards[key].toolTip()
        assert words.define(word)[:40] in tip and "Click to open" in tip
    knowledge = main_window.show_page("Knowledge")
    from app.ui.knowledge.clause_list import ClauseListModel

    clause_model = knowledge.findChild(ClauseListModel)
    assert clause_model is not None
    status = CLAUSE_COLUMNS.index("Status")
    tip = clause_model.headerData(status, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert words.define("at_risk")[:40] in tip and words.define("orphaned")[:40] in tip
    sla = main_window.show_page("SLAs")
    headers = [c.header for c in CREDIT_COLUMNS]
    credits = next(m for m in _records_models(sla) if [c.header for c in m.columns] == headers)
    claim_by = headers.index("Claim by")
    tip = credits.headerData(claim_by, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert words.define("claim_by")[:40] in tip


def _records_models(page):  # type: ignore[no-untyped-def]
    from app.ui.forms import RecordsModel

    return page.findChildren(RecordsModel)
