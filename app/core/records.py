"""Cross-field rules of SPEC §1 on already-typed values."""

from __future__ import annotations

from collections.abc import Mapping


def contract_problems(values: Mapping[str, object], *, require_initial: bool = False) -> list[str]:
    """One message per broken rule of a contract's fields (empty when all is well).

    A missing initial term is allowed (the contract is needs_review, SPEC §1) unless
    `require_initial` is set, as the contract editor does.
    """
    problems: list[str] = []
    renewal = values.get("renewal") or "none"
    initial = values.get("initial_term_months")
    renewal_term = values.get("renewal_term_months")
    max_renewals = values.get("max_renewals")
    exercised = values.get("options_exercised") or 0
    if initial is None and renewal != "evergreen" and require_initial:
        problems.append("initial_term_months: required unless the contract is evergreen")
    if renewal in ("auto", "option") and renewal_term is None:
        problems.append(f"renewal_term_months: required for {renewal} renewal")
    if renewal != "option" and isinstance(exercised, int) and exercised > 0:
        problems.append("options_exercised: only option contracts have options to exercise")
    if isinstance(max_renewals, int) and isinstance(exercised, int) and exercised > max_renewals:
        problems.append(
            f"options_exercised: {exercised} is more than max_renewals ({max_renewals})"
        )
    return problems
