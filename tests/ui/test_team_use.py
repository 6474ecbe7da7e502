"""Team use in the GUI: two desks on one database (issue #15).

Each test opens the same database twice (two `Database` objects, two AppContexts, like two
people's computers) in one process: what one desk saves appears at the other within 5 s with the
user's place kept; two editors on one record give the second saver the conflict, Reload, and
their own values to use again; a read-only database and a lost server switch editing off.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from app.store import audit
from app.store import portfolio_actions as actions
from app.store.engine import Database, open_database
from app.store.models import Contract, Vendor
from app.ui import settings_store, workers
from app.ui.context import AppContext
from app.ui.contract_editor import ContractEditor
from app.ui.entity_dialogs import VendorDialog
from app.ui.main_window import MainWindow
from tests.ui.conftest import AS_OF, open_dialogs

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture(autouse=True)
def _no_blocking_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: QMessageBox.StandardButton.Yes))


def as_user(db: Database, name: str) -> Database:
    """Let the audit trail name this desk's writes after `name` (another person)."""
    db.factory.configure(info={audit.ACTOR: name})
    return db


@pytest.fixture
def other_db(portfolio_db: Database) -> Iterator[Database]:
    """The same database opened a second time: the other desk."""
    target = (str(portfolio_db.path) if portfolio_db.is_sqlite
              else portfolio_db.url.render_as_string(hide_password=False))
    database = open_database(target)
    yield database
    database.close()


def _context(db: Database) -> Iterator[AppContext]:
    ctx = AppContext(db, AS_OF)
    yield ctx
    workers.cancel_all()
    assert workers.wait_for_ops(30)


@pytest.fixture
def ctx_b(other_db: Database) -> Iterator[AppContext]:
    yield from _context(other_db)


