"""Render the main views of the desktop application to PNG files, offscreen.

    python tools/render_screenshots.py [--out docs/screenshots] [--db FILE] [--as-of YYYY-MM-DD]
                                       [--only pages,editor,import]

Without --db a demo database is written to a temporary folder (small scale, seed 1, dated on the
as-of date). Each page of the main window is grabbed at 1280x800 once its workers have finished,
then the contract editor on the first contract of the renewals list (General and Knowledge tabs),
the off-boarding simulation of the two people who own most clauses, then the import wizard's
mapping and preview steps on tests/data/legacy_register.csv. The People page shows
what the next leaver among those who know most takes with them. The knowledge page's "Forecast
and successors" tab is shown for the most critical clause that has the most candidates.
QSettings go to a temporary folder, so the developer's window layout is neither used nor changed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1280, 800)
SAMPLE_REGISTER = ROOT / "tests" / "data" / "legacy_register.csv"
SHOTS = ("pages", "editor", "import")


def _offscreen(folder: Path) -> None:
    """An offscreen screen larger than the window, so nothing is clamped to 800 pixels."""
    config = folder / "offscreen.json"
    config.write_text(json.dumps({"screens": [{
        "name": "screenshots", "x": 0, "y": 0, "width": 1600, "height": 1000,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1,
    }]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


def _settle(app: object, seconds: float = 0.3) -> None:
    from PySide6.QtCore import QCoreApplication

    from app.ui import workers

    if not workers.wait_for_ops(300):
        raise SystemExit("render_screenshots: a view did not finish computing")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    if not workers.wait_for_ops(300):
        raise SystemExit("render_screenshots: a view did not finish computing")


def _select_leaver(window: Any, db: Any, as_of: date) -> None:
    """On the People page, select the person leaving soonest among those who know most."""
    from sqlalchemy import func, select

    from app.store.models import Knowledge, Person

    with db.session() as session:
        person_id = session.scalar(
            select(Person.id).join(Knowledge).where(Person.leaves_on >= as_of)
            .group_by(Person.id).order_by(func.count().desc(), Person.leaves_on).limit(1)
        )
    people = window.page("People")
    if person_id is not None and callable(getattr(people, "select", None)):
        people.select(person_id)


def _simulation(window: Any, ctx: Any, app: Any, out: Path, number: int) -> list[Path]:
    """The off-boarding simulation of the two people who are current owners of most clauses."""
    from app.services.knowledge import gaps
    from app.services.knowledge_views import people_choices
    from app.ui.knowledge.simulation import SimulationDialog

    with ctx.session() as session:
        result = gaps(session, ctx.as_of)
    owned: dict[str, int] = {}
    for clause in result.clauses:
        for name in clause.owners:
            owned[name] = owned.get(name, 0) + 1
    dialog = SimulationDialog(ctx, [], window)
    names = sorted(owned, key=lambda n: (-owned[n], n))[:2]
    with ctx.session() as session:
        keys = [p.key for p in people_choices(session) if p.name in names][:2]
    dialog.choose_people(keys)
    dialog.resize(*SIZE)
    dialog.show()
    dialog.run()
    _settle(app)
    path = out / f"{number:02d}-simulation.png"
    dialog.grab().save(str(path))
    dialog.close()
    return [path]


def _forecast_successors(window: Any, ctx: Any, app: Any, out: Path, number: int) -> list[Path]:
    """The forecast chart beside the successors of a critical clause with several candidates."""
    from app.services.continuity import find_successors

    page = window.show_page("Knowledge")
    if not callable(getattr(page, "show_continuity", None)):
        return []
    with ctx.session() as session:
        result = find_successors(session, ctx.as_of)
    best = max(result.clauses, key=lambda c: (len(c.candidates), c.criticality), default=None)
    if best is not None:
        page.filters.contract.setText(best.contract)
        _settle(app)
        page.select_clause(best.clause_id)
    page.show_continuity()
    page.splitter.setSizes([260, 440])
    _settle(app)
    path = out / f"{number:02d}-forecast-successors.png"
    window.grab().save(str(path))
    return [path]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--db", default=None, help="a database to show (default: a fresh demo)")
    parser.add_argument("--as-of", dest="as_of", type=date.fromisoformat, default=date.today())
    parser.add_argument("--only", default=",".join(SHOTS),
                        help=f"what to render, of {', '.join(SHOTS)} (default: all)")
    args = parser.parse_args(argv)
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    if not only <= set(SHOTS):
        parser.error(f"--only: choose from {', '.join(SHOTS)}")

    temp = Path(tempfile.mkdtemp(prefix="clausekeeper-shots-"))
    _offscreen(temp)
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings

    from app.store.engine import open_database
    from app.ui.application import make_application
    from app.ui.context import AppContext
    from app.ui.main_window import PAGES, MainWindow

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(temp / "qt"))
    app = make_application()

    db = open_database(args.db or str(temp / "demo.db"))
    if args.db is None:
        from app.store.demo import generate

        with db.session() as session:
            generate(session, scale="small", seed=1, as_of=args.as_of)

    args.out.mkdir(parents=True, exist_ok=True)
    ctx = AppContext(db, args.as_of)
    window = MainWindow(ctx)
    window.resize(*SIZE)
    window.show()
    written: list[Path] = []
    for number, name in enumerate(PAGES, start=1):
        if "pages" not in only:
            break
        window.show_page(name)
        _settle(app)
        if name == "Knowledge":
            _settle(app)  # the whole portfolio follows its first rows, then the matrix
        if name == "People":
            _select_leaver(window, db, args.as_of)
            _settle(app)
        path = args.out / f"{number:02d}-{name.lower()}.png"
        window.grab().save(str(path))
        written.append(path)

    sla_page = window.show_page("SLAs")
    if callable(getattr(sla_page, "apply_filters", None)):
        from app.services.renewals import renewals
        from app.services.sla_workspace import sla_contracts

        with db.session() as session:
            with_slas = {c.reference for c in sla_contracts(session)}
            running = [r.reference for r in renewals(session, args.as_of)
                       if r.reference in with_slas and r.status == "active"]
        if running:
            sla_page.apply_filters({"contract": running[0], "tab": "measurements"})
            _settle(app)
            path = args.out / "11-sla-grid.png"
            window.grab().save(str(path))
            written.append(path)

    contracts = window.show_page("Contracts")
    opener = getattr(contracts, "open_contract", None)
    if callable(opener) and "editor" in only:
        from app.services.renewals import renewals

        with db.session() as session:
            rows = renewals(session, args.as_of)
        editor = opener(rows[0].reference) if rows else None
        if editor is not None:
            _settle(app)
            editor.resize(*SIZE)
            _settle(app)
            path = args.out / f"{len(PAGES) + 1:02d}-contract-editor.png"
            editor.grab().save(str(path))
            written.append(path)
            tabs = getattr(editor, "tabs", None)
            matrix = getattr(editor, "knowledge_matrix", None)
            if tabs is not None and matrix is not None:
                tabs.setCurrentWidget(matrix)
                _settle(app)
                path = args.out / f"{len(PAGES) + 2:02d}-knowledge-matrix.png"
                editor.grab().save(str(path))
                written.append(path)
            editor.close()
    written.extend(_simulation(window, ctx, app, args.out, len(PAGES) + 3))
    written.extend(_forecast_successors(window, ctx, app, args.out, len(PAGES) + 5))
    if "import" in only:
        written += _import_wizard(app, window, ctx, args.out, 13)
    window.close()
    _settle(app, 0.05)
    db.close()
    shutil.rmtree(temp, ignore_errors=True)
    for path in written:
        print(path)
    return 0


def _import_wizard(app: object, window: object, ctx: object, out: Path, number: int) -> list[Path]:
    """The wizard's mapping step (the fee mapped by hand, day-first dates) and its preview."""
    from app.ui.import_wizard import ImportWizard

    wizard = ImportWizard(ctx, SAMPLE_REGISTER, window)  # type: ignore[arg-type]
    wizard.resize(1180, 720)
    wizard.show()
    _settle(app)
    wizard.next()
    _settle(app)
    mapping = wizard.mapping_page
    fee = [mapping.table.item(i, 0).text() for i in range(mapping.table.rowCount())].index(
        "Yearly fee")
    mapping.set_field(fee, "annual_value")
    mapping.dayfirst.setChecked(True)
    _settle(app)
    written = [out / f"{number:02d}-import-mapping.png"]
    wizard.grab().save(str(written[0]))
    wizard.next()
    _settle(app)
    written.append(out / f"{number + 1:02d}-import-preview.png")
    wizard.grab().save(str(written[1]))
    wizard.reject()
    _settle(app, 0.05)
    return written


if __name__ == "__main__":
    raise SystemExit(main())
