"""Store actions and queries of the portfolio views, on a real migrated SQLite database (no Qt)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ClausekeeperError, NotFoundError, ValidationError
from app.store import portfolio_actions as actions
from app.store import portfolio_queries as queries
from app.store.models import (
    AuditLog,
    Clause,
    Contract,
    Document,
    Knowledge,
    Measurement,
    Person,
    Sla,
)

VENDOR = {"name": "Northwind IT", "country": "DE", "contact_email": "sales@northwind.example"}


def contract(reference: str = "C-2024-001", **overrides: str) -> dict[str, str]:
    values = {
        "reference": reference,
        "title": "Service desk",
        "vendor": "Northwind IT",
        "start_date": "2024-01-01",
        "initial_term_months": "24",
        "renewal": "auto",
        "renewal_term_months": "12",
        "notice_value": "3",
        "annual_value": "120000.50",
    }
    values.update(overrides)
    return values


def audit_rows(session: Session, entity: str) -> list[AuditLog]:
    return list(
        session.scalars(select(AuditLog).where(AuditLog.entity == entity).order_by(AuditLog.id))
    )


@pytest.fixture
def vendor_id(session: Session) -> int:
    return actions.create_vendor(session, VENDOR)


def test_create_contract_stores_typed_values_and_defaults(session: Session, vendor_id: int) -> None:
    contract_id = actions.create_contract(session, contract())
    stored = session.get(Contract, contract_id)
    assert stored is not None
    assert stored.vendor_id == vendor_id
    assert stored.start_date == date(2024, 1, 1)
    assert stored.annual_value == Decimal("120000.50")
    # Defaults of SPEC §1 for the fields the form left out.
    assert (stored.currency, stored.notice_unit, stored.credit_claim_days) == ("EUR", "months", 30)
    assert stored.reminder_days == "180,90,30,7"
    assert stored.options_exercised == 0
    # The form text round-trips.
    values = actions.contract_values(session, contract_id)
    assert values["annual_value"] == "120000.50"
    assert values["owner"] == ""
    assert [row.action for row in audit_rows(session, "Contract")] == ["insert"]
    assert audit_rows(session, "Vendor")[0].entity_key == "Northwind IT"


def test_reminders_none_is_an_empty_list_and_shows_as_none(
    session: Session, vendor_id: int
) -> None:
    contract_id = actions.create_contract(session, contract(reminder_days="none"))
    assert session.get(Contract, contract_id).reminder_days == ""  # type: ignore[union-attr]
    assert actions.contract_values(session, contract_id)["reminder_days"] == "none"


def test_field_problems_name_the_field(session: Session, vendor_id: int) -> None:
    with pytest.raises(ValidationError) as info:
        actions.create_contract(
            session, contract(start_date="2025-02-30", notice_value="-1", currency="EURO")
        )
    lines = info.value.lines()
    assert "start_date: '2025-02-30' is not a date (February 2025 has no day 30)" in lines
    assert any(line.startswith("notice_value:") for line in lines)
    assert any(line.startswith("currency:") for line in lines)
    assert session.scalar(select(Contract.id)) is None


def test_auto_renewal_without_renewal_term_is_refused(session: Session, vendor_id: int) -> None:
    parsed = actions.parse_contract(contract(renewal_term_months=""))
    assert set(parsed.problems) == {"renewal_term_months"}
    with pytest.raises(ValidationError, match="renewal_term_months: required for auto renewal"):
        actions.create_contract(session, contract(renewal_term_months=""))


def test_options_exercised_beyond_max_renewals(session: Session, vendor_id: int) -> None:
    parsed = actions.parse_contract(
        contract(renewal="option", max_renewals="1", options_exercised="2")
    )
    assert parsed.problems == {
        "options_exercised": "options_exercised: 2 is more than max_renewals (1)"
    }


def test_initial_term_required_only_when_asked(session: Session, vendor_id: int) -> None:
    without = contract(initial_term_months="", renewal="none", renewal_term_months="")
    assert actions.parse_contract(without).ok  # an import may leave it needs_review
    gui = actions.parse_contract(without, require_initial=True)
    assert list(gui.problems) == ["initial_term_months"]
    evergreen = contract(initial_term_months="", renewal="evergreen", renewal_term_months="")
    assert actions.parse_contract(evergreen, require_initial=True).ok


def test_duplicate_keys_are_clear_errors(session: Session, vendor_id: int) -> None:
    actions.create_contract(session, contract())
    with pytest.raises(ValidationError, match="reference: a contract 'C-2024-001' already exists"):
        actions.create_contract(session, contract())
    with pytest.raises(ValidationError, match="name: a vendor named 'Northwind IT' already exists"):
        actions.create_vendor(session, {"name": "Northwind IT"})
    with pytest.raises(NotFoundError, match="vendor: no vendor named 'Contoso'"):
        actions.create_contract(session, contract("C-2", vendor="Contoso"))
    with pytest.raises(NotFoundError, match="owner: no person with the key 'nobody'"):
        actions.create_contract(session, contract("C-3", owner="nobody"))


def test_person_keys(session: Session) -> None:
    anna = actions.create_person(session, {"name": "Anna Berger"})
    with pytest.raises(ValidationError, match="name: a person with the key 'Anna Berger'"):
        actions.create_person(session, {"name": "Anna Berger"})
    # A second Anna Berger with an e-mail has another key; the name alone is then ambiguous.
    other = actions.create_person(session, {"name": "Anna Berger", "email": "ab@x.example"})
    assert actions.find_person(session, "ab@x.example") == other
    assert actions.find_person(session, "Anna Berger") == anna  # the key of the first one
    actions.update_person(session, anna, {"email": "anna@x.example"})
    with pytest.raises(ValidationError, match="is ambiguous"):
        actions.find_person(session, "Anna Berger")
    with pytest.raises(ValidationError, match="email: 'not an address' is not an e-mail"):
        actions.create_person(session, {"name": "Ben", "email": "not an address"})


def test_update_contract_is_audited_field_by_field(session: Session, vendor_id: int) -> None:
    contract_id = actions.create_contract(session, contract())
    actions.update_contract(session, contract_id, {"notice_value": "6", "annual_value": "99.9"})
    rows = audit_rows(session, "Contract")
    assert [row.action for row in rows] == ["insert", "update"]
    assert json.loads(rows[1].changes or "") == {
        "annual_value": ["120000.50", "99.9"],
        "notice_value": [3, 6],
    }
    # Fields absent from the dict keep their value.
    assert session.get(Contract, contract_id).title == "Service desk"  # type: ignore[union-attr]


def test_update_checks_the_merged_contract(session: Session, vendor_id: int) -> None:
    contract_id = actions.create_contract(session, contract())
    with pytest.raises(ValidationError, match="renewal_term_months: required for option"):
        actions.update_contract(
            session, contract_id, {"renewal": "option", "renewal_term_months": ""}
        )
    # Retyping the same value is no change: no audit row.
    actions.update_contract(session, contract_id, {"annual_value": "120000.5"})
    assert [row.action for row in audit_rows(session, "Contract")] == ["insert"]


def test_vendor_with_contracts_cannot_be_deleted(session: Session, vendor_id: int) -> None:
    actions.create_contract(session, contract())
    with pytest.raises(ClausekeeperError, match="still has 1 contract: delete them"):
        actions.delete_vendor(session, vendor_id)
    empty = actions.create_vendor(session, {"name": "Contoso"})
    actions.delete_vendor(session, empty)
    assert [row.action for row in audit_rows(session, "Vendor")] == ["insert", "insert", "delete"]


def _clause_with_knowledge(session: Session, contract_id: int, person_id: int) -> int:
    clause_id = actions.create_clause(
        session, contract_id, {"number": "7.2", "title": "Service credits", "criticality": "4"}
    )
    session.add(
        Knowledge(
            person=session.get(Person, person_id),
            clause=session.get(Clause, clause_id),
            level=3,
            verified_on=date(2024, 5, 1),
        )
    )
    session.flush()
    return clause_id


def test_person_with_knowledge_must_leave_instead(session: Session, vendor_id: int) -> None:
    contract_id = actions.create_contract(session, contract())
    person_id = actions.create_person(session, {"name": "Ben Novak", "email": "ben@x.example"})
    _clause_with_knowledge(session, contract_id, person_id)
    with pytest.raises(ClausekeeperError, match="still knows 1 clause: set a leaving date instead"):
        actions.delete_person(session, person_id)
    actions.set_leaving_date(session, person_id, "2025-03-31")
    assert session.get(Person, person_id).leaves_on == date(2025, 3, 31)  # type: ignore[union-attr]
    row = audit_rows(session, "Person")[-1]
    assert (row.action, json.loads(row.changes or "")) == (
        "update",
        {"leaves_on": [None, "2025-03-31"]},
    )


def test_deleting_an_owner_leaves_the_contract_unowned(session: Session, vendor_id: int) -> None:
    person_id = actions.create_person(session, {"name": "Clara", "email": "clara@x.example"})
    contract_id = actions.create_contract(session, contract(owner="clara@x.example"))
    values = actions.person_values(session, person_id)
    assert actions.delete_person(session, person_id) == ["C-2024-001"]
    assert session.get(Contract, contract_id).owner_id is None  # type: ignore[union-attr]
    change = audit_rows(session, "Contract")[-1]
    assert change.action == "update" and '"owner_id"' in (change.changes or "")
    restored = actions.restore_person(session, values, ["C-2024-001"])
    assert session.get(Contract, contract_id).owner_id == restored  # type: ignore[union-attr]


def test_clause_rules_and_natural_order(session: Session, vendor_id: int) -> None:
    contract_id = actions.create_contract(session, contract())
    for number in ("7.10", "7.2", "a", "10", "7.1"):
        actions.create_clause(session, contract_id, {"number": number, "title": f"Clause {number}"})
    with pytest.raises(ValidationError, match="number: the contract already has a clause '7.2'"):
        actions.create_clause(session, contract_id, {"number": "7.2", "title": "Again"})
    with pytest.raises(ValidationError, match="criticality: 6 must be 5 or less"):
        actions.create_clause(session, contract_id, {"number": "8", "title": "X", "criticality": 6})
    with pytest.raises(ValidationError, match="category: 'misc' is not one of"):
        actions.create_clause(
            session, contract_id, {"number": "8", "title": "X", "category": "misc"}
        )
    # Natural order: numbers compare as numbers (7.2 < 7.10 < 10), text after numbers.
    numbers = [row.number for row in queries.clause_rows(session, contract_id)]
    assert numbers == ["7.1", "7.2", "7.10", "10", "a"]
    assert queries.clause_rows(session, contract_id)[0].criticality == 3  # the default


def test_sla_definitions(session: Session, vendor_id: int) -> None:
    contract_id = actions.create_contract(session, contract())
    sla = {
        "name": "Availability",
        "unit": "%",
        "target": "99.5",
        "direction": "higher",
        "period": "monthly",
        "credit_percent": "5",
    }
    sla_id = actions.create_sla(session, contract_id, sla)
    with pytest.raises(ValidationError, match="name: the contract already has an SLA named"):
        actions.create_sla(session, contract_id, sla)
    with pytest.raises(ValidationError, match="direction: 'up' is not one of higher, lower"):
        actions.update_sla(session, sla_id, {"direction": "up"})
    actions.update_sla(session, sla_id, {"target": "99.9"})
    rows = queries.sla_rows(session, contract_id)
    assert [(r.name, r.target, r.credit_percent) for r in rows] == [
        ("Availability", Decimal("99.9"), Decimal("5"))
    ]


def test_documents_keep_their_bytes_and_hash(session: Session, vendor_id: int) -> None:
    contract_id = actions.create_contract(session, contract())
    doc_id = actions.attach_document(
        session, contract_id, "/somewhere/else/contract.pdf", b"abc", date(2025, 1, 2)
    )
    stored = session.get(Document, doc_id)
    assert stored is not None
    # The well-known SHA-256 test vector of "abc".
    assert stored.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert actions.document_content(session, doc_id) == ("contract.pdf", b"abc")
    (row,) = queries.document_rows(session, contract_id)
    assert (row.filename, row.size, row.added_on) == ("contract.pdf", 3, date(2025, 1, 2))
    actions.delete_document(session, doc_id)
    assert queries.document_rows(session, contract_id) == []
    assert [r.action for r in audit_rows(session, "Document")] == ["insert", "delete"]


def test_attach_missing_file_is_a_user_error(session: Session, vendor_id: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    contract_id = actions.create_contract(session, contract())
    with pytest.raises(ClausekeeperError, match="cannot read"):
        actions.attach_file(session, contract_id, tmp_path / "missing.pdf", date(2025, 1, 2))


def test_delete_contract_and_restore_everything(session: Session, vendor_id: int) -> None:
    person_id = actions.create_person(session, {"name": "Ben", "email": "ben@x.example"})
    contract_id = actions.create_contract(session, contract(owner="ben@x.example"))
    _clause_with_knowledge(session, contract_id, person_id)
    sla_id = actions.create_sla(
        session,
        contract_id,
        {"name": "Availability", "target": "99.5", "direction": "higher", "period": "monthly"},
    )
    session.add(
        Measurement(
            sla=session.get(Sla, sla_id), period_start=date(2025, 1, 1), value=Decimal("99.1")
        )
    )
    actions.attach_document(session, contract_id, "sow.pdf", b"%PDF-1.4", date(2025, 1, 2))
    session.flush()
    snapshot = actions.contract_snapshot(session, contract_id)

    actions.delete_contract(session, contract_id)
    assert session.scalar(select(Clause.id)) is None
    assert session.scalar(select(Knowledge.id)) is None
    deleted = {
        (r.entity, r.action)
        for r in session.scalars(select(AuditLog).where(AuditLog.action == "delete"))
    }
    assert {
        ("Contract", "delete"),
        ("Clause", "delete"),
        ("Knowledge", "delete"),
        ("Sla", "delete"),
        ("Measurement", "delete"),
        ("Document", "delete"),
    } <= deleted

    new_id = actions.restore_contract(session, snapshot)
    assert actions.contract_values(session, new_id) == snapshot.values
    (clause,) = queries.clause_rows(session, new_id)
    assert (clause.number, clause.knowledge_links, clause.criticality) == ("7.2", 1, 4)
    assert session.scalar(select(Measurement.value)) == Decimal("99.1")
    (doc,) = queries.document_rows(session, new_id)
    assert doc.sha256 == hashlib.sha256(b"%PDF-1.4").hexdigest()


def test_history_follows_a_renamed_reference(session: Session, vendor_id: int) -> None:
    contract_id = actions.create_contract(session, contract("C-OLD"))
    actions.create_clause(session, contract_id, {"number": "1", "title": "Scope"})
    actions.update_contract(session, contract_id, {"reference": "C-NEW"})
    actions.update_contract(session, contract_id, {"title": "Service desk 2"})
    # A new contract takes the old reference: its rows are not part of C-NEW's history.
    actions.create_contract(session, contract("C-OLD"))
    history = queries.contract_history(session, "C-NEW")
    assert [(h.entity, h.action) for h in history] == [
        ("Contract", "insert"),
        ("Clause", "insert"),
        ("Contract", "update"),
        ("Contract", "update"),
    ]
    assert history[2].changes == (("reference", "C-OLD", "C-NEW"),)
    assert history[3].changes == (("title", "Service desk", "Service desk 2"),)
    assert len(queries.contract_history(session, "C-OLD")) == 1


def test_history_goes_on_after_a_deletion_is_undone(session: Session, vendor_id: int) -> None:
    contract_id = actions.create_contract(session, contract("C-X"))
    actions.create_clause(session, contract_id, {"number": "1", "title": "Scope"})
    snapshot = actions.contract_snapshot(session, contract_id)
    actions.delete_contract(session, contract_id)
    actions.restore_contract(session, snapshot)
    history = queries.contract_history(session, "C-X")
    # One flush deletes the contract and its clause (audit rows in the listener's order).
    assert [(h.entity, h.action) for h in history] == [
        ("Contract", "insert"),
        ("Clause", "insert"),
        ("Contract", "delete"),
        ("Clause", "delete"),
        ("Contract", "insert"),
        ("Clause", "insert"),
    ]


# --- the contract list ---------------------------------------------------------------------


@pytest.fixture
def portfolio(session: Session) -> Session:
    """Four contracts with statuses worked out by hand for D = 2025-06-15."""
    actions.create_vendor(session, VENDOR)
    actions.create_vendor(session, {"name": "Contoso"})
    # 2024-01-01 + 24 months: term 0 ends 2025-12-31, auto-renews -> active on D.
    actions.create_contract(session, contract("C-1", title="Network", annual_value="9"))
    # Starts 2025-07-01 > D -> not_started.
    actions.create_contract(
        session, contract("C-2", title="100% uptime", start_date="2025-07-01", annual_value="10")
    )
    # none, 2023-01-01 + 12 months: ends 2023-12-31 < D -> expired.
    actions.create_contract(
        session,
        contract(
            "C-3",
            title="Desk",
            vendor="Contoso",
            start_date="2023-01-01",
            initial_term_months="12",
            renewal="none",
            renewal_term_months="",
            annual_value="100",
        ),
    )
    # An import left the initial term empty: needs_review, active from S on.
    actions.create_contract(
        session,
        contract(
            "C-4",
            title="Legacy",
            initial_term_months="",
            renewal="none",
            renewal_term_months="",
            annual_value="",
        ),
    )
    return session


D = date(2025, 6, 15)


def refs(rows: list[queries.ContractRow]) -> list[str]:
    return [row.reference for row in rows]


def test_status_filter(portfolio: Session) -> None:
    sets = queries.status_sets(portfolio, D)
    assert {k: len(v) for k, v in sets.ids.items() if v} == {
        "active": 2,
        "not_started": 1,
        "expired": 1,
    }
    for status, expected in (
        ("active", ["C-1", "C-4"]),
        ("expired", ["C-3"]),
        ("terminated", []),
        ("needs_review", ["C-4"]),
    ):
        flt = queries.ContractFilter(status=status)
        assert refs(queries.fetch_contracts(portfolio, flt, sets)) == expected
        assert queries.count_contracts(portfolio, flt, sets) == len(expected)


def test_text_filter_matches_reference_title_vendor_case_insensitively(portfolio: Session) -> None:
    def find(text: str) -> list[str]:
        return refs(queries.fetch_contracts(portfolio, queries.ContractFilter(text=text)))

    assert find("CONTOSO") == ["C-3"]  # vendor name
    assert find("desk") == ["C-3"]  # title
    assert find("northWIND") == ["C-1", "C-2", "C-4"]
    assert find("net") == ["C-1"]
    assert find("0%") == ["C-2"]  # % is matched literally, not as a wildcard
    assert find("c-4") == ["C-4"]


def test_the_search_in_memory_keeps_what_the_sql_text_filter_keeps(portfolio: Session) -> None:
    """The contract list's filter box searches in memory (ContractSearch): the same contracts
    in the same order as the SQL text filter, for every order and with the other filters."""
    sets = queries.status_sets(portfolio, D)
    texts = ["", "CONTOSO", "desk", "northWIND", "net", "0%", "c-4", "  c-  ", "_", "zzz",
             "n", "no", "nor", "-"]
    for sort in queries.CONTRACT_SORT_KEYS:
        for descending in (False, True):
            for others in (queries.ContractFilter(), queries.ContractFilter(status="active"),
                           queries.ContractFilter(renewal="none")):
                search = queries.contract_search(portfolio, others, sets, sort=sort,
                                                 descending=descending)
                for text in texts:  # in this order: each text after the one before
                    flt = replace(others, text=text)
                    expected = queries.fetch_contracts(portfolio, flt, sets, sort=sort,
                                                       descending=descending)
                    assert search.matching(text) == [row.id for row in expected], (sort, text)
    # no text runs from one of a contract's texts into the next (SQLite's LIKE would read a
    # pattern only up to a NUL character, and keep everything)
    assert search.matching("\x00") == search.matching("-\x00") == []
    ids = search.matching("")
    assert queries.contracts_by_id(portfolio, ids[:2]) == {
        row.id: row for row in queries.fetch_contracts(portfolio, queries.ContractFilter(
            renewal="none"), sort=sort, descending=descending)[:2]}
    assert queries.contracts_by_id(portfolio, [10_000]) == {}


def test_sorting_and_paging_in_sql(portfolio: Session) -> None:
    flt = queries.ContractFilter()
    by_value = queries.fetch_contracts(portfolio, flt, sort="annual_value", descending=True)
    # Numeric order 100 > 10 > 9 (as text "9" would sort first); empty values sort last.
    assert refs(by_value) == ["C-3", "C-2", "C-1", "C-4"]
    page = queries.fetch_contracts(portfolio, flt, sort="vendor", offset=1, limit=2)
    # Vendors: C-3 Contoso, then C-1, C-2, C-4 Northwind IT (ties by reference).
    assert refs(page) == ["C-1", "C-2"]
    vendor_filter = queries.ContractFilter(vendor_id=actions.find_vendor(portfolio, "Contoso"))
    assert refs(queries.fetch_contracts(portfolio, vendor_filter)) == ["C-3"]
    assert refs(queries.fetch_contracts(portfolio, queries.ContractFilter(renewal="none"))) == [
        "C-3",
        "C-4",
    ]
