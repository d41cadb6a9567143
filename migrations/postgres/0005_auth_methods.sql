-- Strong-authentication methods (issue 5, SPEC §4.1). A row is a method
-- of a login; verified_at is NULL while its enrolment waits for proof of
-- possession. Authenticator seeds are sealed with app.secrets_key
-- (ChaCha20-Poly1305, bound to the row's id); last_step is the TOTP step
-- last accepted, so that no code is accepted twice.
CREATE TABLE auth_methods (
    id UUID PRIMARY KEY NOT NULL,
    login_id UUID NOT NULL REFERENCES logins(id),
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    secret BYTEA,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    verified_at BIGINT,
    last_used_at BIGINT,
    last_step BIGINT
);
CREATE INDEX auth_methods_login ON auth_methods (login_id);