def window(ctx: AppContext, qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _contract_id(ctx: AppContext, reference: str) -> int:
    with ctx.session() as session:
        return actions.find_contract(session, reference)


def _vendor_id(ctx: AppContext, name: str) -> int:
    with ctx.session() as session:
        return actions.find_vendor(session, name)


# --- seeing each other's work -------------------------------------------------------------------


def test_what_one_desk_saves_appears_at_the_other_with_the_selection_kept(
    ctx: AppContext, ctx_b: AppContext, qtbot
) -> None:  # type: ignore[no-untyped-def]
    win_a, win_b = window(ctx, qtbot), window(ctx_b, qtbot)
    vendors_b = win_b.show_page("Vendors")
    assert vendors_b.select(_vendor_id(ctx_b, "Globex Hosting"))

    vendors_a = win_a.show_page("Vendors")
    vendors_a.select(_vendor_id(ctx, "Acme Outsourcing"))
    dialog = vendors_a.edit_selected()
    assert isinstance(dialog, VendorDialog)
    dialog.form.widget("contact_name").setText("Ann Example")
    dialog.accept()
    assert dialog.result() == VendorDialog.DialogCode.Accepted

    qtbot.waitUntil(lambda: any(r.contact_name == "Ann Example"
                                for r in vendors_b.model.rows()), timeout=5000)
    assert vendors_b.selected_id() == _vendor_id(ctx_b, "Globex Hosting")
    win_a.close()
    win_b.close()


def test_lists_and_the_dashboard_refresh_without_losing_the_place(
    ctx: AppContext, ctx_b: AppContext, qtbot
) -> None:  # type: ignore[no-untyped-def]
    with ctx.session() as session:  # enough vendors to scroll
        for number in range(200):
            session.add(Vendor(name=f"Vendor {number:03d}", country="FR"))
    win_a, win_b = window(ctx, qtbot), window(ctx_b, qtbot)
    dashboard = win_b.show_page("Dashboard")
    qtbot.waitUntil(lambda: dashboard.cards["active"].value == "3", timeout=5000)

    vendors = win_b.show_page("Vendors")
    vendors.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    target = _vendor_id(ctx_b, "Vendor 120")
    assert vendors.select(target)
    bar = vendors.table.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum() // 2)
    place = bar.value()

    contracts_b = win_b.page("Contracts")
    assert contracts_b.select_contract(_contract_id(ctx_b, "C-003"))

    # desk A: a new contract and a renamed vendor, written through the store directly
    with ctx.session() as session:
        actions.create_contract(session, {
            "reference": "C-005", "title": "Cloud", "vendor": "Vendor 120",
            "start_date": "2025-06-01", "initial_term_months": "24", "renewal": "none"})
        actions.update_vendor(session, _vendor_id(ctx, "Vendor 050"), {"name": "Vendor 050 AG"})
    ctx.changed("*")  # what desk A's own views hear

    qtbot.waitUntil(lambda: any(r.name == "Vendor 050 AG" for r in vendors.model.rows()),
                    timeout=5000)
    assert vendors.selected_id() == target
    assert bar.value() == place
    assert vendors.table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    win_b.show_page("Dashboard")
    qtbot.waitUntil(lambda: dashboard.cards["active"].value == "4", timeout=5000)
    win_b.show_page("Contracts")
    qtbot.waitUntil(lambda: contracts_b.model.total == 5, timeout=5000)
    assert [contracts_b.model.row_at(i.row()).reference
            for i in contracts_b.table.selectionModel().selectedRows()] == ["C-003"]
    win_a.close()
    win_b.close()


def test_own_saves_are_not_refreshed_twice(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    win = window(ctx, qtbot)
    win.show_page("Vendors")
    qtbot.waitUntil(lambda: win.watcher.polls >= 1, timeout=5000)
    dialog = VendorDialog(ctx, _vendor_id(ctx, "Acme Outsourcing"), win)
    dialog.form.widget("notes").setPlainText("ours")
    dialog.accept()
    polls = win.watcher.polls
    qtbot.waitUntil(lambda: win.watcher.polls >= polls + 2, timeout=5000)
    assert win.watcher.announced == 0
    win.close()


# --- conflicts ----------------------------------------------------------------------------------


def test_the_second_save_gets_the_conflict_and_reload_keeps_the_typed_values(
    ctx: AppContext, ctx_b: AppContext, qtbot
) -> None:  # type: ignore[no-untyped-def]
    as_user(ctx.db, "ann")
    c001 = _contract_id(ctx, "C-001")
    mine = ContractEditor(ctx_b, c001)  # Bob's desk opens C-001 first
    qtbot.addWidget(mine)
    mine.show()
    theirs = ContractEditor(ctx, c001)
    qtbot.addWidget(theirs)
    theirs.show()
    theirs.form.widget("title").setText("Service desk (Ann)")
    assert theirs.apply()

    mine.form.widget("title").setText("Service desk 24/7")
    mine.form.widget("notes").setPlainText("Bob's note")
    assert not mine.apply()
    message = mine.form.form_error.text()
    assert "ann" in message and "changed" in message and "C-001" in message
    panel = mine.conflict_panel
    assert panel.isVisible() and panel.reload_button.isVisible()
    with ctx_b.session() as session:  # nothing was overwritten
        assert session.get_one(Contract, c001).title == "Service desk (Ann)"

    qtbot.mouseClick(panel.reload_button, Qt.MouseButton.LeftButton)
    assert mine.form.values()["title"] == "Service desk (Ann)"  # what is stored now
    assert mine.form.values()["notes"] == ""
    yours = panel.findChild(type(panel.note), "yours_title")
    assert yours is not None and yours.text() == "your value: Service desk 24/7"
    assert panel.findChild(type(panel.note), "yours_notes").text() == "your value: Bob's note"
    assert mine.form.form_error.text() == ""

    panel.use_all()
    assert mine.apply()  # from the reloaded version: no conflict
    with ctx_b.session() as session:
        stored = session.get_one(Contract, c001)
        assert (stored.title, stored.notes) == ("Service desk 24/7", "Bob's note")
    assert not panel.isVisible()


def test_undo_does_not_overwrite_what_another_desk_saved_since(
    ctx: AppContext, ctx_b: AppContext, qtbot
) -> None:  # type: ignore[no-untyped-def]
    acme = _vendor_id(ctx, "Acme Outsourcing")
    dialog = VendorDialog(ctx, acme)
    qtbot.addWidget(dialog)
    dialog.form.widget("contact_name").setText("Mine")
    dialog.accept()
    with as_user(ctx_b.db, "carol").session() as session:
        actions.update_vendor(session, acme, {"contact_name": "Carol's"})
    ctx.undo_stack.undo()
    with ctx.session() as session:
        assert session.get_one(Vendor, acme).contact_name == "Carol's"
    shown = [box.text() for box in open_dialogs()]
    assert any("carol" in text for text in shown), shown
    for box in open_dialogs():
        box.close()


def test_a_record_deleted_meanwhile_cannot_be_saved(
    ctx: AppContext, ctx_b: AppContext, qtbot
) -> None:  # type: ignore[no-untyped-def]
    with ctx.session() as session:
        actions.create_vendor(session, {"name": "Short-lived"})
    vendor = _vendor_id(ctx, "Short-lived")
    dialog = VendorDialog(ctx, vendor)
    qtbot.addWidget(dialog)
    dialog.show()
    with ctx_b.session() as session:
        actions.delete_vendor(session, vendor)
    dialog.form.widget("notes").setPlainText("too late")
    assert not dialog.try_save()
    assert "deleted" in dialog.form.form_error.text()
    assert not dialog.ok_button.isEnabled()


# --- passwords ----------------------------------------------------------------------------------


def test_recent_databases_never_hold_a_password(tmp_path: Path) -> None:
    settings_store.remember_database("postgresql+psycopg://ann:s3cret@db.example.org/ck")
    settings_store.remember_database("postgresql://bob@db.example.org/ck?sslmode=require")
    settings_store.remember_database("postgresql://carol:***@db.example.org/ck")
    settings_store.settings().setValue("database/recent", [
        *settings_store.settings().value("database/recent"),
        "postgresql://dave:old@db.example.org/ck"])  # written by an older version
    recent = settings_store.recent_databases()
    assert recent == ["postgresql://carol@db.example.org/ck",
                      "postgresql://bob@db.example.org/ck?sslmode=require",
                      "postgresql+psycopg://ann@db.example.org/ck",
                      "postgresql://dave@db.example.org/ck"]
    assert settings_store.last_database() == "postgresql://carol@db.example.org/ck"
    ini = Path(settings_store.settings().fileName()).read_text()
    assert "s3cret" not in ini and "***" not in ini
    assert settings_store.without_password("postgresql:///ck?service=team") == (
        "postgresql:///ck?service=team")  # libpq's service file and ~/.pgpass do the rest


def test_a_server_asking_for_a_password_gets_it_from_the_dialog(
    main_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.errors import DatabaseError
    from app.ui import password_dialog

    tried: list[str] = []

    def fake_open(target: str) -> Database:
        tried.append(target)
        if ":hunter2@" not in target:
            raise DatabaseError('cannot open postgresql+psycopg://ann@db.example.org/ck: '
                                'connection failed: FATAL:  password authentication failed '
                                'for user "ann"')
        return main_window.ctx.db

    monkeypatch.setattr("app.store.engine.open_database", fake_open)
    asked: list[bool] = []
    monkeypatch.setattr(password_dialog, "ask_password",
                        lambda target, retry, parent=None: asked.append(retry) or (
                            "wrong" if not retry else "hunter2"))
    db = main_window.open_with_password("postgresql+psycopg://ann@db.example.org/ck")
    assert db is main_window.ctx.db
    assert asked == [False, True]
    assert tried[0] == "postgresql+psycopg://ann@db.example.org/ck"
    assert tried[-1] == "postgresql+psycopg://ann:hunter2@db.example.org/ck"


def test_the_password_dialog_hides_what_is_typed(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLineEdit

    from app.ui.password_dialog import PasswordDialog, needs_password

    dialog = PasswordDialog("postgresql://ann@db.example.org/ck", retry=False)
    qtbot.addWidget(dialog)
    assert dialog.edit.echoMode() == QLineEdit.EchoMode.Password
    assert "db.example.org" in dialog.message.text() and "ann" in dialog.message.text()
    assert needs_password(Exception('fe_sendauth: no password supplied'))
    assert not needs_password(Exception('could not connect: Connection refused'))




# --- read-only ----------------------------------------------------------------------------------


def _assert_read_only(win: MainWindow, user: str | None = None) -> None:
    """Editing off everywhere, exports and the calendar on, the banner and title say so."""
    assert win.windowTitle().endswith("— read-only — Clausekeeper"), win.windowTitle()
    assert win.team_banner.isVisible()
    assert "Read-only" in win.team_banner.text()
    if user:
        assert user in win.team_banner.text()
    for action in (win.new_contract_action, win.import_action, win.undo_action,
                   win.needs_review_action):
        assert not action.isEnabled(), action.objectName()
    for action in (*win.export_actions.values(), win.calendar_action,
                   win.export_current_action):
        assert action.isEnabled(), action.objectName()
    contracts = win.show_page("Contracts")
    assert contracts.table.model().rowCount() > 0
    contracts.table.selectRow(0)
    assert not contracts.new_button.isEnabled()
    assert not contracts.edit_button.isEnabled() and not contracts.delete_button.isEnabled()
    vendors = win.show_page("Vendors")
    vendors.table.selectRow(0)
    texts = {b.text(): b.isEnabled() for b in vendors.findChildren(type(contracts.new_button))}
    assert texts["&New vendor…"] is False and texts["&Edit…"] is False
    renewals = win.show_page("Renewals")
    assert not renewals.notice_button.isEnabled() and not renewals.option_button.isEnabled()
    assert renewals.excel_button.isEnabled() and renewals.ics_button.isEnabled()
    knowledge = win.show_page("Knowledge")
    assert not knowledge.import_attestations_button.isEnabled()
    assert knowledge.export_attestations_button.isEnabled()
    sla = win.show_page("SLAs")
    assert not sla.import_button.isEnabled() and not sla.credit_button.isEnabled()
    assert sla.grid.editTriggers() == sla.grid.EditTrigger.NoEditTriggers


@pytest.mark.sqlite_only
def test_a_read_only_sqlite_file_switches_editing_off(
    portfolio_db: Database, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    import os

    path = portfolio_db.path
    assert path is not None
    portfolio_db.close()
    folder = path.parent
    for name in (path, *folder.glob(f"{path.name}-*")):
        name.chmod(0o444)
    folder.chmod(0o555)
    try:
        # root may write the file anyway: then the store's read-only open of the same file
        db = open_database(str(path), read_only=os.access(path, os.W_OK))
        try:
            assert db.read_only
            ctx = AppContext(db, AS_OF)
            win = window(ctx, qtbot)
            _assert_read_only(win)
            win.close()
            workers.wait_for_ops(30)
        finally:
            db.close()
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)


@pytest.mark.postgres
def test_a_read_only_postgresql_role_switches_editing_off(qtbot) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.team_fixtures import read_only_role

    with read_only_role() as (db, user):
        assert db.read_only
        ctx = AppContext(db, AS_OF)
        win = window(ctx, qtbot)
        _assert_read_only(win, user)
        win.close()
        workers.wait_for_ops(30)


# --- connection lost ----------------------------------------------------------------------------


def test_a_lost_connection_shows_the_banner_not_dialogs_and_recovers(
    main_window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Store calls failing with ConnectionLostError (here a worker's query) give one banner,
    no dialog; editing pauses; the ping brings it all back."""
    from app.errors import ConnectionLostError

    ctx = main_window.ctx
    main_window.monitor.timer.setInterval(100)
    answers = [False, False]
    real_ping = ctx.db.ping
    monkeypatch.setattr(ctx.db, "ping", lambda: answers.pop(0) if answers else real_ping())

    def down(_session, _progress):  # type: ignore[no-untyped-def]
        raise ConnectionLostError("the connection to the database server was lost")

    for _ in range(5):
        workers.run_op(main_window, ctx, "Something", down, show_progress=False)
    qtbot.waitUntil(lambda: main_window.team_banner.kind == "lost", timeout=2000)
    assert "lost — retrying" in main_window.team_banner.text()
    assert open_dialogs() == []
    assert not main_window.new_contract_action.isEnabled()
    assert main_window.export_actions["register"].isEnabled()
    qtbot.waitUntil(lambda: main_window.team_banner.kind == "", timeout=5000)
    assert main_window.monitor.pings >= 3
    assert main_window.new_contract_action.isEnabled()
    assert open_dialogs() == []


@pytest.mark.postgres
def test_the_server_going_away_and_coming_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A real outage: the database refuses connections and ours are cut; the banner shows
    within seconds, and goes once connections are allowed again."""
    from tests.ui.team_fixtures import outage, pg_portfolio

    with pg_portfolio() as db:
        ctx = AppContext(db, AS_OF)
        win = window(ctx, qtbot)
        win.monitor.timer.setInterval(500)
        with outage(db):
            qtbot.waitUntil(lambda: win.team_banner.kind == "lost", timeout=8000)
            assert "lost — retrying" in win.team_banner.text()
            assert not win.new_contract_action.isEnabled()
            assert open_dialogs() == []
        qtbot.waitUntil(lambda: win.team_banner.kind == "", timeout=10000)
        assert win.new_contract_action.isEnabled()
        win.close()
        workers.wait_for_ops(30)


# --- knowledge links ----------------------------------------------------------------------------


def test_a_knowledge_link_changed_at_another_desk_is_not_overwritten(
    ctx: AppContext, ctx_b: AppContext
) -> None:
    from app.errors import ConflictError
    from app.store import knowledge_actions
    from app.ui.knowledge import commands

    with ctx.session() as session:
        actions.create_person(session, {"name": "Pat", "email": "pat@example.org"})
    key = commands.LinkKey("pat@example.org", "Pat", "C-001", "9.1")
    seen_at_b = [None]  # desk B's matrix shows: no link
    as_user(ctx.db, "ann")
    commands.set_level(ctx, [key], 3, [None])  # desk A links Pat at level 3
    with pytest.raises(ConflictError, match="ann"):
        commands.set_level(ctx_b, [key], 1, seen_at_b)
    with ctx.session() as session:
        assert knowledge_actions.link_state(session, *_args(key))[0] == 3

    # undo at B of B's own later change does not undo A's newer one either
    command = commands.set_level(ctx_b, [key], 4, [(3, AS_OF)])
    assert command is not None
    commands.set_level(ctx, [key], 2, [(4, AS_OF)])
    ctx_b.undo_stack.undo()
    with ctx.session() as session:
        assert knowledge_actions.link_state(session, *_args(key))[0] == 2
    for box in open_dialogs():
        box.close()


def _args(key: object) -> tuple[str, str, str]:
    return key.person_key, key.contract, key.number  # type: ignore[attr-defined]


def test_the_contract_list_keeps_rows_beyond_its_first_page_on_refresh(
    ctx: AppContext, ctx_b: AppContext, qtbot
) -> None:  # type: ignore[no-untyped-def]
    with ctx.session() as session:
        acme = session.scalars(select(Vendor).where(Vendor.name == "Acme Outsourcing")).one()
        for number in range(450):
            session.add(Contract(reference=f"X-{number:04d}", title="Bulk", vendor=acme,
                                 start_date=date(2025, 1, 1), initial_term_months=12,
                                 renewal="none"))
    win_b = window(ctx_b, qtbot)
    contracts = win_b.show_page("Contracts")
    contracts.model.fetch_all()
    deep = _contract_id(ctx_b, "X-0400")
    assert contracts.select_contract(deep)
    bar = contracts.table.verticalScrollBar()
    place = bar.value()
    assert place > 0
    with ctx.session() as session:  # the other desk
        actions.update_contract(session, _contract_id(ctx, "X-0001"), {"title": "Renamed"})
    qtbot.waitUntil(lambda: any(contracts.model.row_at(r).title == "Renamed"
                                for r in range(10)), timeout=5000)
    assert contracts.model.rowCount() >= 400
    assert contracts.selected_ids() == [deep]
    assert bar.value() == place
    win_b.close()


def test_a_server_that_cannot_be_reached_when_opening_gives_a_dialog_not_the_banner(
    main_window: MainWindow,
) -> None:
    # a real attempt: nothing listens on port 9 (the store says ConnectionLostError)
    assert not main_window.switch_database("postgresql://nobody@127.0.0.1:9/none")
    shown = [box.text() for box in open_dialogs()]
    assert any("127.0.0.1" in text for text in shown), shown
    assert main_window.team_banner.kind == ""  # the open database is fine
    assert main_window.ctx.connected
    for box in open_dialogs():
        box.close()


def test_a_refresh_waits_while_a_cell_is_being_typed_into(
    ctx: AppContext, ctx_b: AppContext, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.test_sla_workspace import _add_slas, _type_into

    _add_slas(ctx)
    win_b = window(ctx_b, qtbot)
    win_b.activateWindow()
    qtbot.waitUntil(lambda: win_b.isActiveWindow())
    sla = win_b.show_page("SLAs")
    qtbot.waitUntil(lambda: sla.grid_model.rowCount() > 0, timeout=10_000)
    editor = _type_into(qtbot, sla, "Availability", date(2025, 11, 1), "98.0")
    qtbot.waitUntil(lambda: win_b.watcher.polls >= 1, timeout=5000)
    with ctx.session() as session:  # the other desk saves something meanwhile
        actions.update_vendor(session, _vendor_id(ctx, "Globex Hosting"), {"notes": "x"})
    polls = win_b.watcher.polls
    qtbot.waitUntil(lambda: win_b.watcher.polls >= polls + 2, timeout=5000)
    assert win_b.watcher.announced == 0  # held back: the typed value is still there
    assert editor.isVisible() and editor.text() == "98.0"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win_b.watcher.announced == 1, timeout=5000)
    assert sla.grid_index("Availability", date(2025, 11, 1)).data() == "98.0"
    win_b.close()


def test_an_untouched_dialog_shows_what_another_desk_saved(
    ctx: AppContext, ctx_b: AppContext, qtbot
) -> None:  # type: ignore[no-untyped-def]
    win_a = window(ctx, qtbot)
    acme = _vendor_id(ctx, "Acme Outsourcing")
    dialog = VendorDialog(ctx, acme, win_a)
    qtbot.addWidget(dialog)
    dialog.show()
    with ctx_b.session() as session:
        actions.update_vendor(session, acme, {"contact_name": "Set elsewhere"})
    qtbot.waitUntil(lambda: dialog.form.values()["contact_name"] == "Set elsewhere",
                    timeout=5000)
    assert not dialog.form.is_dirty()
    dialog.form.widget("notes").setPlainText("mine")
    assert dialog.try_save()  # from the version it showed: no conflict
    with ctx.session() as session:
        stored = session.get_one(Vendor, acme)
        assert (stored.contact_name, stored.notes) == ("Set elsewhere", "mine")
    win_a.close()
