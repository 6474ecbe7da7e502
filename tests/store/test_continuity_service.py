"""`forecast` and `successors` (SPEC §3a, §6) on a real SQLite database, against `gaps`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import main
from app.core.natural import natural_key
from app.errors import NotFoundError, ValidationError
from app.services.continuity import find_successors, forecast_json, successors_json
from app.services.knowledge import gaps_json
from app.store.demo import generate
from app.store.engine import Database, open_database
from app.store.knowledge_actions import set_knowledge
from app.store.models import Clause, Contract, Knowledge, Person

D = date(2026, 11, 29)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = open_database(str(tmp_path_factory.mktemp("demo") / "demo.db"))
    with database.session() as session:
        generate(session, "small", seed=3, as_of=D)
    yield database
    database.close()


@pytest.fixture
def rolled_back(demo: Database) -> Iterator[Session]:
    """A session on the demo whose writes are never committed."""
    session = demo.factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def figures_of(gaps: dict[str, Any]) -> dict[str, Any]:
    """The forecast's figures, as `gaps --json` reports them on its date."""
    statuses = [c["status"] for c in gaps["clauses"]]
    return {
        "date": gaps["as_of"],
        "clauses": len(statuses),
        "orphaned": statuses.count("orphaned"),
        "orphaned_critical": sum(
            1 for c in gaps["clauses"] if c["status"] == "orphaned" and c["criticality"] >= 4
        ),
        "at_risk": statuses.count("at_risk"),
        "single": statuses.count("single"),
        "covered": statuses.count("covered"),
        "coverage": gaps["coverage"],
        "truck_factor": gaps["truck_factor"],
    }


@pytest.mark.parametrize("as_of", [D, date(2027, 1, 31), date(2025, 6, 15)])
def test_each_forecast_point_equals_gaps_on_its_date(demo: Database, as_of: date) -> None:
    with demo.session() as session:
        data = forecast_json(session, as_of, 12)
        assert data["as_of"] == as_of.isoformat() and len(data["points"]) == 13
        for point in data["points"]:
            assert point == figures_of(gaps_json(session, date.fromisoformat(point["date"])))
    dates = [p["date"] for p in data["points"]]
    assert dates == sorted(dates) and dates[0] == as_of.isoformat()
    # the portfolio does change over a year: the points are not all the same
    assert len({(p["orphaned"], p["coverage"]) for p in data["points"]}) > 3


def test_forecast_months_option(demo: Database) -> None:
    with demo.session() as session:
        assert [p["date"] for p in forecast_json(session, D, 2)["points"]] == [
            "2026-11-29",
            "2026-12-31",
            "2027-01-31",
        ]
        with pytest.raises(ValidationError):
            forecast_json(session, D, -1)


def write_plan(session: Session, data: dict[str, Any]) -> None:
    """Write the plan's links for real: each listed clause's first candidate, verified on D."""
    for clause in data["clauses"]:
        if not clause["candidates"]:
            continue
        first = clause["candidates"][0]
        level = max(2, first["level"] or 0)
        key = first["email"] or first["name"]
        set_knowledge(session, key, clause["contract"], clause["number"], level, D)


def test_plan_after_equals_gaps_once_its_links_are_written(rolled_back: Session) -> None:
    data = successors_json(rolled_back, D)
    before = gaps_json(rolled_back, D)
    plan = data["plan"]
    assert plan["coverage_before"] == before["coverage"]
    assert plan["truck_factor_before"] == before["truck_factor"]
    assert plan["coverage_after"] > plan["coverage_before"]
    write_plan(rolled_back, data)
    after = gaps_json(rolled_back, D)
    assert plan["coverage_after"] == after["coverage"]
    assert plan["truck_factor_after"] == after["truck_factor"]
    by_reference = {c["reference"]: c for c in after["contracts"]}
    earlier = {c["reference"]: c for c in before["contracts"]}
    listed = {c["contract"] for c in data["clauses"]}
    assert [c["reference"] for c in plan["contracts"]] == sorted(listed)
    for contract in plan["contracts"]:
        reference = contract["reference"]
        assert contract["coverage_before"] == earlier[reference]["coverage"]
        assert contract["truck_factor_before"] == earlier[reference]["truck_factor"]
        assert contract["coverage_after"] == by_reference[reference]["coverage"]
        assert contract["truck_factor_after"] == by_reference[reference]["truck_factor"]


def test_successors_json_keys_order_and_listing(demo: Database) -> None:
    with demo.session() as session:
        data = successors_json(session, D)
        gaps = gaps_json(session, D)
    assert set(data) == {"as_of", "clauses", "plan"}
    assert set(data["plan"]) == {
        "coverage_before", "coverage_after", "truck_factor_before", "truck_factor_after",
        "contracts",
    }  # fmt: skip
    wanted = {
        (c["contract"], c["number"])
        for c in gaps["clauses"]
        if c["status"] in ("orphaned", "at_risk", "single")
    }
    assert {(c["contract"], c["number"]) for c in data["clauses"]} == wanted
    order = [(-c["criticality"], c["contract"], natural_key(c["number"])) for c in data["clauses"]]
    assert order == sorted(order)
    actions = ("reverify", "deepen", "learn")
    seen_actions = set()
    for clause in data["clauses"]:
        assert set(clause) == {
            "contract", "number", "title", "criticality", "status", "reason", "candidates",
        }  # fmt: skip
        assert (clause["reason"] is None) == (clause["status"] != "orphaned")
        candidates = clause["candidates"]
        assert len(candidates) <= 3
        ranks = [(actions.index(k["action"]), k["load"], k["name"]) for k in candidates]
        assert ranks == sorted(ranks)
        for candidate in candidates:
            assert set(candidate) == {"name", "email", "action", "level", "load"}
            assert (candidate["level"] is None) == (candidate["action"] == "learn")
            seen_actions.add(candidate["action"])
    assert seen_actions == set(actions)  # the demo has all three kinds


