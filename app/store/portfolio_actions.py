"""Create, update and delete portfolio records (SPEC §1): the actions the GUI and imports share.

Inputs are dicts of raw form or spreadsheet values keyed by the SPEC §1 field names (`vendor` is a
vendor's name, `owner` a person's key). They are parsed at the edge with app.core.fields, checked
with the cross-field rules (app.core.records, app.core.terms.validate_terms) and written through the
ORM, so the audit listener records every change. Problems a user can fix raise ValidationError,
NotFoundError or ClausekeeperError with a message naming the field; never an IntegrityError.

Updates take partial dicts: a field that is absent keeps its value; a field that is present but
empty is cleared (or takes its default). Every `*_values` function returns the record as form
text, the inverse of the parsers, so undo commands and editors can keep plain values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.core import fields, records
from app.core.terms import ContractTerms, validate_terms
from app.errors import ClausekeeperError, NotFoundError, ValidationError
from app.store.conflicts import get_checked, stale_conflict
from app.store.conflicts import record_version as record_version  # editors read it from here
from app.store.models import (
    CLAUSE_CATEGORIES,
    DIRECTIONS,
    NOTICE_UNITS,
    PERIODS,
    RENEWAL_TYPES,
    Clause,
    Contract,
    CreditNote,
    Document,
    Knowledge,
    Measurement,
    Person,
    Sla,
    Vendor,
)
from app.store.terms_queries import terms_from_values

Parser = Callable[[object], Any]
_T = TypeVar("_T")
FORM = ""  # the key of problems that belong to no single field

VENDOR_FIELDS = ("name", "country", "contact_name", "contact_email", "notes")
PERSON_FIELDS = ("name", "email", "department", "role", "leaves_on", "notes")
CONTRACT_FIELDS = (
    "reference",
    "title",
    "vendor",
    "owner",
    "category",
    "start_date",
    "initial_term_months",
    "renewal",
    "renewal_term_months",
    "max_renewals",
    "options_exercised",
    "notice_value",
    "notice_unit",
    "terminated_on",
    "annual_value",
    "currency",
    "credit_cap_percent",
    "credit_claim_days",
    "reminder_days",
    "notes",
)
CLAUSE_FIELDS = ("number", "title", "summary", "category", "criticality")
SLA_FIELDS = ("name", "unit", "target", "direction", "period", "credit_percent")
TERM_FIELDS = (
    "start_date",
    "initial_term_months",
    "renewal",
    "renewal_term_months",
    "max_renewals",
    "options_exercised",
    "notice_value",
    "notice_unit",
    "terminated_on",
    "reminder_days",
)
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024


# --- parsing -------------------------------------------------------------------------------


@dataclass
class Parsed:
    """Typed values and the problems found, one message per field (FORM for the whole form)."""

    values: dict[str, Any]
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, message: str, fields_: tuple[str, ...] = ()) -> None:
        """Attach a message to the field it starts with (`field: ...` or `field is ...`)."""
        name = _field_of(message, fields_)
        if name not in self.problems:
            self.problems[name] = message

    def check(self) -> dict[str, Any]:
        """The values, or ValidationError listing every problem."""
        if self.problems:
            lines = list(self.problems.values())
            raise ValidationError(lines[0], lines)
        return self.values


def _field_of(message: str, names: tuple[str, ...]) -> str:
    head = message.split(":", 1)[0].split(" ", 1)[0].strip()
    return head if head in names else FORM


def _or(default: Any, parser: Parser) -> Parser:
    def parse(value: object) -> Any:
        result = parser(value)
        return default if result is None else result

    return parse


def _text(name: str, max_len: int, *, required: bool = False) -> Parser:
    return lambda v: fields.text(v, name, required=required, max_len=max_len)


def _notes(name: str) -> Parser:
    return lambda v: fields.text(v, name)


_VENDOR: dict[str, Parser] = {
    "name": _text("name", 200, required=True),
    "country": _text("country", 100),
    "contact_name": _text("contact_name", 200),
    "contact_email": lambda v: fields.email(v, "contact_email"),
    "notes": _notes("notes"),
}
_PERSON: dict[str, Parser] = {
    "name": _text("name", 200, required=True),
    "email": lambda v: fields.email(v, "email"),
    "department": _text("department", 200),
    "role": _text("role", 200),
    "leaves_on": lambda v: fields.day(v, "leaves_on"),
    "notes": _notes("notes"),
}
_CONTRACT: dict[str, Parser] = {
    "reference": _text("reference", 100, required=True),
    "title": _text("title", 300, required=True),
    "vendor": _text("vendor", 200, required=True),
    "owner": _text("owner", 254),
    "category": _text("category", 100),
    "start_date": lambda v: fields.day(v, "start_date", required=True),
    "initial_term_months": lambda v: fields.integer(v, "initial_term_months", minimum=1),
    "renewal": lambda v: fields.choice(v, "renewal", RENEWAL_TYPES, required=True),
    "renewal_term_months": lambda v: fields.integer(v, "renewal_term_months", minimum=1),
    "max_renewals": lambda v: fields.integer(v, "max_renewals", minimum=0),
    "options_exercised": _or(0, lambda v: fields.integer(v, "options_exercised", minimum=0)),
    "notice_value": _or(0, lambda v: fields.integer(v, "notice_value", minimum=0)),
    "notice_unit": _or("months", lambda v: fields.choice(v, "notice_unit", NOTICE_UNITS)),
    "terminated_on": lambda v: fields.day(v, "terminated_on"),
    "annual_value": lambda v: fields.money(v, "annual_value", minimum=Decimal(0)),
    "currency": lambda v: fields.currency(v, "currency"),
    "credit_cap_percent": lambda v: fields.decimal(v, "credit_cap_percent", minimum=Decimal(0)),
    "credit_claim_days": _or(30, lambda v: fields.integer(v, "credit_claim_days", minimum=0)),
    "reminder_days": lambda v: fields.reminder_days(v, "reminder_days"),
    "notes": _notes("notes"),
}
_CLAUSE: dict[str, Parser] = {
    "number": lambda v: fields.clause_number(v, "number"),
    "title": _text("title", 300, required=True),
    "summary": _notes("summary"),
    "category": lambda v: fields.choice(v, "category", CLAUSE_CATEGORIES),
    "criticality": _or(3, lambda v: fields.integer(v, "criticality", minimum=1, maximum=5)),
}
_SLA: dict[str, Parser] = {
    "name": _text("name", 200, required=True),
    "unit": _text("unit", 40),
    "target": lambda v: fields.decimal(v, "target", required=True),
    "direction": lambda v: fields.choice(v, "direction", DIRECTIONS, required=True),
    "period": lambda v: fields.choice(v, "period", PERIODS, required=True),
    "credit_percent": _or(
        Decimal(0), lambda v: fields.decimal(v, "credit_percent", minimum=Decimal(0))
    ),
}


def _parse(values: Mapping[str, object], spec: dict[str, Parser], partial: bool) -> Parsed:
    result = Parsed(values={})
    for name in values:
        if name not in spec:
            result.problems.setdefault(FORM, f"{name}: unknown field")
    for name, parser in spec.items():
        if partial and name not in values:
            continue
        try:
            result.values[name] = parser(values.get(name))
        except ValidationError as exc:
            result.problems[name] = str(exc)
    return result


def parse_vendor(values: Mapping[str, object], *, partial: bool = False) -> Parsed:
    """Vendor fields (SPEC §1) from raw values."""
    return _parse(values, _VENDOR, partial)


def parse_person(values: Mapping[str, object], *, partial: bool = False) -> Parsed:
    """Person fields (SPEC §1) from raw values."""
    return _parse(values, _PERSON, partial)


def parse_clause(values: Mapping[str, object], *, partial: bool = False) -> Parsed:
    """Clause fields (SPEC §1) from raw values."""
    return _parse(values, _CLAUSE, partial)


def parse_sla(values: Mapping[str, object], *, partial: bool = False) -> Parsed:
    """SLA definition fields (SPEC §1) from raw values."""
    return _parse(values, _SLA, partial)


def parse_contract(
    values: Mapping[str, object], *, partial: bool = False, require_initial: bool = False
) -> Parsed:
    """Contract fields from raw values, with the cross-field rules when every field parsed.

    The GUI passes require_initial=True: only imports may leave a contract needs_review.
    """
    result = _parse(values, _CONTRACT, partial)
    if not partial:
        for message in contract_rule_problems(result.values, require_initial=require_initial):
            result.add(message, CONTRACT_FIELDS)
    return result


def contract_rule_problems(typed: Mapping[str, Any], *, require_initial: bool = False) -> list[str]:
    """Cross-field problems of typed contract values (fields that failed to parse are skipped)."""
    problems = records.contract_problems(typed, require_initial=require_initial)
    terms = terms_of(typed)
    if terms is not None:
        problems.extend(validate_terms(terms))
    return problems


def terms_of(typed: Mapping[str, Any]) -> ContractTerms | None:
    """The ContractTerms of typed contract values; None while a term field is missing or invalid."""
    if any(name not in typed for name in TERM_FIELDS) or typed["start_date"] is None:
        return None
    if typed["renewal"] is None:
        return None
    return terms_from_values(dict(typed))


# --- lookups -------------------------------------------------------------------------------


def find_vendor(session: Session, name: str) -> int:
    """The id of the vendor with this name."""
    found = session.scalar(select(Vendor.id).where(Vendor.name == name))
    if found is None:
        raise NotFoundError(f"vendor: no vendor named {name!r}")
    return found


def find_person(session: Session, key: str, field_name: str = "person") -> int:
    """The id of the person with this key (e-mail, else name); a unique name works too."""
    found = session.scalar(select(Person.id).where(func.coalesce(Person.email, Person.name) == key))
    if found is not None:
        return found
    by_name = session.scalars(select(Person.id).where(Person.name == key).limit(2)).all()
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        raise ValidationError(
            f"{field_name}: {key!r} is ambiguous (several people have this name; use the e-mail)"
        )
    raise NotFoundError(f"{field_name}: no person with the key {key!r}")


def find_contract(session: Session, reference: str) -> int:
    """The id of the contract with this reference."""
    found = session.scalar(select(Contract.id).where(Contract.reference == reference))
    if found is None:
        raise NotFoundError(f"contract: no contract with the reference {reference!r}")
    return found


def find_clause(session: Session, reference: str, number: str) -> int:
    """The id of clause `number` of the contract `reference`."""
    found = session.scalar(
        select(Clause.id)
        .join(Contract, Clause.contract_id == Contract.id)
        .where(Contract.reference == reference, Clause.number == number)
    )
    if found is None:
        raise NotFoundError(f"clause: contract {reference!r} has no clause {number!r}")
    return found


def find_sla(session: Session, reference: str, name: str) -> int:
    """The id of SLA `name` of the contract `reference`."""
    found = session.scalar(
        select(Sla.id)
        .join(Contract, Sla.contract_id == Contract.id)
        .where(Contract.reference == reference, Sla.name == name)
    )
    if found is None:
        raise NotFoundError(f"sla: contract {reference!r} has no SLA {name!r}")
    return found


def _get(session: Session, model: type[_T], ident: int, what: str) -> _T:
    obj = session.get(model, ident)
    if obj is None:
        raise NotFoundError(f"{what} #{ident} no longer exists (deleted by someone else?)")
    return obj


# --- key checks (shared with the forms, which show them inline) ---------------------------


def vendor_key_problems(
    session: Session, typed: Mapping[str, Any], vendor_id: int | None = None
) -> dict[str, str]:
    """Uniqueness of the vendor name."""
    name = typed.get("name")
    if not name:
        return {}
    query = select(Vendor.id).where(Vendor.name == name)
    if vendor_id is not None:
        query = query.where(Vendor.id != vendor_id)
    if session.scalar(query) is not None:
        return {"name": f"name: a vendor named {name!r} already exists"}
    return {}


def person_key_problems(
    session: Session, typed: Mapping[str, Any], person_id: int | None = None
) -> dict[str, str]:
    """Uniqueness of the person's key (e-mail, or name when there is no e-mail)."""
    if not typed.get("name"):
        return {}
    key = typed.get("email") or typed["name"]
    query = select(Person.id).where(func.coalesce(Person.email, Person.name) == key)
    if person_id is not None:
        query = query.where(Person.id != person_id)
    if session.scalar(query) is None:
        return {}
    where = "email" if typed.get("email") else "name"
    return {where: f"{where}: a person with the key {key!r} already exists"}


