"""A believable demo portfolio, written with bulk inserts (small, or the SPEC §7 workload).

Everything is drawn from one seeded random generator and placed relative to the as-of date, so a
seed and a date always give the same portfolio, and the demo always has deadlines in the coming
weeks, people who have left or are about to, stale knowledge and breached SLAs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from app.core.progress import Progress, null_progress, step
from app.core.terms import evaluate, notice_delta
from app.errors import ClausekeeperError
from app.store import audit
from app.store import demo_data as data
from app.store.models import (
    Clause,
    Contract,
    CreditNote,
    Knowledge,
    Measurement,
    Person,
    Sla,
    Vendor,
)
from app.store.terms_queries import terms_from_values


@dataclass(frozen=True)
class Scale:
    vendors: int
    contracts: int
    clauses_per_contract: int
    people: int
    links_per_clause: float
    slas_per_contract: float
    months_measured: int


SCALES = {
    "small": Scale(12, 40, 25, 60, 1.7, 1.5, 24),
    "enterprise": Scale(1500, 10_000, 20, 2000, 2.0, 3.0, 24),
}
BATCH = 20_000
ARCHIVED_SHARE = 0.33  # enterprise contracts that ended years ago


def generate(
    session: Session,
    scale: str = "small",
    seed: int = 1,
    as_of: date | None = None,
    progress: Progress = null_progress,
) -> dict[str, int]:
    """Fill an empty database; returns the number of records written per entity."""
    if scale not in SCALES:
        raise ClausekeeperError(f"demo: unknown scale {scale!r} (small or enterprise)")
    existing = session.execute(select(func.count()).select_from(Contract)).scalar_one()
    existing += session.execute(select(func.count()).select_from(Vendor)).scalar_one()
    existing += session.execute(select(func.count()).select_from(Person)).scalar_one()
    if existing:
        raise ClausekeeperError(
            "demo: the database already holds data; the demo portfolio needs an empty database"
        )
    builder = _Builder(random.Random(seed), SCALES[scale], as_of or date.today(), scale)
    return builder.write(session, progress)


def _advance_id_sequences(session: Session, tables: list[str]) -> None:
    """The demo writes its ids itself (1, 2, … in each table); PostgreSQL's id sequences must
    then move past them, or the next record added without an id (by the app, an import) would
    collide with one. nextval, not setval: a writer role may use a sequence without owning it
    (and moving a sequence further than needed only leaves a gap)."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite takes the next id from the table itself
    for table in tables:
        session.execute(
            text(
                f"SELECT count(nextval(pg_get_serial_sequence('{table}', 'id'))) "
                f"FROM generate_series(1, (SELECT COALESCE(MAX(id), 0) FROM {table}))"
            )
        )


