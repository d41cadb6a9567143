-- FranceConnect+ (issue 6, SPEC §4.7).

-- Espace's encryption keys, published at /.well-known/jwks.json: the
-- provider encrypts ID tokens and userinfo to them. The private JWK is
-- sealed with app.secrets_key. Rotated by age (app.franceconnect.*).
CREATE TABLE jose_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    alg TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    private_sealed BLOB NOT NULL,
    created_at BIGINT NOT NULL
);

-- A FranceConnect+ identity linked to a login: the method of kind
-- 'franceconnect' it stands behind. One identity, one login.
CREATE TABLE idp_links (
    method_id BLOB PRIMARY KEY NOT NULL,
    login_id BLOB NOT NULL REFERENCES logins(id),
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    birthdate TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX idp_links_subject ON idp_links (issuer, subject);
CREATE UNIQUE INDEX idp_links_login ON idp_links (login_id);

-- The ID token a session was opened or raised with, handed back to the
-- provider's end-session endpoint when the session signs out.
CREATE TABLE idp_sessions (
    session_hash TEXT PRIMARY KEY NOT NULL,
    id_token TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The browser that opened an assisted-recovery case (hash of its CSRF
-- basis): only it may prove the requester's identity with FranceConnect+,
-- so that a case opened by someone else cannot be "proven" by luring the
-- login's owner to its page.
ALTER TABLE recovery_cases ADD COLUMN opener_hash TEXT;