def contract_key_problems(
    session: Session, typed: Mapping[str, Any], contract_id: int | None = None
) -> dict[str, str]:
    """A unique reference, an existing vendor and owner."""
    errors = _contract_key_errors(session, typed, contract_id)
    return {name: str(error) for name, error in errors.items()}


def _contract_key_errors(
    session: Session, typed: Mapping[str, Any], contract_id: int | None
) -> dict[str, ClausekeeperError]:
    errors: dict[str, ClausekeeperError] = {}
    reference = typed.get("reference")
    if reference:
        query = select(Contract.id).where(Contract.reference == reference)
        if contract_id is not None:
            query = query.where(Contract.id != contract_id)
        if session.scalar(query) is not None:
            errors["reference"] = ValidationError(
                f"reference: a contract {reference!r} already exists"
            )
    if typed.get("vendor"):
        try:
            find_vendor(session, typed["vendor"])
        except ClausekeeperError as exc:
            errors["vendor"] = exc
    if typed.get("owner"):
        try:
            find_person(session, typed["owner"], "owner")
        except ClausekeeperError as exc:
            errors["owner"] = exc
    return errors


def _raise_errors(errors: Mapping[str, ClausekeeperError]) -> None:
    if not errors:
        return
    lines = [str(error) for error in errors.values()]
    if all(isinstance(error, NotFoundError) for error in errors.values()):
        raise NotFoundError(lines[0], lines)
    raise ValidationError(lines[0], lines)


