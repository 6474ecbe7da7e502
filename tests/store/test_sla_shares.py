"""The dashboard's SLA figures kept per contract (app.services.sla_shares), and brought up to
date at start-up from the file alone (app.services.dashboard_preview.current_sla with
app.store.quick_sla): always the figures the database computes for the data as it is now."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.months import month_index
from app.core.sla import compute, meets
from app.services import dashboard
from app.services.dashboard_figures import FIGURES_FORM, SHARES_NAME, TREND_MONTHS, trend_first
from app.services.dashboard_preview import current_sla
from app.services.figure_cache import FigureCache, database_key
from app.services.sla import compliance_trend, sla_report
from app.store import sla_actions
from app.store.audit import record_bulk
from app.store.demo import generate
from app.store.engine import Database
from app.store.models import Contract, CreditNote, Measurement, Sla
from app.store.quick_look import look
from app.store.quick_sla import sla_data
from app.store.sla_queries import (
    load_contract_money,
    load_credit_notes,
    load_slas,
    trend_counts_by_contract,
)
from app.store.terms_queries import load_terms

D = date(2026, 11, 15)
pytestmark = pytest.mark.sqlite_only  # start-up's look reads SQLite files


@pytest.fixture
def demo_db(db: Database) -> Iterator[Database]:
    with db.session() as s:
        generate(s, "small", seed=5, as_of=D)
    yield db


def _trend(session: Session, as_of: date) -> dict[int, dict[int, tuple[int, int]]]:
    return trend_counts_by_contract(session, trend_first(as_of), month_index(as_of))


@pytest.mark.parametrize("as_of", [D, date(2025, 6, 30), date(2024, 3, 1)])
def test_each_contracts_trend_counts_its_periods_in_their_last_month(
    demo_db: Database, as_of: date
) -> None:
    """Recounted from every measurement with the rules themselves (SPEC §4: a period counts in
    its last month; met as app.core.sla.meets says, exactly)."""
    first, last = trend_first(as_of), month_index(as_of)
    expected: dict[int, dict[int, list[int]]] = {}
    with demo_db.session() as s:
        slas = {sla.id: sla for sla in s.scalars(select(Sla))}
        for m in s.scalars(select(Measurement)):
            sla = slas[m.sla_id]
            end = month_index(m.period_start) + (3 if sla.period == "quarterly" else 1) - 1
            if first <= end <= last:
                entry = expected.setdefault(sla.contract_id, {}).setdefault(end, [0, 0])
                entry[0] += 1
                entry[1] += meets(m.value, sla.target, sla.direction)
        found = _trend(s, as_of)
        portfolio = compliance_trend(s, as_of, TREND_MONTHS)
    assert found == {cid: {m: (a, b) for m, (a, b) in months.items()}
                     for cid, months in expected.items()}
    assert any(met < measured for months in found.values() for measured, met in months.values())
    for i, (_month, ratio) in enumerate(portfolio):  # the portfolio's is their sum
        measured = sum(months.get(first + i, (0, 0))[0] for months in found.values())
        met = sum(months.get(first + i, (0, 0))[1] for months in found.values())
        assert ratio == (None if not measured else Fraction(met, measured))


def test_the_shares_add_up_to_the_dashboards_sla_figures(demo_db: Database) -> None:
    with demo_db.session() as s:
        figures = dashboard.collect(s, D, {"sla"}).sla
        report = sla_report(s, D)
        expected = dashboard.sla_figures(
            report, dashboard.currencies(s), compliance_trend(s, D, TREND_MONTHS))
    assert figures == expected
    assert figures is not None and figures.breached and figures.outstanding


def test_the_file_gives_the_same_sla_data_as_the_database(demo_db: Database) -> None:
    with demo_db.session() as s:
        refs = list(s.scalars(select(Contract.reference).join(Sla).distinct().limit(4)))
        refs += list(s.scalars(select(Contract.reference).join(CreditNote).distinct().limit(2)))
        rows = {r.id: r for r in load_terms(s, refs)}
        ends = {cid: dashboard_end(row, D) for cid, row in rows.items()}
        money = load_contract_money(s, ends, rows)
        slas = [x for x in load_slas(s) if x.contract_id in rows]
        notes = [n for n in load_credit_notes(s) if n.contract_id in rows]
        trend = _trend(s, D)
    assert demo_db.path is not None
    found = sla_data(demo_db.path, refs, D, trend_first(D), month_index(D))
    assert found is not None
    ids, data = found
    assert ids == {row.reference: cid for cid, row in rows.items()}
    assert data.contracts == money
    assert sorted(data.slas) == sorted(slas) and data.slas
    assert sorted(data.credit_notes) == sorted(notes) and data.credit_notes
    assert data.trend == {cid: months for cid, months in trend.items() if cid in rows}
    assert data.currencies == {row.reference: row.currency for row in rows.values()}
    assert sla_data(demo_db.path, ["NO-SUCH-CONTRACT"], D, 0, 1) is None


def dashboard_end(row, as_of: date):  # type: ignore[no-untyped-def]
    from app.core.terms import evaluate

    return evaluate(row.terms, as_of).ends_on


# --- start-up brings the kept shares up to date --------------------------------------------------


def _keep(db: Database) -> FigureCache:
    with db.session() as s:
        dashboard.cached_collect(s, database_key(db), D, {"sla"})
    return FigureCache(database_key(db))


def _up_to_date(db: Database, cache: FigureCache):  # type: ignore[no-untyped-def]
    assert db.path is not None
    now = look(db.path)
    assert now is not None
    return current_sla(db.path, cache, D, now)


def _computed(db: Database):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return dashboard.collect(s, D, {"sla"}).sla


def test_unchanged_the_kept_shares_are_the_figures(demo_db: Database) -> None:
    cache = _keep(demo_db)
    figures = _up_to_date(demo_db, cache)
    assert figures is not None and figures.sla == _computed(demo_db)


def test_measurements_credit_notes_and_slas_changed_since_are_counted(demo_db: Database) -> None:
    cache = _keep(demo_db)
    before = _computed(demo_db)
    with demo_db.session() as s:
        measurement = s.scalars(select(Measurement).order_by(Measurement.id.desc()).limit(1)).one()
        sla = measurement.sla
        measurement.value = Decimal(0) if sla.direction == "higher" else Decimal(10**6)
        note = s.scalars(select(CreditNote).limit(1)).one()
        note.amount = note.amount + Decimal("1000.00")
        other = s.scalars(select(Sla).where(Sla.contract_id != sla.contract_id).limit(1)).one()
        s.delete(other)
    figures = _up_to_date(demo_db, cache)
    now = _computed(demo_db)
    assert figures is not None and figures.sla == now
    assert now != before
    again = _up_to_date(demo_db, cache)  # kept at the new revision: nothing more to compute
    assert again is not None and again.sla == now
    kept = cache.kept(SHARES_NAME, D, look(demo_db.path).schema, form=FIGURES_FORM)  # type: ignore[arg-type]
    assert kept is not None and kept.last_id == look(demo_db.path).last_id  # type: ignore[arg-type]


def test_a_measurement_entered_through_the_store_actions_is_counted(demo_db: Database) -> None:
    cache = _keep(demo_db)
    with demo_db.session() as s:
        sla = s.scalars(select(Sla).order_by(Sla.id).limit(1)).one()
        taken = set(s.scalars(select(Measurement.period_start).where(Measurement.sla_id == sla.id)))
        month = next(date(y, m, 1) for y in (2026, 2025) for m in range(12, 0, -1)
                     if date(y, m, 1) not in taken and date(y, m, 1) <= D)
        if sla.period == "quarterly":
            month = date(month.year, 1 + 3 * ((month.month - 1) // 3), 1)
        sla_actions.record_measurement(s, sla.contract.reference, sla.name, month,
                                       sla.target - Decimal(1))
    figures = _up_to_date(demo_db, cache)
    assert figures is not None and figures.sla == _computed(demo_db)


def test_what_is_not_one_contracts_sla_data_leaves_it_to_the_database(demo_db: Database) -> None:
    cache = _keep(demo_db)
    with demo_db.session() as s:  # a contract's own fields reach all its SLA figures
        contract = s.scalars(select(Contract).join(Sla).limit(1)).one()
        contract.annual_value = (contract.annual_value or Decimal(0)) + Decimal(1000)
    assert _up_to_date(demo_db, cache) is None

    cache = _keep(demo_db)
    with demo_db.session() as s:  # a bulk write whose audit rows name no contract
        record_bulk(s, "Measurement", ["some measurements"])
    assert _up_to_date(demo_db, cache) is None


def test_many_contracts_changed_leave_it_to_the_database(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import dashboard_preview

    monkeypatch.setattr(dashboard_preview, "MAX_CONTRACTS", 2)
    cache = _keep(demo_db)
    with demo_db.session() as s:
        contracts = list(s.scalars(select(Contract).join(Sla).distinct().limit(3)))
        for contract in contracts:
            measurement = contract.slas[0].measurements[0]
            measurement.value = measurement.value + Decimal("0.01")
    assert len(contracts) == 3
    assert _up_to_date(demo_db, cache) is None


def test_the_rules_on_the_files_data_give_the_databases_report(demo_db: Database) -> None:
    with demo_db.session() as s:
        refs = list(s.scalars(select(Contract.reference).join(Sla).distinct().limit(5)))
        report = sla_report(s, D)
    assert demo_db.path is not None
    found = sla_data(demo_db.path, refs, D, trend_first(D), month_index(D))
    assert found is not None
    _ids, data = found
    compliance, credits = compute(data.contracts, data.slas, data.measurements,
                                  data.credit_notes, D)
    assert compliance == [c for c in report.slas if c.sla.contract_ref in refs]
    assert credits == [c for c in report.credits if c.contract.reference in refs]


def test_replacing_shares_keeps_the_sums_of_packing_them_afresh() -> None:
    from app.services.sla_shares import Share, figures, pack, replaced

    def share(currency: str, n: int, owed: str, lost: str) -> Share:
        return Share(currency, n, 4 * n, 3 * n, n, n % 2, Decimal(owed), Decimal(lost), n % 3,
                     (n, n - 1, 0, 0, 2 * n, n))

    before = {1: share("EUR", 1, "10.00", "0"), 2: share("USD", 2, "0", "5.50"),
              3: share("EUR", 3, "2.25", "1.00")}
    packed = pack(before, 600, 3)
    assert figures(packed) == figures(pack(dict(before), 600, 3))
    fresh: dict[int, Share | None] = {2: None, 3: share("EUR", 5, "0", "0"),
                                      4: share("GBP", 4, "7.00", "0")}
    after = {1: before[1], 3: fresh[3], 4: fresh[4]}
    result = figures(replaced(packed, fresh))
    assert result == figures(pack(after, 600, 3))  # type: ignore[arg-type]
    assert result.outstanding == {"EUR": Decimal("10.00"), "GBP": Decimal("7.00")}
    assert result.lost == {}  # nothing lost any more: the currency is not shown
    assert result.slas == 1 + 5 + 4 and result.trend[0][1] == Fraction(0 + 4 + 3, 1 + 5 + 4)
    assert figures(packed).lost == {"USD": Decimal("5.50"), "EUR": Decimal("1.00")}


def test_a_measurements_import_is_counted(demo_db: Database, tmp_path: Path) -> None:
    from app.reports.measurements_import import import_measurements

    cache = _keep(demo_db)
    lines = ["contract,sla,period,value"]
    with demo_db.session() as s:
        monthly = select(Sla).where(Sla.period == "monthly").order_by(Sla.id).limit(3)
        for sla in s.scalars(monthly):
            taken = {m.period_start for m in sla.measurements}
            month = next(date(2026, m, 1) for m in range(11, 0, -1)
                         if date(2026, m, 1) not in taken)
            breach = sla.target - 5 if sla.direction == "higher" else sla.target + 5
            lines.append(f"{sla.contract.reference},{sla.name},{month:%Y-%m},{breach}")
    source = tmp_path / "desk.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with demo_db.session() as s:
        import_measurements(s, source)
    figures = _up_to_date(demo_db, cache)
    # the import's audit rows name each measurement's contract: only those are computed again
    assert figures is not None and figures.sla == _computed(demo_db)
