"""Properties of SPEC §3a against the §3 rules applied date by date (no shortcuts).

- each forecast point equals the status, coverage and truck-factor rules computed on that date;
- a contract's leading run of in-scope dates equals evaluate() on every date;
- the plan's "after" figures equal the rules after its links are really written.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from app.core.continuity import (
    IN_SCOPE,
    forecast,
    forecast_dates,
    fresh_dates,
    loads,
    owners_after,
    plan,
    plan_figures,
    scope_dates,
    successors,
    weigh,
    weigh_after,
)
from app.core.knowledge import (
    ClauseInfo,
    LinkInfo,
    PersonInfo,
    clause_statuses,
    coverage,
    fresh_since,
    status_rows,
    tie_order,
    truck_factor,
)
from app.core.settings import Settings
from app.core.terms import ContractTerms, evaluate, validate_terms

D = date(2026, 1, 31)  # a month end: staleness and month ends exercise clamping

settings_st = st.builds(
    Settings,
    understanding_level=st.integers(1, 4),
    stale_after_months=st.integers(1, 30),
    leaving_window_days=st.integers(0, 120),
    truck_threshold=st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("0.75")]),
)


@st.composite
def portfolios(
    draw: st.DrawFn,
) -> tuple[dict[int, PersonInfo], list[ClauseInfo], list[LinkInfo], dict[int, int]]:
    count = draw(st.integers(1, 6))
    people: dict[int, PersonInfo] = {}
    for pid in range(1, count + 1):
        leaves = draw(st.one_of(st.none(), st.integers(-60, 500)))
        name = draw(st.sampled_from(["Ann", "Bob", "Cat"]))
        people[pid] = PersonInfo(
            pid, name, f"{name}{pid}", None, None if leaves is None else D + timedelta(leaves)
        )
    contracts = draw(st.integers(1, 3))
    scope = {kid: draw(st.integers(0, 13)) for kid in range(1, contracts + 1)}
    clauses = [
        ClauseInfo(
            cid, draw(st.integers(1, contracts)), str(cid), f"c{cid}", draw(st.integers(1, 5))
        )
        for cid in range(1, draw(st.integers(0, 10)) + 1)
    ]
    links: list[LinkInfo] = []
    for clause in clauses:
        for pid in draw(st.sets(st.integers(1, count), max_size=3)):
            links.append(
                LinkInfo(
                    pid,
                    clause.id,
                    draw(st.integers(1, 4)),
                    D - timedelta(draw(st.integers(-20, 1000))),
                )
            )
    return people, clauses, links, scope


@hsettings(max_examples=80, deadline=None)
@given(portfolios(), settings_st, st.integers(0, 12))
def test_each_forecast_point_is_the_rules_on_that_date(
    data: tuple[dict[int, PersonInfo], list[ClauseInfo], list[LinkInfo], dict[int, int]],
    settings: Settings,
    months: int,
) -> None:
    people, clauses, links, scope = data
    dates = forecast_dates(D, months)
    points = forecast(
        dates,
        [(c.id, c.criticality, scope[c.contract_id]) for c in clauses],
        [
            (k.person_id, k.clause_id, fresh_dates(k.verified_on, dates, settings))
            for k in links
            if k.level >= settings.understanding_level
        ],
        people,
        settings,
    )
    assert [p.date for p in points] == dates
    for index, (day, point) in enumerate(zip(dates, points, strict=True)):
        members = [c for c in clauses if scope[c.contract_id] > index]
        statuses = clause_statuses(members, links, people, settings, day)
        counted = [statuses[c.id].status for c in members]
        assert point.clauses == len(members)
        assert point.orphaned == counted.count("orphaned")
        assert point.at_risk == counted.count("at_risk")
        assert point.single == counted.count("single")
        assert point.covered == counted.count("covered")
        assert point.orphaned_critical == sum(
            1 for c in members if statuses[c.id].status == "orphaned" and c.criticality >= 4
        )
        assert point.coverage == coverage(members, statuses)
        assert point.truck_factor == truck_factor(members, statuses, people, settings)


notice_units = st.sampled_from(["days", "weeks", "months"])


@st.composite
def contract_terms(draw: st.DrawFn) -> ContractTerms:
    renewal = draw(st.sampled_from(["none", "auto", "option", "evergreen"]))
    initial = draw(st.one_of(st.none(), st.integers(1, 36)))
    renewal_term = draw(st.integers(1, 24)) if renewal in ("auto", "option") else None
    max_renewals = draw(st.one_of(st.none(), st.integers(0, 4)))
    exercised = draw(st.integers(0, max_renewals or 0)) if renewal == "option" else 0
    given_on = draw(st.one_of(st.none(), st.integers(-400, 400)))
    return ContractTerms(
        start_date=D + timedelta(draw(st.integers(-2000, 300))),
        initial_term_months=initial,
        renewal=renewal,
        renewal_term_months=renewal_term,
        max_renewals=max_renewals,
        options_exercised=exercised,
        notice_value=draw(st.integers(0, 6)),
        notice_unit=draw(notice_units),
        terminated_on=None if given_on is None else D + timedelta(given_on),
    )


@hsettings(max_examples=100, deadline=None)
@given(contract_terms(), st.integers(0, 12))
def test_scope_is_a_leading_run_equal_to_evaluate_on_each_date(
    terms: ContractTerms, months: int
) -> None:
    assume(not validate_terms(terms))
    dates = forecast_dates(D, months)
    count = scope_dates(terms, dates)
    assert [evaluate(terms, day).status in IN_SCOPE for day in dates] == [
        index < count for index in range(len(dates))
    ]


@hsettings(max_examples=80, deadline=None)
@given(portfolios(), settings_st)
def test_plan_after_figures_are_the_rules_once_its_links_are_written(
    data: tuple[dict[int, PersonInfo], list[ClauseInfo], list[LinkInfo], dict[int, int]],
    settings: Settings,
) -> None:
    people, clauses, links, _ = data
    since = fresh_since(D, settings)
    statuses = status_rows(
        {c.id for c in clauses},
        (
            (k.person_id, k.clause_id, k.verified_on >= since)
            for k in links
            if k.level >= settings.understanding_level
        ),
        people,
        settings,
        D,
    )
    owners: dict[int, set[int]] = {}
    for c in clauses:
        owners.setdefault(c.contract_id, set()).update(statuses[c.id][2])
    found = successors(
        [(c.id, c.contract_id) for c in clauses],
        statuses,
        [(k.person_id, k.clause_id, k.level, k.verified_on >= since) for k in links],
        owners,
        people,
        settings,
        D,
        loads((statuses[c.id][2], c.criticality) for c in clauses),
    )
    links_after = plan(sorted(found), found, settings)
    changed = owners_after(statuses, links_after)
    weighed = [(c.contract_id, c.id, c.criticality) for c in clauses]
    groups = weigh(weighed, statuses)
    after_groups = weigh_after(groups, [w for w in weighed if w[1] in changed], statuses, changed)
    order = tie_order(people.values())
    figures = plan_figures(
        [item for weights in groups.values() for item in weights.items()],
        [
            item
            for kid, weights in groups.items()
            for item in after_groups.get(kid, weights).items()
        ],
        settings,
        order,
    )

    written = {(k.person_id, k.clause_id): k for k in links}
    for link in links_after:
        written[(link.person_id, link.clause_id)] = LinkInfo(
            link.person_id, link.clause_id, link.level, D
        )
        old = [k for k in links if (k.person_id, k.clause_id) == (link.person_id, link.clause_id)]
        assert link.level >= settings.understanding_level
        assert all(link.level == max(k.level, settings.understanding_level) for k in old)
    before = clause_statuses(clauses, links, people, settings, D)
    after = clause_statuses(clauses, written.values(), people, settings, D)
    assert figures.coverage_before == coverage(clauses, before)
    assert figures.truck_factor_before == truck_factor(clauses, before, people, settings)
    assert figures.coverage_after == coverage(clauses, after)
    assert figures.truck_factor_after == truck_factor(clauses, after, people, settings)
    # every candidate is active, stays beyond the window and is not a current owner
    window_end = D + relativedelta(days=settings.leaving_window_days)
    for clause_id, candidates in found.items():
        assert len(candidates) <= 3
        for candidate in candidates:
            leaves = people[candidate.person_id].leaves_on
            assert leaves is None or leaves > window_end
            assert candidate.person_id not in before[clause_id].owners