def clause_key_problems(
    session: Session, contract_id: int, typed: Mapping[str, Any], clause_id: int | None = None
) -> dict[str, str]:
    """A clause number that is unique within its contract."""
    number = typed.get("number")
    if not number:
        return {}
    query = select(Clause.id).where(Clause.contract_id == contract_id, Clause.number == number)
    if clause_id is not None:
        query = query.where(Clause.id != clause_id)
    if session.scalar(query) is not None:
        return {"number": f"number: the contract already has a clause {number!r}"}
    return {}


def sla_key_problems(
    session: Session, contract_id: int, typed: Mapping[str, Any], sla_id: int | None = None
) -> dict[str, str]:
    """An SLA name that is unique within its contract."""
    name = typed.get("name")
    if not name:
        return {}
    query = select(Sla.id).where(Sla.contract_id == contract_id, Sla.name == name)
    if sla_id is not None:
        query = query.where(Sla.id != sla_id)
    if session.scalar(query) is not None:
        return {"name": f"name: the contract already has an SLA named {name!r}"}
    return {}


def _raise(problems: Mapping[str, str]) -> None:
    if problems:
        lines = list(problems.values())
        raise ValidationError(lines[0], lines)


def _flush(session: Session, what: str, obj: object = None) -> None:
    """Flush, turning a constraint the checks did not foresee (a race) into a user error, and a
    write another desk's save overtook (the version counter) into a ConflictError."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise stale_conflict(session, exc, [obj] if obj is not None else []) from None
    except IntegrityError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "constraint failed"
        raise ClausekeeperError(f"{what} could not be saved: {reason}") from None


def _assign(obj: Any, typed: Mapping[str, Any]) -> None:
    for name, value in typed.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)


# --- text forms of stored values -----------------------------------------------------------


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _values(obj: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {name: _show(getattr(obj, name)) for name in names}


# --- vendors -------------------------------------------------------------------------------


def vendor_values(session: Session, vendor_id: int) -> dict[str, str]:
    """The vendor as form text."""
    return _values(_get(session, Vendor, vendor_id, "vendor"), VENDOR_FIELDS)


def create_vendor(session: Session, values: Mapping[str, object]) -> int:
    """Add a vendor; returns its id."""
    typed = parse_vendor(values).check()
    _raise(vendor_key_problems(session, typed))
    vendor = Vendor(**typed)
    session.add(vendor)
    _flush(session, f"vendor {typed['name']!r}")
    return vendor.id


def update_vendor(
    session: Session,
    vendor_id: int,
    values: Mapping[str, object],
    *,
    expected_version: int | None = None,
) -> int:
    """Change a vendor's fields (absent fields are kept); returns its id.

    expected_version: the version the editor read (record_version); another desk's newer save
    raises ConflictError. None: no check.
    """
    vendor = get_checked(session, Vendor, vendor_id, "vendor", expected_version)
    typed = parse_vendor(values, partial=True).check()
    _raise(vendor_key_problems(session, typed, vendor_id))
    _assign(vendor, typed)
    _flush(session, f"vendor {vendor.name!r}", vendor)
    return vendor.id


def delete_vendor(
    session: Session, vendor_id: int, *, expected_version: int | None = None
) -> None:
    """Delete a vendor that has no contracts."""
    vendor = get_checked(session, Vendor, vendor_id, "vendor", expected_version)
    count = session.scalar(select(func.count()).where(Contract.vendor_id == vendor_id)) or 0
    if count:
        raise ClausekeeperError(
            f"vendor {vendor.name!r} still has {count} contract{'s' if count != 1 else ''}: "
            "delete them or give them another vendor first"
        )
    session.delete(vendor)
    _flush(session, f"vendor {vendor.name!r}", vendor)


# --- people --------------------------------------------------------------------------------


def person_values(session: Session, person_id: int) -> dict[str, str]:
    """The person as form text."""
    return _values(_get(session, Person, person_id, "person"), PERSON_FIELDS)


def person_key(session: Session, person_id: int) -> str:
    """The person's key (SPEC §1)."""
    return _get(session, Person, person_id, "person").key


