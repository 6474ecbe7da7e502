"""The renewal actions on one contract: give or withdraw notice, exercise an option (SPEC §2).

They change the contract through the ORM, so the audit listener records every change.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.terms import ContractTerms, check_exercise_option, check_give_notice
from app.errors import NotFoundError, ValidationError
from app.store.conflicts import conflict
from app.store.models import Contract
from app.store.terms_queries import terms_from_values


def _contract(session: Session, reference: str) -> Contract:
    contract = session.scalars(select(Contract).where(Contract.reference == reference)).first()
    if contract is None:
        raise NotFoundError(f"contract {reference!r} not found")
    return contract


def _terms(contract: Contract) -> ContractTerms:
    return terms_from_values(contract)


def _named(reference: str, error: ValidationError) -> ValidationError:
    """The same problems, each prefixed with the contract reference."""
    lines = [f"{reference}: {line}" for line in error.lines()]
    return ValidationError(lines[0], lines)


def _as_seen(session: Session, contract: Contract, seen: ContractTerms | None) -> ContractTerms:
    """The contract's terms; ConflictError naming who changed them (notice, options, term, …)
    since the user saw them as `seen` (None: no check): another desk may have acted on it
    meanwhile, and the user decided on what the list showed."""
    terms = _terms(contract)
    if seen is not None and terms != seen:
        raise conflict(session, contract)
    return terms


def give_notice(
    session: Session, reference: str, on: date, as_of: date, seen: ContractTerms | None = None
) -> None:
    """Record notice of termination given on `on` (terminated_on); `seen`: the terms the user
    decided on (see _as_seen)."""
    contract = _contract(session, reference)
    terms = _as_seen(session, contract, seen)
    try:
        check_give_notice(terms, on, as_of)
    except ValidationError as error:
        raise _named(reference, error) from None
    contract.terminated_on = on
    session.flush()


def withdraw_notice(session: Session, reference: str) -> None:
    """Clear a recorded notice of termination."""
    contract = _contract(session, reference)
    if contract.terminated_on is None:
        raise ValidationError(f"{reference}: no notice of termination to withdraw")
    contract.terminated_on = None
    session.flush()


def exercise_option(
    session: Session, reference: str, as_of: date, seen: ContractTerms | None = None
) -> int:
    """Exercise the next renewal option; returns the new number of options exercised. `seen`:
    the terms the user decided on (two desks exercising at once would add two terms)."""
    contract = _contract(session, reference)
    terms = _as_seen(session, contract, seen)
    try:
        check_exercise_option(terms, as_of)
    except ValidationError as error:
        raise _named(reference, error) from None
    contract.options_exercised = (contract.options_exercised or 0) + 1
    session.flush()
    return contract.options_exercised


def undo_exercise_option(session: Session, reference: str) -> int:
    """Take back the last exercised option (undo); returns the options now exercised."""
    contract = _contract(session, reference)
    if not contract.options_exercised:
        raise ValidationError(f"{reference}: no exercised option to take back")
    contract.options_exercised -= 1
    session.flush()
    return contract.options_exercised