def test_min_criticality_lists_fewer_clauses_and_plans_only_those(rolled_back: Session) -> None:
    everything = successors_json(rolled_back, D)
    critical = successors_json(rolled_back, D, min_criticality=4)
    assert critical["clauses"] == [c for c in everything["clauses"] if c["criticality"] >= 4]
    assert 0 < len(critical["clauses"]) < len(everything["clauses"])
    plan = critical["plan"]
    assert plan["coverage_before"] == everything["plan"]["coverage_before"]
    assert plan["coverage_before"] < plan["coverage_after"] < everything["plan"]["coverage_after"]
    write_plan(rolled_back, critical)
    after = gaps_json(rolled_back, D)
    assert (plan["coverage_after"], plan["truck_factor_after"]) == (
        after["coverage"],
        after["truck_factor"],
    )


def test_contract_option_lists_one_contract_with_portfolio_figures(rolled_back: Session) -> None:
    everything = successors_json(rolled_back, D)
    reference = everything["clauses"][0]["contract"]
    one = successors_json(rolled_back, D, contract_ref=reference)
    assert one["clauses"] == [c for c in everything["clauses"] if c["contract"] == reference]
    assert [c["reference"] for c in one["plan"]["contracts"]] == [reference]
    assert one["plan"]["contracts"][0] == next(
        c for c in everything["plan"]["contracts"] if c["reference"] == reference
    )
    assert one["plan"]["coverage_before"] == everything["plan"]["coverage_before"]
    write_plan(rolled_back, one)
    after = gaps_json(rolled_back, D)
    assert one["plan"]["coverage_after"] == after["coverage"]
    assert one["plan"]["truck_factor_after"] == after["truck_factor"]
    with pytest.raises(NotFoundError, match="C-NOPE"):
        find_successors(rolled_back, D, contract_ref="C-NOPE")


def test_loads_are_the_current_ownership_of_the_whole_portfolio(demo: Database) -> None:
    with demo.session() as session:
        data = successors_json(session, D, min_criticality=5)
        gaps = gaps_json(session, D)
        emails = dict(session.execute(select(Person.name, Person.email)).all())
    load: dict[str, int] = {}
    for clause in gaps["clauses"]:
        for name in clause["owners"]:
            load[name] = load.get(name, 0) + clause["criticality"]
    for clause in data["clauses"]:
        for candidate in clause["candidates"]:
            assert candidate["load"] == load.get(candidate["name"], 0)
            assert candidate["email"] == emails[candidate["name"]]


def test_cli_forecast_and_successors(
    demo: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    url = demo.engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "forecast", "--months", "3", "--json", "--as-of", "2026-11-29"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["date"] for p in data["points"]][-1] == "2027-02-28"
    assert main(["--db", url, "successors", "--min-criticality", "5", "--as-of", "2026-11-29"]) == 0
    out = capsys.readouterr().out
    assert "clauses need a successor" in out and "first candidate" in out
    assert main(["--db", url, "successors", "--contract", "C-NOPE"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "clausekeeper: contract: no contract with the reference 'C-NOPE'"
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", url, "successors", "--min-criticality", "6"])
    assert exit_info.value.code == 2


def test_a_clause_without_candidates_is_listed_empty(session: Session) -> None:
    """Hand-built: nobody in-house can take over a lone contract's orphaned clause."""
    from app.store.models import Vendor

    vendor = Vendor(name="Acme")
    ann = Person(name="Ann", email="ann@x", leaves_on=date(2026, 12, 15))  # leaving soon
    contract = Contract(
        reference="C-1",
        title="Desk",
        vendor=vendor,
        start_date=date(2026, 1, 1),
        initial_term_months=24,
        renewal="none",
        clauses=[
            Clause(number="1", title="Scope", criticality=5),
            Clause(
                number="2",
                title="Levels",
                criticality=3,
                knowledge=[Knowledge(person=ann, level=3, verified_on=date(2026, 5, 1))],
            ),
        ],
    )
    session.add(contract)
    session.flush()
    data = successors_json(session, D)
    assert [(c["number"], c["status"], c["candidates"]) for c in data["clauses"]] == [
        ("1", "orphaned", []),
        ("2", "at_risk", []),
    ]
    assert data["plan"]["coverage_before"] == data["plan"]["coverage_after"] == 0.375


def test_contract_option_on_a_contract_out_of_scope(demo: Database) -> None:
    """As `gaps --contract`: the named contract whatever its status; the portfolio's figures
    (in-scope clauses only) are not changed by a plan for its clauses."""
    with demo.session() as session:
        in_scope = {c["reference"] for c in gaps_json(session, D)["contracts"]}
        references = session.scalars(select(Contract.reference).order_by(Contract.reference))
        reference = next(r for r in references if r not in in_scope)
        one = successors_json(session, D, contract_ref=reference)
        named = gaps_json(session, D, reference)
    wanted = [c["number"] for c in named["clauses"] if c["status"] != "covered"]
    assert sorted(c["number"] for c in one["clauses"]) == sorted(wanted)
    plan = one["plan"]
    assert plan["coverage_after"] == plan["coverage_before"]
    assert plan["truck_factor_after"] == plan["truck_factor_before"]
    if one["clauses"]:
        assert [c["reference"] for c in plan["contracts"]] == [reference]
        assert plan["contracts"][0]["coverage_before"] == named["coverage"]