def create_person(session: Session, values: Mapping[str, object]) -> int:
    """Add a person; returns their id."""
    typed = parse_person(values).check()
    _raise(person_key_problems(session, typed))
    person = Person(**typed)
    session.add(person)
    _flush(session, f"person {person.key!r}")
    return person.id


def update_person(
    session: Session,
    person_id: int,
    values: Mapping[str, object],
    *,
    expected_version: int | None = None,
) -> int:
    """Change a person's fields (absent fields are kept); returns their id."""
    person = get_checked(session, Person, person_id, "person", expected_version)
    typed = parse_person(values, partial=True).check()
    merged = {"name": person.name, "email": person.email, **typed}
    _raise(person_key_problems(session, merged, person_id))
    _assign(person, typed)
    _flush(session, f"person {person.key!r}", person)
    return person.id


def set_leaving_date(
    session: Session, person_id: int, leaves_on: object, *, expected_version: int | None = None
) -> None:
    """Set (or with an empty value clear) the person's last working day."""
    update_person(session, person_id, {"leaves_on": leaves_on}, expected_version=expected_version)


def delete_person(
    session: Session, person_id: int, *, expected_version: int | None = None
) -> list[str]:
    """Delete a person without knowledge links; returns the references of the contracts they
    managed, which are left without an owner (recorded in the audit trail)."""
    person = get_checked(session, Person, person_id, "person", expected_version)
    links = session.scalar(select(func.count()).where(Knowledge.person_id == person_id)) or 0
    if links:
        raise ClausekeeperError(
            f"{person.key} still knows {links} clause{'s' if links != 1 else ''}: "
            "set a leaving date instead, so the knowledge history stays"
        )
    owned = session.scalars(select(Contract).where(Contract.owner_id == person_id)).all()
    for contract in owned:
        contract.owner_id = None
    session.delete(person)
    _flush(session, f"person {person.key!r}", person)
    return sorted(contract.reference for contract in owned)


