"""Who may do what on a shared database (issue #15): read-only users, the audit actor, and clear
one-line errors (no password) when the server cannot be used."""

from __future__ import annotations

import getpass
import json
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from app.cli import main
from app.errors import DatabaseError, ReadOnlyError
from app.reports.export import export_report
from app.reports.register_import import import_register_workbook
from app.services.knowledge import gaps_json
from app.services.renewals import renewals_json
from app.store import portfolio_actions as actions
from app.store.demo import generate
from app.store.engine import Database, open_database
from app.store.migrate import alembic_config
from app.store.models import AuditLog, Contract
from tests.conftest import pg_database_url, pg_roles

AS_OF = date(2026, 11, 29)
READ_COMMANDS = (
    ["renewals", "--json"],
    ["gaps", "--json"],
    ["sla", "--json"],
    ["reminders", "--json"],
    ["forecast", "--json", "--months", "2"],
    ["successors", "--json"],
    ["imports", "--json"],
    ["check"],
)


def _counts(db: Database) -> tuple[int, int, str]:
    with db.session() as s:
        return (
            s.scalar(select(func.count()).select_from(AuditLog)) or 0,
            s.scalar(select(func.count()).select_from(Contract)) or 0,
            s.scalars(select(Contract.title).order_by(Contract.id).limit(1)).one(),
        )


