-- A Clausekeeper database of an earlier version: schema revision 0001 (made by the Alembic
-- scripts of db/ at 0001, then a small portfolio). installer/smoke.sh opens it with the bundle and
-- tests/store/test_old_database_fixture.py with the package: both must back it up and migrate it.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES('0001');
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(200) NOT NULL, 
	entity VARCHAR(40) NOT NULL, 
	entity_key VARCHAR(400) NOT NULL, 
	action VARCHAR(10) NOT NULL, 
	changes TEXT, 
	CONSTRAINT pk_audit_log PRIMARY KEY (id), 
	CONSTRAINT ck_audit_log_action CHECK (action IN ('insert', 'update', 'delete'))
);
INSERT INTO audit_log VALUES(1,'2025-01-01 10:00:00','ann','Contract','C-2021-014','insert',NULL);
INSERT INTO audit_log VALUES(2,'2025-02-03 09:30:00','bo','Contract','C-2023-002','insert',NULL);
CREATE TABLE people (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	email VARCHAR(254), 
	department VARCHAR(200), 
	role VARCHAR(200), 
	leaves_on DATE, 
	notes TEXT, 
	CONSTRAINT pk_people PRIMARY KEY (id), 
	CONSTRAINT ck_people_email_not_blank CHECK (email IS NULL OR length(trim(email)) > 0), 
	CONSTRAINT ck_people_name_not_blank CHECK (length(trim(name)) > 0)
);
INSERT INTO people VALUES(1,'Ann Berger','ann.berger@company.example','IT',NULL,NULL,NULL);
INSERT INTO people VALUES(2,'Bo Lind','bo.lind@company.example','Procurement',NULL,'2026-06-30',NULL);
CREATE TABLE settings (
	"key" VARCHAR(40) NOT NULL, 
	value VARCHAR(100) NOT NULL, 
	CONSTRAINT pk_settings PRIMARY KEY ("key"), 
	CONSTRAINT ck_settings_known_key CHECK (key IN ('understanding_level', 'stale_after_months', 'leaving_window_days', 'truck_threshold'))
);
CREATE TABLE vendors (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	country VARCHAR(100), 
	contact_name VARCHAR(200), 
	contact_email VARCHAR(254), 
	notes TEXT, 
	CONSTRAINT pk_vendors PRIMARY KEY (id), 
	CONSTRAINT ck_vendors_name_not_blank CHECK (length(trim(name)) > 0), 
	CONSTRAINT uq_vendors_name UNIQUE (name)
);
INSERT INTO vendors VALUES(1,'Nordwind Services','DE',NULL,NULL,NULL);
INSERT INTO vendors VALUES(2,'Harbour Cloud','NL',NULL,NULL,NULL);
CREATE TABLE contracts (
	id INTEGER NOT NULL, 
	reference VARCHAR(100) NOT NULL, 
	title VARCHAR(300) NOT NULL, 
	vendor_id INTEGER NOT NULL, 
	owner_id INTEGER, 
	category VARCHAR(100), 
	start_date DATE NOT NULL, 
	initial_term_months INTEGER, 
	renewal VARCHAR(12) NOT NULL, 
	renewal_term_months INTEGER, 
	max_renewals INTEGER, 
	options_exercised INTEGER NOT NULL, 
	notice_value INTEGER NOT NULL, 
	notice_unit VARCHAR(8) NOT NULL, 
	terminated_on DATE, 
	annual_value VARCHAR(60), 
	currency VARCHAR(3) NOT NULL, 
	credit_cap_percent VARCHAR(60), 
	credit_claim_days INTEGER NOT NULL, 
	reminder_days VARCHAR(200) NOT NULL, 
	notes TEXT, 
	CONSTRAINT pk_contracts PRIMARY KEY (id), 
	CONSTRAINT ck_contracts_notice_unit CHECK (notice_unit IN ('days', 'weeks', 'months')), 
	CONSTRAINT ck_contracts_options_only_for_option CHECK (options_exercised = 0 OR renewal = 'option'), 
	CONSTRAINT ck_contracts_renewal_type CHECK (renewal IN ('none', 'auto', 'option', 'evergreen')), 
	CONSTRAINT ck_contracts_renewal_term_required CHECK (renewal NOT IN ('auto', 'option') OR renewal_term_months IS NOT NULL), 
	CONSTRAINT ck_contracts_annual_value CHECK (annual_value IS NULL OR CAST(annual_value AS REAL) >= 0), 
	CONSTRAINT ck_contracts_credit_cap_percent CHECK (credit_cap_percent IS NULL OR CAST(credit_cap_percent AS REAL) >= 0), 
	CONSTRAINT ck_contracts_credit_claim_days CHECK (credit_claim_days >= 0), 
	CONSTRAINT ck_contracts_initial_term CHECK (initial_term_months IS NULL OR initial_term_months >= 1), 
	CONSTRAINT ck_contracts_currency_code CHECK (length(currency) = 3), 
	CONSTRAINT ck_contracts_reference_not_blank CHECK (length(trim(reference)) > 0), 
	CONSTRAINT ck_contracts_title_not_blank CHECK (length(trim(title)) > 0), 
	CONSTRAINT ck_contracts_max_renewals CHECK (max_renewals IS NULL OR max_renewals >= 0), 
	CONSTRAINT ck_contracts_options_within_max CHECK (max_renewals IS NULL OR options_exercised <= max_renewals), 
	CONSTRAINT ck_contracts_notice_value CHECK (notice_value >= 0), 
	CONSTRAINT ck_contracts_options_exercised CHECK (options_exercised >= 0), 
	CONSTRAINT ck_contracts_renewal_term CHECK (renewal_term_months IS NULL OR renewal_term_months >= 1), 
	CONSTRAINT fk_contracts_owner_id_people FOREIGN KEY(owner_id) REFERENCES people (id) ON DELETE SET NULL, 
	CONSTRAINT fk_contracts_vendor_id_vendors FOREIGN KEY(vendor_id) REFERENCES vendors (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_contracts_reference UNIQUE (reference)
);
INSERT INTO contracts VALUES(1,'C-2021-014','Service desk',1,1,NULL,'2021-01-31',36,'auto',12,NULL,0,3,'months',NULL,'1200000.10','EUR',NULL,30,'180,90,30,7',NULL);
INSERT INTO contracts VALUES(2,'C-2023-002','Hosting',2,2,NULL,'2023-04-01',24,'option',12,NULL,1,60,'days',NULL,'84000.00','USD',NULL,60,'90,30',NULL);
CREATE TABLE clauses (
	id INTEGER NOT NULL, 
	contract_id INTEGER NOT NULL, 
	number VARCHAR(50) NOT NULL, 
	title VARCHAR(300) NOT NULL, 
	summary TEXT, 
	category VARCHAR(40), 
	criticality INTEGER NOT NULL, 
	CONSTRAINT pk_clauses PRIMARY KEY (id), 
	CONSTRAINT ck_clauses_category CHECK (category IS NULL OR category IN ('scope', 'service levels', 'pricing', 'term and renewal', 'termination', 'exit and transition', 'liability', 'data protection', 'security', 'intellectual property', 'audit rights', 'change control', 'other')), 
	CONSTRAINT ck_clauses_criticality CHECK (criticality BETWEEN 1 AND 5), 
	CONSTRAINT ck_clauses_number_not_blank CHECK (length(trim(number)) > 0), 
	CONSTRAINT ck_clauses_title_not_blank CHECK (length(trim(title)) > 0), 
	CONSTRAINT fk_clauses_contract_id_contracts FOREIGN KEY(contract_id) REFERENCES contracts (id) ON DELETE CASCADE, 
	CONSTRAINT uq_clauses_contract_id UNIQUE (contract_id, number)
);
INSERT INTO clauses VALUES(1,1,'7.10','Knowledge transfer',NULL,NULL,4);
INSERT INTO clauses VALUES(2,1,'12.1','Termination for convenience',NULL,NULL,5);
INSERT INTO clauses VALUES(3,2,'4.2','Availability',NULL,NULL,3);
CREATE TABLE credit_notes (
	id INTEGER NOT NULL, 
	contract_id INTEGER NOT NULL, 
	month DATE NOT NULL, 
	amount VARCHAR(60) NOT NULL, 
	received_on DATE, 
	reference VARCHAR(100), 
	CONSTRAINT pk_credit_notes PRIMARY KEY (id), 
	CONSTRAINT ck_credit_notes_amount CHECK (amount IS NULL OR CAST(amount AS REAL) >= 0), 
	CONSTRAINT fk_credit_notes_contract_id_contracts FOREIGN KEY(contract_id) REFERENCES contracts (id) ON DELETE CASCADE
);
CREATE TABLE documents (
	id INTEGER NOT NULL, 
	contract_id INTEGER NOT NULL, 
	filename VARCHAR(255) NOT NULL, 
	content BLOB NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	added_on DATE NOT NULL, 
	CONSTRAINT pk_documents PRIMARY KEY (id), 
	CONSTRAINT ck_documents_filename_not_blank CHECK (length(trim(filename)) > 0), 
	CONSTRAINT fk_documents_contract_id_contracts FOREIGN KEY(contract_id) REFERENCES contracts (id) ON DELETE CASCADE
);
CREATE TABLE slas (
	id INTEGER NOT NULL, 
	contract_id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	unit VARCHAR(40), 
	target VARCHAR(60) NOT NULL, 
	direction VARCHAR(6) NOT NULL, 
	period VARCHAR(10) NOT NULL, 
	credit_percent VARCHAR(60) NOT NULL, 
	CONSTRAINT pk_slas PRIMARY KEY (id), 
	CONSTRAINT ck_slas_direction CHECK (direction IN ('higher', 'lower')), 
	CONSTRAINT ck_slas_period CHECK (period IN ('monthly', 'quarterly')), 
	CONSTRAINT ck_slas_credit_percent CHECK (credit_percent IS NULL OR CAST(credit_percent AS REAL) >= 0), 
	CONSTRAINT ck_slas_name_not_blank CHECK (length(trim(name)) > 0), 
	CONSTRAINT fk_slas_contract_id_contracts FOREIGN KEY(contract_id) REFERENCES contracts (id) ON DELETE CASCADE, 
	CONSTRAINT uq_slas_contract_id UNIQUE (contract_id, name)
);
INSERT INTO slas VALUES(1,2,'Availability','%','99.9','higher','monthly','5');
CREATE TABLE knowledge (
	id INTEGER NOT NULL, 
	person_id INTEGER NOT NULL, 
	clause_id INTEGER NOT NULL, 
	level INTEGER NOT NULL, 
	verified_on DATE NOT NULL, 
	CONSTRAINT pk_knowledge PRIMARY KEY (id), 
	CONSTRAINT ck_knowledge_level CHECK (level BETWEEN 1 AND 4), 
	CONSTRAINT fk_knowledge_clause_id_clauses FOREIGN KEY(clause_id) REFERENCES clauses (id) ON DELETE CASCADE, 
	CONSTRAINT fk_knowledge_person_id_people FOREIGN KEY(person_id) REFERENCES people (id) ON DELETE RESTRICT, 
	CONSTRAINT uq_knowledge_person_id UNIQUE (person_id, clause_id)
);
INSERT INTO knowledge VALUES(1,1,1,3,'2025-05-01');
INSERT INTO knowledge VALUES(2,2,3,2,'2025-09-15');
CREATE TABLE measurements (
	id INTEGER NOT NULL, 
	sla_id INTEGER NOT NULL, 
	period_start DATE NOT NULL, 
	value VARCHAR(60) NOT NULL, 
	note TEXT, 
	CONSTRAINT pk_measurements PRIMARY KEY (id), 
	CONSTRAINT fk_measurements_sla_id_slas FOREIGN KEY(sla_id) REFERENCES slas (id) ON DELETE CASCADE, 
	CONSTRAINT uq_measurements_sla_id UNIQUE (sla_id, period_start)
);
INSERT INTO measurements VALUES(1,1,'2025-08-01','99.95',NULL);
INSERT INTO measurements VALUES(2,1,'2025-09-01','99.1',NULL);
CREATE UNIQUE INDEX uq_people_key ON people (coalesce(email, name));
CREATE INDEX ix_contracts_owner_id ON contracts (owner_id);
CREATE INDEX ix_contracts_vendor_id ON contracts (vendor_id);
CREATE INDEX ix_credit_notes_contract_id ON credit_notes (contract_id);
CREATE INDEX ix_documents_contract_id ON documents (contract_id);
CREATE INDEX ix_knowledge_clause_id ON knowledge (clause_id);
COMMIT;