def restore_person(session: Session, values: Mapping[str, object], owned: list[str]) -> int:
    """Re-create a deleted person and make them the owner of `owned` contracts again (undo)."""
    person_id = create_person(session, values)
    for reference in owned:
        contract = session.get(Contract, find_contract(session, reference))
        if contract is not None and contract.owner_id is None:
            contract.owner_id = person_id
    _flush(session, "person")
    return person_id


# --- contracts -----------------------------------------------------------------------------


def contract_values(session: Session, contract_id: int) -> dict[str, str]:
    """The contract as form text (vendor by name, owner by key, no reminders as 'none')."""
    contract = _get(session, Contract, contract_id, "contract")
    result = _values(contract, CONTRACT_FIELDS[:2] + CONTRACT_FIELDS[4:])
    result["vendor"] = contract.vendor.name
    result["owner"] = contract.owner.key if contract.owner is not None else ""
    result["reminder_days"] = contract.reminder_days or "none"
    return {name: result[name] for name in CONTRACT_FIELDS}


def _resolved(session: Session, typed: dict[str, Any]) -> dict[str, Any]:
    row = dict(typed)
    if "vendor" in row:
        row["vendor_id"] = find_vendor(session, row.pop("vendor"))
    if "owner" in row:
        owner = row.pop("owner")
        row["owner_id"] = None if owner is None else find_person(session, owner, "owner")
    return row


