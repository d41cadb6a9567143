-- Espace foundation: people, companies, logins, contracts, rights, staff
-- roles, sessions, sign-in counters, audit trail, server keys.
-- Timestamps are Unix milliseconds (UTC) on both engines (ADR 0003).

CREATE TABLE persons (
    id UUID PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE companies (
    id UUID PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    siren TEXT,
    siret TEXT,
    vat_number TEXT,
    billing_address TEXT NOT NULL DEFAULT '',
    web_account_manager_id UUID,
    created_at BIGINT NOT NULL
);

CREATE TABLE logins (
    id UUID PRIMARY KEY NOT NULL,
    person_id UUID NOT NULL REFERENCES persons(id),
    company_id UUID REFERENCES companies(id),
    identifier TEXT NOT NULL,
    identifier_norm TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    title TEXT NOT NULL DEFAULT 'unspecified' CHECK (title IN ('mr', 'mrs', 'unspecified')),
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    email TEXT,
    email_norm TEXT,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    phone TEXT,
    phone_verified BOOLEAN NOT NULL DEFAULT FALSE,
    locale TEXT CHECK (locale IN ('fr', 'en')),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX logins_email_norm ON logins (email_norm);
CREATE INDEX logins_company ON logins (company_id);

CREATE TABLE contracts (
    id UUID PRIMARY KEY NOT NULL,
    company_id UUID NOT NULL REFERENCES companies(id),
    reference TEXT NOT NULL UNIQUE,
    offer_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'terminated')),
    commitment_end TEXT,
    referent_login_id UUID REFERENCES logins(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX contracts_company ON contracts (company_id);

CREATE TABLE contract_rights (
    login_id UUID NOT NULL REFERENCES logins(id),
    contract_id UUID NOT NULL REFERENCES contracts(id),
    section TEXT NOT NULL CHECK (section IN ('contracts', 'invoices', 'consumption', 'requests', 'users', 'documents', 'reports')),
    profile TEXT NOT NULL CHECK (profile IN ('visitor', 'manager')),
    PRIMARY KEY (login_id, contract_id, section)
);

CREATE TABLE company_roles (
    login_id UUID NOT NULL REFERENCES logins(id),
    company_id UUID NOT NULL REFERENCES companies(id),
    role TEXT NOT NULL CHECK (role IN ('administrator', 'security-manager')),
    PRIMARY KEY (login_id, company_id, role)
);

CREATE TABLE staff_roles (
    login_id UUID NOT NULL REFERENCES logins(id),
    role TEXT NOT NULL CHECK (role IN ('support-agent', 'web-account-manager', 'moderator', 'administrator')),
    PRIMARY KEY (login_id, role)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    login_id UUID NOT NULL REFERENCES logins(id),
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    authenticated_at BIGINT NOT NULL,
    aal INTEGER NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_login ON sessions (login_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

CREATE TABLE signin_attempts (
    attempt_key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    fingerprints TEXT NOT NULL,
    locked_until BIGINT,
    last_was_repeat BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE ip_windows (
    ip TEXT PRIMARY KEY NOT NULL,
    window_start BIGINT NOT NULL,
    failures INTEGER NOT NULL
);

CREATE TABLE audit_events (
    id UUID PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor_login_id UUID,
    subject_login_id UUID,
    identifier TEXT,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    request_id TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_subject_at ON audit_events (subject_login_id, at);

CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value BYTEA NOT NULL
);
