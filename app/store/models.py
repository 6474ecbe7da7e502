"""The portfolio's tables (SPEC §1) as typed SQLAlchemy 2 models.

Constraints live in the database too (unique keys, CHECKs for ranges and enumerations, foreign
keys), so that no tool writing to a shared database can store what the specification forbids.
Records people edit carry a version (SQLAlchemy's version counter): an UPDATE or DELETE from a
session that read an older version matches no row and fails, so one desk never silently
overwrites what another saved (app.store.conflicts turns that into a ConflictError).
Delete rules: deleting a contract deletes what belongs to it (clauses, SLAs, measurements, credit
notes, documents, knowledge of its clauses); a vendor with contracts, or a person who still has
knowledge links, cannot be deleted; deleting a person leaves the contracts they managed unowned.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.store.term_rows import parse_reminder_days
from app.store.types import ExactDecimal

RENEWAL_TYPES = ("none", "auto", "option", "evergreen")
NOTICE_UNITS = ("days", "weeks", "months")
DIRECTIONS = ("higher", "lower")
PERIODS = ("monthly", "quarterly")
CLAUSE_CATEGORIES = (
    "scope",
    "service levels",
    "pricing",
    "term and renewal",
    "termination",
    "exit and transition",
    "liability",
    "data protection",
    "security",
    "intellectual property",
    "audit rights",
    "change control",
    "other",
)
DEFAULT_REMINDER_DAYS = "180,90,30,7"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _non_negative(column: str) -> str:
    return f"{column} IS NULL OR CAST({column} AS REAL) >= 0"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Vendor(Base):
    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str | None] = mapped_column(String(100))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # a save from an older state fails

    contracts: Mapped[list[Contract]] = relationship(back_populates="vendor")

    __table_args__ = (CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),)

    @property
    def audit_key(self) -> str:
        return self.name


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    department: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    leaves_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # a save from an older state fails

    knowledge: Mapped[list[Knowledge]] = relationship(back_populates="person")

    __table_args__ = (
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        CheckConstraint("email IS NULL OR length(trim(email)) > 0", name="email_not_blank"),
        # A person's key is the e-mail, or the name when there is no e-mail (SPEC §1).
        Index("uq_people_key", func.coalesce(email, name), unique=True),
    )

    @property
    def key(self) -> str:
        return self.email or self.name

    @property
    def audit_key(self) -> str:
        return self.key

    def is_active(self, on: date) -> bool:
        return self.leaves_on is None or self.leaves_on >= on


class Contract(Base):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    vendor_id: Mapped[int] = mapped_column(
        ForeignKey("vendors.id", ondelete="RESTRICT"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date)
    initial_term_months: Mapped[int | None] = mapped_column(Integer)
    renewal: Mapped[str] = mapped_column(String(12), default="none")
    renewal_term_months: Mapped[int | None] = mapped_column(Integer)
    max_renewals: Mapped[int | None] = mapped_column(Integer)
    options_exercised: Mapped[int] = mapped_column(Integer, default=0)
    notice_value: Mapped[int] = mapped_column(Integer, default=0)
    notice_unit: Mapped[str] = mapped_column(String(8), default="months")
    terminated_on: Mapped[date | None] = mapped_column(Date)
    annual_value: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    credit_cap_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    credit_claim_days: Mapped[int] = mapped_column(Integer, default=30)
    reminder_days: Mapped[str] = mapped_column(String(200), default=DEFAULT_REMINDER_DAYS)
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # a save from an older state fails

    vendor: Mapped[Vendor] = relationship(back_populates="contracts")
    owner: Mapped[Person | None] = relationship()
    clauses: Mapped[list[Clause]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )
    slas: Mapped[list[Sla]] = relationship(back_populates="contract", cascade="all, delete-orphan")
    credit_notes: Mapped[list[CreditNote]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("length(trim(reference)) > 0", name="reference_not_blank"),
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        CheckConstraint(_in("renewal", RENEWAL_TYPES), name="renewal_type"),
        CheckConstraint(_in("notice_unit", NOTICE_UNITS), name="notice_unit"),
        CheckConstraint(
            "initial_term_months IS NULL OR initial_term_months >= 1", name="initial_term"
        ),
        CheckConstraint(
            "renewal_term_months IS NULL OR renewal_term_months >= 1", name="renewal_term"
        ),
        CheckConstraint(
            "renewal NOT IN ('auto', 'option') OR renewal_term_months IS NOT NULL",
            name="renewal_term_required",
        ),
        CheckConstraint("max_renewals IS NULL OR max_renewals >= 0", name="max_renewals"),
        CheckConstraint("options_exercised >= 0", name="options_exercised"),
        CheckConstraint(
            "options_exercised = 0 OR renewal = 'option'", name="options_only_for_option"
        ),
        CheckConstraint(
            "max_renewals IS NULL OR options_exercised <= max_renewals", name="options_within_max"
        ),
        CheckConstraint("notice_value >= 0", name="notice_value"),
        CheckConstraint("credit_claim_days >= 0", name="credit_claim_days"),
        CheckConstraint(_non_negative("annual_value"), name="annual_value"),
        CheckConstraint(_non_negative("credit_cap_percent"), name="credit_cap_percent"),
        CheckConstraint("length(currency) = 3", name="currency_code"),
    )

    @property
    def needs_review(self) -> bool:
        return self.initial_term_months is None and self.renewal != "evergreen"

    @property
    def reminder_list(self) -> tuple[int, ...]:
        return parse_reminder_days(self.reminder_days)

    @property
    def audit_key(self) -> str:
        return self.reference

    @property
    def audit_contract(self) -> str:
        return self.reference


class Clause(Base):
    __tablename__ = "clauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(40))
    criticality: Mapped[int] = mapped_column(Integer, default=3)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # a save from an older state fails

    contract: Mapped[Contract] = relationship(back_populates="clauses")
    knowledge: Mapped[list[Knowledge]] = relationship(
        back_populates="clause", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("contract_id", "number"),
        # a set of contracts' clauses read from the index alone, without their summaries
        Index("ix_clauses_contract_cover", "contract_id", "id", "number", "title", "criticality"),
        CheckConstraint("length(trim(number)) > 0", name="number_not_blank"),
        CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        CheckConstraint("criticality BETWEEN 1 AND 5", name="criticality"),
        CheckConstraint(
            "category IS NULL OR " + _in("category", CLAUSE_CATEGORIES), name="category"
        ),
    )

    @property
    def audit_key(self) -> str:
        return f"{self.contract.reference} §{self.number}"

    @property
    def audit_contract(self) -> str:
        return self.contract.reference


class Knowledge(Base):
    __tablename__ = "knowledge"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    verified_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # a save from an older state fails

    person: Mapped[Person] = relationship(back_populates="knowledge")
    clause: Mapped[Clause] = relationship(back_populates="knowledge")

    __table_args__ = (
        UniqueConstraint("person_id", "clause_id"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level"),
        # the links of a set of clauses read from the index alone (every knowledge rule)
        Index("ix_knowledge_clause_cover", "clause_id", "level", "person_id", "verified_on"),
    )

    @property
    def audit_key(self) -> str:
        return f"{self.person.key} @ {self.clause.contract.reference} §{self.clause.number}"

    @property
    def audit_contract(self) -> str:
        return self.clause.contract.reference


class Sla(Base):
    __tablename__ = "slas"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(40))
    target: Mapped[Decimal] = mapped_column(ExactDecimal)
    direction: Mapped[str] = mapped_column(String(6))
    period: Mapped[str] = mapped_column(String(10))
    credit_percent: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": version}  # a save from an older state fails

    contract: Mapped[Contract] = relationship(back_populates="slas")
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="sla", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("contract_id", "name"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        CheckConstraint(_in("direction", DIRECTIONS), name="direction"),
        CheckConstraint(_in("period", PERIODS), name="period"),
        CheckConstraint(_non_negative("credit_percent"), name="credit_percent"),
    )

    @property
    def audit_key(self) -> str:
        return f"{self.contract.reference} / {self.name}"

    @property
    def audit_contract(self) -> str:
        return self.contract.reference


class Measurement(Base):
    __tablename__ = "measurements"

    id: Mapped[int] = mapped_column(primary_key=True)
    sla_id: Mapped[int] = mapped_column(ForeignKey("slas.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(ExactDecimal)
    note: Mapped[str | None] = mapped_column(Text)

    sla: Mapped[Sla] = relationship(back_populates="measurements")

    __table_args__ = (UniqueConstraint("sla_id", "period_start"),)

    @property
    def audit_key(self) -> str:
        return f"{self.sla.contract.reference} / {self.sla.name} / {self.period_start:%Y-%m}"

    @property
    def audit_contract(self) -> str:
        return self.sla.contract.reference


class CreditNote(Base):
    __tablename__ = "credit_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal)
    received_on: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(100))

    contract: Mapped[Contract] = relationship(back_populates="credit_notes")

    __table_args__ = (CheckConstraint(_non_negative("amount"), name="amount"),)

    @property
    def audit_key(self) -> str:
        return f"{self.contract.reference} / {self.month:%Y-%m} / {self.reference or self.amount}"

    @property
    def audit_contract(self) -> str:
        return self.contract.reference


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    added_on: Mapped[date] = mapped_column(Date)

    contract: Mapped[Contract] = relationship(back_populates="documents")

    __table_args__ = (CheckConstraint("length(trim(filename)) > 0", name="filename_not_blank"),)

    @property
    def audit_key(self) -> str:
        return f"{self.contract.reference} / {self.filename}"

    @property
    def audit_contract(self) -> str:
        return self.contract.reference


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))

    __table_args__ = (
        CheckConstraint(
            _in(
                "key",
                (
                    "understanding_level",
                    "stale_after_months",
                    "leaving_window_days",
                    "truck_threshold",
                ),
            ),
            name="known_key",
        ),
    )

    @property
    def audit_key(self) -> str:
        return self.key


class AuditLog(Base):
    """One row per insert or delete, one per update with each changed field (old and new)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(40))
    entity_key: Mapped[str] = mapped_column(String(400))
    action: Mapped[str] = mapped_column(String(10))
    changes: Mapped[str | None] = mapped_column(Text)  # JSON: {field: [old, new]}
    contract_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that wrote it
    record_id: Mapped[int | None] = mapped_column(Integer)  # the id of the record it is about

    __table_args__ = (
        CheckConstraint(_in("action", ("insert", "update", "delete")), name="action"),
    )


IMPORT_KINDS = ("register", "foreign", "measurements", "attestations")


class ImportRecord(Base):
    """An import that wrote records (SPEC §5): what, from which file, by whom, with what result.

    The records it wrote are the audit rows carrying its id; taking it back sets undone_at.
    """

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(200))
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    shortened: Mapped[int] = mapped_column(Integer)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)
    undone_by: Mapped[str | None] = mapped_column(String(200))
    # JSON {entity: [highest id before, highest id after]}: the ids the import's inserts took
    id_ranges: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint(_in("kind", IMPORT_KINDS), name="kind"),)