def create_contract(
    session: Session, values: Mapping[str, object], *, require_initial: bool = False
) -> int:
    """Add a contract; returns its id."""
    typed = parse_contract(values, require_initial=require_initial).check()
    _raise_errors(_contract_key_errors(session, typed, None))
    contract = Contract(**_resolved(session, typed))
    session.add(contract)
    _flush(session, f"contract {typed['reference']!r}")
    return contract.id


def update_contract(
    session: Session,
    contract_id: int,
    values: Mapping[str, object],
    *,
    require_initial: bool = False,
    expected_version: int | None = None,
) -> int:
    """Change a contract's fields (absent fields are kept); returns its id."""
    contract = get_checked(session, Contract, contract_id, "contract", expected_version)
    parsed = parse_contract(values, partial=True)
    typed = parsed.check()
    current = parse_contract(contract_values(session, contract_id)).values
    merged = {**current, **typed}
    problems = Parsed(values=merged)
    for message in contract_rule_problems(merged, require_initial=require_initial):
        problems.add(message, CONTRACT_FIELDS)
    problems.check()
    _raise_errors(_contract_key_errors(session, typed, contract_id))
    _assign(contract, _resolved(session, typed))
    _flush(session, f"contract {contract.reference!r}", contract)
    return contract.id


def delete_contract(
    session: Session, contract_id: int, *, expected_version: int | None = None
) -> None:
    """Delete a contract with everything that belongs to it (one audit row per record)."""
    contract = get_checked(session, Contract, contract_id, "contract", expected_version)
    session.delete(contract)
    _flush(session, f"contract {contract.reference!r}", contract)


# --- clauses -------------------------------------------------------------------------------


def clause_values(session: Session, clause_id: int) -> dict[str, str]:
    """The clause as form text."""
    return _values(_get(session, Clause, clause_id, "clause"), CLAUSE_FIELDS)


def clause_identity(session: Session, clause_id: int) -> tuple[str, str]:
    """(contract reference, clause number)."""
    clause = _get(session, Clause, clause_id, "clause")
    return clause.contract.reference, clause.number


def create_clause(session: Session, contract_id: int, values: Mapping[str, object]) -> int:
    """Add a clause to a contract; returns its id."""
    owner = _get(session, Contract, contract_id, "contract")
    typed = parse_clause(values).check()
    _raise(clause_key_problems(session, contract_id, typed))
    clause = Clause(contract=owner, **typed)  # the object, so the audit row names the contract
    session.add(clause)
    _flush(session, f"clause {typed['number']!r}")
    return clause.id


def update_clause(
    session: Session,
    clause_id: int,
    values: Mapping[str, object],
    *,
    expected_version: int | None = None,
) -> int:
    """Change a clause's fields (absent fields are kept); returns its id."""
    clause = get_checked(session, Clause, clause_id, "clause", expected_version)
    typed = parse_clause(values, partial=True).check()
    _raise(clause_key_problems(session, clause.contract_id, typed, clause_id))
    _assign(clause, typed)
    _flush(session, f"clause {clause.number!r}", clause)
    return clause.id


def delete_clause(
    session: Session, clause_id: int, *, expected_version: int | None = None
) -> None:
    """Delete a clause and the knowledge links to it."""
    clause = get_checked(session, Clause, clause_id, "clause", expected_version)
    session.delete(clause)
    _flush(session, f"clause {clause.number!r}", clause)


# --- SLA definitions -----------------------------------------------------------------------


def sla_values(session: Session, sla_id: int) -> dict[str, str]:
    """The SLA definition as form text."""
    return _values(_get(session, Sla, sla_id, "SLA"), SLA_FIELDS)


def sla_identity(session: Session, sla_id: int) -> tuple[str, str]:
    """(contract reference, SLA name)."""
    sla = _get(session, Sla, sla_id, "SLA")
    return sla.contract.reference, sla.name


