-- Assisted recovery (issue 4, SPEC §5): a request from someone whose
-- e-mail on file is outdated, handled by support. The reference is what
-- the requester follows the case with; nothing changes on the login until
-- the agent has recorded how identity was verified and the new address
-- has proved itself with a code.
CREATE TABLE recovery_cases (
    id UUID PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    typed_who TEXT NOT NULL,
    company_name TEXT NOT NULL,
    new_email TEXT NOT NULL,
    phone TEXT,
    message TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    login_id UUID REFERENCES logins(id),
    agent_id UUID REFERENCES logins(id),
    verification_method TEXT,
    verification_note TEXT,
    closing_note TEXT
);
CREATE INDEX recovery_cases_status ON recovery_cases (status, created_at);