class _Builder:
    def __init__(self, rng: random.Random, scale: Scale, as_of: date, name: str) -> None:
        self.rng = rng
        self.scale = scale
        self.as_of = as_of
        self.enterprise = name == "enterprise"
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.keys: dict[str, list[str | tuple[str, str | None]]] = {}

    # -- writing -------------------------------------------------------------------------------

    def write(self, session: Session, progress: Progress) -> dict[str, int]:
        step(progress, 0, 100, "Inventing the portfolio")
        self._vendors()
        self._people()
        self._contracts()
        self._clauses_and_knowledge()
        if self.enterprise:
            self._exact_link_count()
        self._slas_and_measurements()
        plan = [
            ("Vendor", Vendor),
            ("Person", Person),
            ("Contract", Contract),
            ("Clause", Clause),
            ("Knowledge", Knowledge),
            ("Sla", Sla),
            ("Measurement", Measurement),
            ("CreditNote", CreditNote),
        ]
        total = sum(len(self.rows.get(name, [])) for name, _ in plan) or 1
        done = 0
        for name, model in plan:
            rows = self.rows.get(name, [])
            for start in range(0, len(rows), BATCH):
                chunk = rows[start : start + BATCH]
                session.execute(insert(model), chunk)
                audit.record_bulk(session, name, self.keys[name][start : start + BATCH])
                done += len(chunk)
                step(progress, done, total, f"Writing {model.__tablename__}")
        session.flush()
        _advance_id_sequences(session, [model.__tablename__ for _, model in plan])
        labels = {
            "Vendor": "vendors",
            "Person": "people",
            "Contract": "contracts",
            "Clause": "clauses",
            "Knowledge": "knowledge links",
            "Sla": "SLAs",
            "Measurement": "measurements",
            "CreditNote": "credit notes",
        }
        return {labels[name]: len(self.rows.get(name, [])) for name, _ in plan}

    def _add(self, entity: str, row: dict[str, Any], key: str | tuple[str, str | None]) -> None:
        self.rows.setdefault(entity, []).append(row)
        self.keys.setdefault(entity, []).append(key)

    # -- vendors and people --------------------------------------------------------------------

    def _vendors(self) -> None:
        names: list[str] = []
        seen: set[str] = set()
        rng = self.rng
        while len(names) < self.scale.vendors:
            name = f"{rng.choice(data.VENDOR_STEMS)} {rng.choice(data.VENDOR_SUFFIXES)}"
            if name in seen:
                name = f"{name} {rng.choice(data.COUNTRIES)}"
                if name in seen:
                    name = f"{name} {len(names) + 1}"
            seen.add(name)
            names.append(name)
        for i, name in enumerate(names, start=1):
            first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
            domain = name.split()[0].lower() + ".example"
            self._add(
                "Vendor",
                {
                    "id": i,
                    "name": name,
                    "country": rng.choice(data.COUNTRIES),
                    "contact_name": f"{first} {last}",
                    "contact_email": f"{first.lower()}.{last.lower()}@{domain}",
                    "notes": None,
                },
                name,
            )
        self.vendor_names = names

    def _people(self) -> None:
        rng = self.rng
        seen: set[str] = set()
        self.people: list[dict[str, Any]] = []
        for i in range(1, self.scale.people + 1):
            first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
            email = f"{first.lower()}.{last.lower()}@company.example"
            n = 2
            while email in seen:
                email = f"{first.lower()}.{last.lower()}{n}@company.example"
                n += 1
            seen.add(email)
            department, roles = rng.choice(data.DEPARTMENTS)
            roll = rng.random()
            leaves_on = None
            if roll < 0.12:  # left already
                leaves_on = self.as_of - timedelta(days=rng.randint(1, 900))
            elif roll < 0.18:  # leaving within the leaving window
                leaves_on = self.as_of + timedelta(days=rng.randint(0, 85))
            elif roll < 0.21:  # leaving later
                leaves_on = self.as_of + timedelta(days=rng.randint(120, 400))
            row = {
                "id": i,
                "name": f"{first} {last}",
                "email": email,
                "department": department,
                "role": rng.choice(roles),
                "leaves_on": leaves_on,
                "notes": None,
            }
            self.people.append(row)
            self._add("Person", row, email)
        # A few people always leave within the leaving window: their clauses are at risk.
        for row in rng.sample(self.people, max(3, len(self.people) // 15)):
            row["leaves_on"] = self.as_of + timedelta(days=rng.randint(10, 80))
        self.active_ids = [
            p["id"] for p in self.people if p["leaves_on"] is None or p["leaves_on"] >= self.as_of
        ]

    # -- contracts -------------------------------------------------------------------------------

    def _contracts(self) -> None:
        rng = self.rng
        self.contracts: list[dict[str, Any]] = []
        count = self.scale.contracts
        width = 4 if count >= 1000 else 3
        urgent = set(rng.sample(range(count), max(4, count // 8)))
        for i in range(count):
            renewal = rng.choices(("auto", "option", "none", "evergreen"), (45, 20, 20, 15))[0]
            initial = rng.choice((12, 24, 36, 36, 48, 60))
            # A third of an enterprise register is contracts that ran their term and ended
            # years ago, kept for the record: out of scope, with a few years of SLA history.
            archived = self.enterprise and i not in urgent and rng.random() < ARCHIVED_SHARE
            if archived:
                renewal, initial = "none", rng.choice((12, 24, 24, 36))
            renewal_term = rng.choice((12, 12, 24)) if renewal in ("auto", "option") else None
            max_renewals = None
            if renewal in ("auto", "option"):
                max_renewals = (
                    rng.choice((None, 1, 2, 3, 5)) if renewal == "auto" else rng.choice((1, 2, 3))
                )
            notice_value, notice_unit = rng.choice(
                (
                    (3, "months"),
                    (3, "months"),
                    (6, "months"),
                    (90, "days"),
                    (8, "weeks"),
                    (1, "months"),
                )
            )
            if i in urgent and renewal != "evergreen":
                # Place the first cancel-by date a few weeks ahead of the as-of date.
                ahead = rng.randint(3, 75)
                end0 = self.as_of + timedelta(days=ahead) + notice_delta(notice_value, notice_unit)
                start = end0 + timedelta(days=1) - relativedelta(months=initial)
            else:
                if archived:
                    start = self.as_of - timedelta(days=rng.randint(initial * 31 + 30, 365 * 8))
                elif self.enterprise:
                    # Ages whose SLA lives add up to the SPEC §7 measurement count (see
                    # _enterprise_sla_counts): about two years measured on average.
                    start = self.as_of - timedelta(days=rng.randint(60, 365 * 4 + 60))
                else:
                    start = self.as_of - timedelta(days=rng.randint(400, 365 * 8))
                if not self.enterprise and rng.random() < 0.06:
                    start = self.as_of + timedelta(days=rng.randint(10, 90))  # not started
            if renewal == "evergreen" and rng.random() < 0.4:
                initial_term: int | None = None
            else:
                initial_term = initial
            exercised = 0
            if renewal == "option" and start < self.as_of:
                months = _months_between(start, self.as_of)
                assert renewal_term is not None and max_renewals is not None
                if months >= initial:
                    exercised = min(max_renewals, (months - initial) // renewal_term + 1)
                    if rng.random() < 0.2:
                        exercised = max(0, exercised - 1)  # an option that was let lapse
            terminated_on = None
            if renewal in ("auto", "evergreen") and start < self.as_of and rng.random() < 0.07:
                terminated_on = self.as_of - timedelta(days=rng.randint(5, 120))
            title, category = rng.choice(data.CONTRACT_TITLES)
            value = Decimal(rng.randint(2_000_000, 500_000_000)) / 100
            currency = rng.choices(("EUR", "USD", "GBP"), (80, 12, 8))[0]
            year = start.year
            reference = f"C-{year}-{i + 1:0{width}d}"
            notes = None
            if not self.enterprise and i == count - 1:
                renewal, initial_term, renewal_term, max_renewals = "none", None, None, None
                exercised, terminated_on = 0, None
                notes = "Imported from the 2019 register: end date unclear, to be reviewed."
            owner = rng.choice(self.people)["id"]
            row = {
                "id": i + 1,
                "reference": reference,
                "title": f"{title} ({self.vendor_names[i % len(self.vendor_names)].split()[0]})",
                "vendor_id": (i % len(self.vendor_names)) + 1,
                "owner_id": owner,
                "category": category,
                "start_date": start,
                "initial_term_months": initial_term,
                "renewal": renewal,
                "renewal_term_months": renewal_term,
                "max_renewals": max_renewals,
                "options_exercised": exercised,
                "notice_value": notice_value,
                "notice_unit": notice_unit,
                "terminated_on": terminated_on,
                "annual_value": value,
                "currency": currency,
                "credit_cap_percent": rng.choice(
                    (None, Decimal("10"), Decimal("15"), Decimal("20"))
                ),
                "credit_claim_days": rng.choice((30, 30, 60)),
                "reminder_days": rng.choice(("180,90,30,7",) * 4 + ("120,60,14", "90,30")),
                "notes": notes,
            }
            self.contracts.append(row)
            self._add("Contract", row, (reference, reference))

    # -- clauses and knowledge -----------------------------------------------------------------

    def _clauses_and_knowledge(self) -> None:
        rng = self.rng
        clause_id = 0
        link_id = 0
        per_contract = self.scale.clauses_per_contract
        templates = data.CLAUSES
        people = self.people
        for contract in self.contracts:
            ref = contract["reference"]
            chosen = (
                templates
                if per_contract >= len(templates)
                else [templates[j] for j in sorted(rng.sample(range(len(templates)), per_contract))]
            )
            team = rng.sample(people, rng.randint(2, 5))
            # Some contracts have lost nearly everyone who knew them.
            neglected = rng.random() < 0.15
            for number, title, category, criticality, summary in chosen:
                clause_id += 1
                self._add(
                    "Clause",
                    {
                        "id": clause_id,
                        "contract_id": contract["id"],
                        "number": number,
                        "title": title,
                        "summary": summary,
                        "category": category,
                        "criticality": criticality,
                    },
                    (f"{ref} §{number}", ref),
                )
                wanted = self._link_count(neglected)
                for person in rng.sample(team, min(wanted, len(team))):
                    link_id += 1
                    stale = rng.random() < 0.12
                    age = rng.randint(760, 1400) if stale else rng.randint(0, 700)
                    self._add(
                        "Knowledge",
                        {
                            "id": link_id,
                            "person_id": person["id"],
                            "clause_id": clause_id,
                            "level": rng.choices((1, 2, 3, 4), (15, 35, 35, 15))[0],
                            "verified_on": self.as_of - timedelta(days=age),
                        },
                        (f"{person['email']} @ {ref} §{number}", ref),
                    )

    def _exact_link_count(self) -> None:
        """The enterprise workload has exactly links_per_clause links a clause (SPEC §7): drop
        random links over that number, or give random clauses one more person under it."""
        rows = self.rows.get("Knowledge", [])
        keys = self.keys.get("Knowledge", [])
        wanted = round(self.scale.links_per_clause * len(self.rows.get("Clause", [])))
        rng = self.rng
        if len(rows) > wanted:
            drop = set(rng.sample(range(len(rows)), len(rows) - wanted))
            kept = [i for i in range(len(rows)) if i not in drop]
            rows[:] = [rows[i] for i in kept]
            keys[:] = [keys[i] for i in kept]
        pairs = {(row["person_id"], row["clause_id"]) for row in rows}
        clauses = self.rows.get("Clause", [])
        refs = {c["id"]: c["reference"] for c in self.contracts}
        while len(rows) < wanted:
            clause = rng.choice(clauses)
            person = rng.choice(self.people)
            if (person["id"], clause["id"]) in pairs:
                continue
            pairs.add((person["id"], clause["id"]))
            ref = refs[clause["contract_id"]]
            rows.append({
                "id": 0,
                "person_id": person["id"],
                "clause_id": clause["id"],
                "level": rng.choices((1, 2, 3, 4), (15, 35, 35, 15))[0],
                "verified_on": self.as_of - timedelta(days=rng.randint(0, 700)),
            })
            keys.append((f"{person['email']} @ {ref} §{clause['number']}", ref))
        for number, row in enumerate(rows, start=1):
            row["id"] = number

    def _link_count(self, neglected: bool) -> int:
        rng = self.rng
        if neglected:
            return rng.choices((0, 1), (70, 30))[0]
        mean = self.scale.links_per_clause
        if self.enterprise:
            # Tuned so that the SPEC §7 workload has about two links a clause overall.
            return rng.choices((1, 2, 3), (10, 35, 55))[0] if mean >= 2 else 1
        return rng.choices((0, 1, 2, 3), (8, 30, 40, 22))[0]

    # -- SLAs, measurements and credit notes ---------------------------------------------------

    def _measured_periods(self, contract: dict[str, Any], step_months: int) -> tuple[date, int]:
        """The last period start before the as-of month (or the contract's end) and the number
        of periods from the one containing the start date: the SLA's whole life so far."""
        last = self.as_of.replace(day=1) - relativedelta(months=step_months)
        end = _ends_on(contract, self.as_of)
        if end is not None and end < last:
            last = end.replace(day=1)
        if step_months == 3:
            last = last.replace(month=((last.month - 1) // 3) * 3 + 1)
        return last, _periods_since(contract["start_date"], last, step_months)

    def _enterprise_sla_counts(self) -> tuple[list[int], set[int]]:
        """SLAs per contract and the measurements left unreported, for the SPEC §7 workload.

        Every SLA is measured over its contract's whole life up to the as-of date; 3 SLAs a
        contract on average (30,000) and 24 measurements an SLA on average (720,000) exactly.
        SLAs move from long-lived to young contracts until the lives fit, and the few periods
        over go unreported (flat indices into the periods in generation order).
        """
        lives = [self._measured_periods(c, 1)[1] for c in self.contracts]
        counts = [3] * len(lives)
        wanted = round(self.scale.slas_per_contract * len(lives)) * self.scale.months_measured
        total = 3 * sum(lives)
        order = sorted(range(len(lives)), key=lives.__getitem__)
        young, old = 0, len(order) - 1
        slack = wanted // 100  # at most about 1 % of the periods unreported
        most = len(data.SLAS) - 1
        while total - wanted > slack and young < old:  # too many periods: SLAs to the young
            if counts[order[old]] <= 1:
                old -= 1
            elif counts[order[young]] >= most:
                young += 1
            else:
                counts[order[old]] -= 1
                counts[order[young]] += 1
                total -= lives[order[old]] - lives[order[young]]
        young, old = 0, len(order) - 1
        while total < wanted and young < old:  # too few: SLAs to the long-lived
            if counts[order[young]] <= 1:
                young += 1
            elif counts[order[old]] >= most:
                old -= 1
            else:
                counts[order[young]] -= 1
                counts[order[old]] += 1
                total += lives[order[old]] - lives[order[young]]
        if total < wanted:
            raise ClausekeeperError("demo: the enterprise contracts are too young to measure")
        return counts, set(self.rng.sample(range(total), total - wanted))

    def _slas_and_measurements(self) -> None:
        rng = self.rng
        sla_id = 0
        m_id = 0
        note_id = 0
        period_index = 0
        counts, unreported = self._enterprise_sla_counts() if self.enterprise else ([], set())
        for number, contract in enumerate(self.contracts):
            ref = contract["reference"]
            if self.enterprise:
                wanted = counts[number]
            else:
                wanted = rng.choices((0, 1, 2, 3), (25, 25, 30, 20))[0]
            templates = rng.sample(data.SLAS, wanted)
            for name, unit, target, direction, period, credit, typical, spread in templates:
                if self.enterprise:
                    period = "monthly"
                sla_id += 1
                self._add(
                    "Sla",
                    {
                        "id": sla_id,
                        "contract_id": contract["id"],
                        "name": name,
                        "unit": unit,
                        "target": Decimal(target),
                        "direction": direction,
                        "period": period,
                        "credit_percent": Decimal(credit),
                    },
                    (f"{ref} / {name}", ref),
                )
                step_months = 3 if period == "quarterly" else 1
                # Every period the contract has run, a few left unreported.
                last, periods = self._measured_periods(contract, step_months)
                target_value = Decimal(target)
                for k in range(periods):
                    start = last - relativedelta(months=step_months * (periods - 1 - k))
                    period_index += 1
                    if self.enterprise:
                        if period_index - 1 in unreported:
                            continue
                    elif rng.random() < 0.03:
                        continue
                    value = Decimal(f"{rng.gauss(typical, spread):.2f}")
                    if unit == "%" and value > 100:
                        value = Decimal("100.00")
                    if value < 0:
                        value = Decimal("0.00")
                    m_id += 1
                    self._add(
                        "Measurement",
                        {
                            "id": m_id,
                            "sla_id": sla_id,
                            "period_start": start,
                            "value": value,
                            "note": None,
                        },
                        (f"{ref} / {name} / {start:%Y-%m}", ref),
                    )
                    breached = (
                        value < target_value if direction == "higher" else (value > target_value)
                    )
                    if breached and contract["annual_value"] and rng.random() < 0.6:
                        note_id += 1
                        month = start + relativedelta(months=step_months - 1)
                        fee = contract["annual_value"] * step_months / 12
                        amount = (fee * Decimal(credit) / 100).quantize(Decimal("0.01"))
                        if rng.random() < 0.3:
                            amount = (amount / 2).quantize(Decimal("0.01"))
                        received = month + relativedelta(months=1, days=rng.randint(5, 40))
                        reference = f"CN-{ref}-{month:%Y%m}-{note_id}"
                        self._add(
                            "CreditNote",
                            {
                                "id": note_id,
                                "contract_id": contract["id"],
                                "month": month,
                                "amount": amount,
                                "received_on": received if received <= self.as_of else None,
                                "reference": reference,
                            },
                            (f"{ref} / {month:%Y-%m} / {reference}", ref),
                        )


def _ends_on(contract: dict[str, Any], as_of: date) -> date | None:
    return evaluate(terms_from_values(contract), as_of).ends_on


def _periods_since(start: date, last: date, step_months: int) -> int:
    """Periods from the one containing `start` up to `last` (a period start), at most 8 years."""
    first = start.replace(day=1)
    if step_months == 3:
        first = first.replace(month=((first.month - 1) // 3) * 3 + 1)
    months = (last.year - first.year) * 12 + last.month - first.month
    return max(0, min(months // step_months + 1, 96 // step_months))


def _months_between(start: date, end: date) -> int:
    delta = relativedelta(end, start)
    return delta.years * 12 + delta.months