def create_sla(session: Session, contract_id: int, values: Mapping[str, object]) -> int:
    """Add an SLA definition to a contract; returns its id."""
    owner = _get(session, Contract, contract_id, "contract")
    typed = parse_sla(values).check()
    _raise(sla_key_problems(session, contract_id, typed))
    sla = Sla(contract=owner, **typed)
    session.add(sla)
    _flush(session, f"SLA {typed['name']!r}")
    return sla.id


def update_sla(
    session: Session,
    sla_id: int,
    values: Mapping[str, object],
    *,
    expected_version: int | None = None,
) -> int:
    """Change an SLA definition (absent fields are kept); returns its id."""
    sla = get_checked(session, Sla, sla_id, "SLA", expected_version)
    typed = parse_sla(values, partial=True).check()
    _raise(sla_key_problems(session, sla.contract_id, typed, sla_id))
    _assign(sla, typed)
    _flush(session, f"SLA {sla.name!r}", sla)
    return sla.id


def delete_sla(session: Session, sla_id: int, *, expected_version: int | None = None) -> None:
    """Delete an SLA definition and its measurements."""
    sla = get_checked(session, Sla, sla_id, "SLA", expected_version)
    session.delete(sla)
    _flush(session, f"SLA {sla.name!r}", sla)


# --- documents -----------------------------------------------------------------------------


def attach_document(
    session: Session, contract_id: int, filename: str, content: bytes, added_on: date
) -> int:
    """Store a file's bytes in the database with their sha256; returns the document id."""
    owner = _get(session, Contract, contract_id, "contract")
    given = fields.text(filename, "filename", required=True)
    assert given is not None
    name = fields.safe_file_name(given)  # a plain name, never a path, when saved back out
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            f"filename: {name!r} is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB"
        )
    document = Document(
        contract=owner,
        filename=name,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        added_on=added_on,
    )
    session.add(document)
    _flush(session, f"document {name!r}")
    return document.id


def attach_file(session: Session, contract_id: int, path: Path, added_on: date) -> int:
    """Read a file and attach it to a contract."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ClausekeeperError(f"cannot read {path}: {exc.strerror or exc}") from None
    return attach_document(session, contract_id, path.name, content, added_on)


def find_document(session: Session, reference: str, filename: str, sha256: str) -> int:
    """The id of a contract's document with this name and content hash."""
    found = session.scalar(
        select(Document.id)
        .join(Contract, Document.contract_id == Contract.id)
        .where(
            Contract.reference == reference,
            Document.filename == filename,
            Document.sha256 == sha256,
        )
        .order_by(Document.id)
        .limit(1)
    )
    if found is None:
        raise NotFoundError(f"document: contract {reference!r} has no document {filename!r}")
    return found


def document_identity(session: Session, document_id: int) -> tuple[str, str, str, date]:
    """(contract reference, filename, sha256, added_on) of a document."""
    document = _get(session, Document, document_id, "document")
    return document.contract.reference, document.filename, document.sha256, document.added_on


def document_content(session: Session, document_id: int) -> tuple[str, bytes]:
    """(filename, bytes) of a stored document."""
    document = _get(session, Document, document_id, "document")
    return document.filename, document.content


def delete_document(session: Session, document_id: int) -> None:
    """Remove a document from its contract."""
    document = _get(session, Document, document_id, "document")
    session.delete(document)
    _flush(session, f"document {document.filename!r}")


# --- snapshots (undo of deletes) -------------------------------------------------------------


@dataclass(frozen=True)
class ClauseSnapshot:
    """A clause with its knowledge links (person key, level, verified_on)."""

    values: dict[str, str]
    knowledge: tuple[tuple[str, int, date], ...] = ()


@dataclass(frozen=True)
class SlaSnapshot:
    """An SLA definition with its measurements (period_start, value, note)."""

    values: dict[str, str]
    measurements: tuple[tuple[date, Decimal, str | None], ...] = ()


@dataclass(frozen=True)
class ContractSnapshot:
    """Everything a contract deletion removes, as plain values."""

    values: dict[str, str]
    clauses: tuple[ClauseSnapshot, ...] = ()
    slas: tuple[SlaSnapshot, ...] = ()
    credit_notes: tuple[tuple[date, Decimal, date | None, str | None], ...] = ()
    documents: tuple[tuple[str, bytes, date], ...] = ()


