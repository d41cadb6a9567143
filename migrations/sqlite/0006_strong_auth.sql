-- Strong authentication (issue 5, SPEC §4.1–4.5, §5).

-- Forcing (SPEC §4.2): a rule forces strong authentication on one login
-- (scope 'login'), on every login of a company ('company'), or on the
-- logins holding a right in a section, with a given profile or any
-- ('rights'). A rule may carry a deadline: until then a login without a
-- method may postpone its enrolment.
CREATE TABLE strong_auth_rules (
    id BLOB PRIMARY KEY NOT NULL,
    company_id BLOB NOT NULL REFERENCES companies(id),
    scope TEXT NOT NULL CHECK (scope IN ('login', 'company', 'rights')),
    login_id BLOB REFERENCES logins(id),
    section TEXT,
    profile TEXT,
    deadline BIGINT,
    created_by BLOB NOT NULL REFERENCES logins(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX strong_auth_rules_company ON strong_auth_rules (company_id);

-- A person asked, from My security, for strong authentication to be
-- turned on for their login; cleared when it is.
CREATE TABLE strong_auth_requests (
    login_id BLOB PRIMARY KEY NOT NULL REFERENCES logins(id),
    requested_at BIGINT NOT NULL
);

-- Recovery codes (SPEC §4.1): only a keyed hash of each code is kept.
CREATE TABLE recovery_codes (
    login_id BLOB NOT NULL REFERENCES logins(id),
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (login_id, code_hash)
);

-- A WebAuthn ceremony in progress (registration or authentication): the
-- server-side state webauthn-rs needs to finish it, bound to the browser
-- that started it (binding = hash of its session or anonymous cookie).
CREATE TABLE webauthn_ceremonies (
    id BLOB PRIMARY KEY NOT NULL,
    binding TEXT NOT NULL,
    login_id BLOB REFERENCES logins(id),
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Passkeys are methods too; their credential id finds them at a
-- passwordless sign-in.
ALTER TABLE auth_methods ADD COLUMN credential_id TEXT;
CREATE UNIQUE INDEX auth_methods_credential ON auth_methods (credential_id);