def _one_line_error(capsys: pytest.CaptureFixture[str], *secrets: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("clausekeeper: "), err
    assert "Traceback" not in err
    for secret in secrets:
        assert secret not in err
    return err


@pytest.mark.postgres
def test_read_only_role_reads_everything_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pg_roles("owner", readers=("viewer",)) as (urls, names):
        password = make_url(urls[1]).password
        assert password
        owner = open_database(urls[0])
        with owner.session() as s:
            generate(s, "small", seed=5, as_of=AS_OF)
        owner.close()

        viewer = open_database(urls[1])
        try:
            assert viewer.read_only and viewer.user == names[1]
            with viewer.session() as s:
                assert len(gaps_json(s, AS_OF, None)["contracts"]) > 20
                assert renewals_json(s, AS_OF, None)
                register = export_report(s, "register", tmp_path / "register.xlsx", AS_OF)
            before = _counts(viewer)
            with pytest.raises(ReadOnlyError) as caught, viewer.session() as s:
                actions.update_contract(s, 1, {"title": "Changed by the viewer"})
            assert str(caught.value) == (
                f"the database is read-only for user '{names[1]}'; saving needs write access"
            )
            with pytest.raises(ReadOnlyError), viewer.session() as s:
                import_register_workbook(s, register)
            with pytest.raises(ReadOnlyError), viewer.session() as s:
                actions.create_vendor(s, {"name": "Nobody's vendor"})
            assert _counts(viewer) == before
            assert viewer.ping()
        finally:
            viewer.close()

        for args in READ_COMMANDS:
            assert main(["--db", urls[1], "--as-of", "2026-11-29", *args]) == 0, args
        out = capsys.readouterr().out
        assert password not in out
        assert main(["--db", urls[1], "export", "knowledge", "--out",
                     str(tmp_path / "k.xlsx")]) == 0
        assert main(["--db", urls[1], "calendar", "--out", str(tmp_path / "c.ics")]) == 0
        assert main(["--db", urls[1], "backup", "--out", str(tmp_path / "copy.db")]) == 0
        capsys.readouterr()

        for args, what in (
            (["demo"], "filling the database with the demo portfolio"),
            (["import", str(register)], "importing a register workbook"),
            (["undo-import", "1"], "taking an import back"),
        ):
            assert main(["--db", urls[1], *args]) == 1
            err = _one_line_error(capsys, password)
            assert err == (
                f"clausekeeper: the database is read-only for user '{names[1]}'; "
                f"{what} needs write access\n"
            )
        # A dry run only reads: it is allowed.
        assert main(["--db", urls[1], "import", str(register), "--dry-run"]) == 0
        capsys.readouterr()
        reopened = open_database(urls[1])
        assert _counts(reopened) == before
        reopened.close()


def test_read_only_sqlite_file_reads_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "portfolio.db"
    writer = open_database(str(path))
    with writer.session() as s:
        generate(s, "small", seed=5, as_of=AS_OF)
    writer.close()
    db = open_database(str(path), read_only=True)
    try:
        assert db.read_only and db.user == getpass.getuser()
        before = _counts(db)
        with db.session() as s:
            assert len(gaps_json(s, AS_OF, None)["contracts"]) > 20
        with pytest.raises(ReadOnlyError, match="read-only for user"), db.session() as s:
            actions.update_contract(s, 1, {"title": "Changed"})
        with pytest.raises(ReadOnlyError, match="demo portfolio needs write access"):
            db.require_write("filling the database with the demo portfolio")
        assert _counts(db) == before
    finally:
        db.close()


def test_a_read_only_database_is_never_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    config = alembic_config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
        conn.commit()
    engine.dispose()
    with pytest.raises(DatabaseError, match="needs an upgrade; ask someone with write access"):
        open_database(str(path), read_only=True)
    with create_engine(f"sqlite:///{path}").connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0003"


def test_the_audit_trail_names_the_os_user_on_sqlite(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("on PostgreSQL the database user is recorded (test_team_conflicts)")
    with db.session() as s:
        actions.create_vendor(s, {"name": "Acme"})
        assert s.scalars(select(AuditLog.actor)).one() == getpass.getuser() == db.user


@pytest.mark.postgres
def test_the_audit_trail_names_the_database_user_on_postgres() -> None:
    with pg_roles("clerk") as (urls, names):
        db = open_database(urls[0])
        try:
            with db.session() as s:
                actions.create_vendor(s, {"name": "Acme"})
                assert s.scalars(select(AuditLog.actor)).one() == names[0] == db.user
        finally:
            db.close()


@pytest.mark.postgres
def test_the_password_is_never_shown(capsys: pytest.CaptureFixture[str]) -> None:
    with pg_database_url() as url:
        password = make_url(url).password
        assert password
        db = open_database(url)
        try:
            assert password not in db.display_url and password not in db.describe()
            assert "***" not in db.display_url and db.display_url.startswith("postgresql://")
        finally:
            db.close()
        assert main(["--db", url, "check"]) == 0
        assert password not in capsys.readouterr().out
        wrong = make_url(url).set(password="not-the-password-42").render_as_string(
            hide_password=False
        )
        assert main(["--db", wrong, "check"]) == 1
        err = _one_line_error(capsys, password, "not-the-password-42")
        assert "wrong or missing password" in err
        missing = make_url(url).set(database="ck_no_such_database").render_as_string(
            hide_password=False
        )
        assert main(["--db", missing, "renewals"]) == 1
        assert "'ck_no_such_database' does not exist" in _one_line_error(capsys, password)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://ann:s3cret-pw@127.0.0.1:9/team", "127.0.0.1:9: it is not running"),
        ("postgresql://ann:s3cret-pw@no-such-host.invalid/team", "the host name is unknown"),
    ],
)
def test_unreachable_servers_are_one_clear_line(
    url: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", url, "gaps", "--json"]) == 1
    assert message in _one_line_error(capsys, "s3cret-pw")


@pytest.mark.postgres
def test_json_of_the_read_commands_is_the_same_for_a_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reader sees exactly what the writer sees."""
    with pg_roles("owner", readers=("viewer",)) as (urls, _names):
        owner = open_database(urls[0])
        with owner.session() as s:
            generate(s, "small", seed=6, as_of=AS_OF)
        owner.close()
        outputs = []
        for url in urls:
            assert main(["--db", url, "--as-of", "2026-11-29", "gaps", "--json"]) == 0
            outputs.append(json.loads(capsys.readouterr().out))
        assert outputs[0] == outputs[1]


@pytest.mark.postgres
def test_a_team_database_is_upgraded_by_its_owner_only() -> None:
    """A database of the previous schema: a writer is told to ask the owner; the owner's first
    open upgrades it, records keep their data and get version 1, and the notification works."""
    import os

    from sqlalchemy import text

    with pg_roles("writer") as (urls, _names):
        database = make_url(urls[0]).database
        owner_url = make_url(os.environ["CLAUSEKEEPER_TEST_PG_URL"]).set(database=database)
        engine = create_engine(owner_url)
        with engine.connect() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "0003")
            conn.execute(text("INSERT INTO vendors (name) VALUES ('Acme')"))
            conn.commit()
        engine.dispose()
        with pytest.raises(DatabaseError, match="only the owner of its tables may do"):
            open_database(urls[0])
        upgraded = open_database(owner_url.render_as_string(hide_password=False))
        upgraded.close()
        writer = open_database(urls[0])
        try:
            with writer.session() as s:
                assert actions.record_version(s, "Vendor", 1) == 1
                actions.update_vendor(s, 1, {"country": "DE"}, expected_version=1)
                assert actions.record_version(s, "Vendor", 1) == 2
        finally:
            writer.close()


def test_a_malformed_url_is_echoed_without_its_password(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", "postgresql://ann:s3cret-pw@dbhost:port/team", "check"]) == 1
    err = _one_line_error(capsys, "s3cret-pw")
    assert "'postgresql://ann:***@dbhost:port/team' is not a valid database URL" in err


@pytest.mark.postgres
def test_postgres_opened_read_only_on_purpose() -> None:
    with pg_database_url() as url:
        writer = open_database(url)
        with writer.session() as s:
            actions.create_vendor(s, {"name": "Acme"})
        writer.close()
        db = open_database(url, read_only=True)
        try:
            assert db.read_only
            with db.session() as s:
                assert actions.find_vendor(s, "Acme") == 1
            with pytest.raises(ReadOnlyError, match="saving needs write access"), db.session() as s:
                actions.update_vendor(s, 1, {"country": "DE"})
        finally:
            db.close()