def clause_snapshot(session: Session, clause_id: int) -> ClauseSnapshot:
    """The clause and its knowledge links."""
    values = clause_values(session, clause_id)
    rows = session.execute(
        select(Person.email, Person.name, Knowledge.level, Knowledge.verified_on)
        .join(Person, Knowledge.person_id == Person.id)
        .where(Knowledge.clause_id == clause_id)
        .order_by(Knowledge.id)
    ).all()
    return ClauseSnapshot(values, tuple((e or n, lv, on) for e, n, lv, on in rows))


def sla_snapshot(session: Session, sla_id: int) -> SlaSnapshot:
    """The SLA definition and its measurements."""
    values = sla_values(session, sla_id)
    rows = session.execute(
        select(Measurement.period_start, Measurement.value, Measurement.note)
        .where(Measurement.sla_id == sla_id)
        .order_by(Measurement.period_start)
    ).all()
    return SlaSnapshot(values, tuple((p, v, n) for p, v, n in rows))


def contract_snapshot(session: Session, contract_id: int) -> ContractSnapshot:
    """The contract and all it holds."""
    values = contract_values(session, contract_id)
    clause_ids = session.scalars(
        select(Clause.id).where(Clause.contract_id == contract_id).order_by(Clause.id)
    ).all()
    sla_ids = session.scalars(
        select(Sla.id).where(Sla.contract_id == contract_id).order_by(Sla.id)
    ).all()
    notes = session.execute(
        select(CreditNote.month, CreditNote.amount, CreditNote.received_on, CreditNote.reference)
        .where(CreditNote.contract_id == contract_id)
        .order_by(CreditNote.id)
    ).all()
    documents = session.execute(
        select(Document.filename, Document.content, Document.added_on)
        .where(Document.contract_id == contract_id)
        .order_by(Document.id)
    ).all()
    return ContractSnapshot(
        values=values,
        clauses=tuple(clause_snapshot(session, ident) for ident in clause_ids),
        slas=tuple(sla_snapshot(session, ident) for ident in sla_ids),
        credit_notes=tuple((m, a, r, ref) for m, a, r, ref in notes),
        documents=tuple((f, c, on) for f, c, on in documents),
    )


def restore_clause(session: Session, contract_id: int, snapshot: ClauseSnapshot) -> int:
    """Re-create a deleted clause with the knowledge links whose people still exist."""
    clause_id = create_clause(session, contract_id, snapshot.values)
    clause = _get(session, Clause, clause_id, "clause")
    for key, level, verified_on in snapshot.knowledge:
        try:
            person = _get(session, Person, find_person(session, key), "person")
        except ClausekeeperError:
            continue
        session.add(Knowledge(person=person, clause=clause, level=level, verified_on=verified_on))
    _flush(session, "knowledge")
    return clause_id


def restore_sla(session: Session, contract_id: int, snapshot: SlaSnapshot) -> int:
    """Re-create a deleted SLA with its measurements."""
    sla_id = create_sla(session, contract_id, snapshot.values)
    sla = _get(session, Sla, sla_id, "SLA")
    for period_start, value, note in snapshot.measurements:
        session.add(Measurement(sla=sla, period_start=period_start, value=value, note=note))
    _flush(session, "measurement")
    return sla_id


def restore_contract(session: Session, snapshot: ContractSnapshot) -> int:
    """Re-create a deleted contract with everything it held (undo of a deletion)."""
    values = dict(snapshot.values)
    if values.get("owner"):
        try:
            find_person(session, values["owner"], "owner")
        except ClausekeeperError:
            values["owner"] = ""  # the owner was deleted meanwhile
    contract_id = create_contract(session, values)
    contract = _get(session, Contract, contract_id, "contract")
    for clause in snapshot.clauses:
        restore_clause(session, contract_id, clause)
    for sla in snapshot.slas:
        restore_sla(session, contract_id, sla)
    for month, amount, received_on, reference in snapshot.credit_notes:
        session.add(
            CreditNote(
                contract=contract,
                month=month,
                amount=amount,
                received_on=received_on,
                reference=reference,
            )
        )
    for filename, content, added_on in snapshot.documents:
        attach_document(session, contract_id, filename, content, added_on)
    _flush(session, "contract")
    return contract_id
