-- A form refused for a step-up (SPEC §4.5) is kept while the person
-- confirms it is them, then offered again as it was typed. Sealed under
-- app.secrets_key (it may hold anything the form held), bound to the
-- login, single use, kept 10 minutes. Only the SHA-256 of its token is
-- stored.
CREATE TABLE pending_forms (
    token_hash TEXT PRIMARY KEY NOT NULL,
    login_id UUID NOT NULL REFERENCES logins(id),
    sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX pending_forms_expiry ON pending_forms (expires_at);
